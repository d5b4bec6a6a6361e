// Settings and argument strings, turned into what LiveTrace takes. No shell is ever
// involved: arguments become an argv array, split the way a shell would split them.

/** Splits `a "b c" 'd e' f\ g` into argv, without expanding anything. */
export function splitCommandLine(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && (text[k + 1] === '"' || text[k + 1] === '\\')) current += text[++k];
      else current += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && k + 1 < text.length) {
      current += text[++k];
      inWord = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) out.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} quote in: ${text}`);
  if (inWord) out.push(current);
  return out;
}

/** Quotes argv back into one line a user can edit (the inverse of splitCommandLine). */
export function joinCommandLine(argv: string[]): string {
  return argv.map((a) => (a === '' ? "''" : /^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export interface VariableContext {
  workspaceFolder: string | null;
  file: string | null;
  env: NodeJS.ProcessEnv;
}

/** `${workspaceFolder}`, `${file}`, `${fileDirname}`, `${env:NAME}`; an unknown variable is an error. */
export function substituteVariables(text: string, ctx: VariableContext): string {
  return text.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
    if (name === 'workspaceFolder') {
      if (!ctx.workspaceFolder) throw new Error('${workspaceFolder} is used, but no folder is open');
      return ctx.workspaceFolder;
    }
    if (name === 'file' || name === 'fileDirname') {
      if (!ctx.file) throw new Error(`\${${name}} is used, but no file is open`);
      return name === 'file' ? ctx.file : ctx.file.slice(0, Math.max(ctx.file.lastIndexOf('/'), 0)) || '/';
    }
    if (name.startsWith('env:')) return ctx.env[name.slice(4)] ?? '';
    throw new Error(`unknown variable \${${name}}`);
  });
}
