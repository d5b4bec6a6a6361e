// The panel's own text: argv as a shell reads it, short locations. What a process,
// an exit, a zombie or a count is called comes from src/shared/words, as in the CLI
// and the debug view. Pure.
import type { SourceLocation } from '../src/shared/schema';

/** "srv.c:70": the file's last path component. */
export function shortLocation(loc: SourceLocation): string {
  const slash = loc.file.lastIndexOf('/');
  return `${slash >= 0 ? loc.file.slice(slash + 1) : loc.file}:${loc.line}`;
}

/** argv as a shell would read it back: plain words bare, the rest in single quotes. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

export function quoteArg(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_\-.,:/=+@%^]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
