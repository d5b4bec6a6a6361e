// esbuild's text loader: `import source from './x.c'` is the file's text.
declare module '*.c' {
  const text: string;
  export default text;
}
