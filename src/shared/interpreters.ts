// Which interpreter an executable's name is: one table for the site resolver (whose
// interpreted programs have no line of their own) and the model (whose Python and Perl
// scripts run their signal handlers after the interpreter's own). Pure: no Node.
import { basename } from './words';

export type Language = 'python' | 'javascript' | 'shell' | 'perl' | 'ruby' | 'php' | 'other';

const INTERPRETERS: Array<[RegExp, Language]> = [
  [/^(python|pypy)(\d+(\.\d+)*)?(-dbg|d|m|u)?$/, 'python'],
  [/^(node|nodejs|deno|bun)(\d+)?$/, 'javascript'],
  [/^(sh|bash|dash|zsh|ksh|ksh93|mksh|ash|yash|busybox|fish)$/, 'shell'],
  [/^perl(\d+(\.\d+)*)?$/, 'perl'],
  [/^ruby(\d+(\.\d+)*)?$/, 'ruby'],
  [/^php(\d+(\.\d+)*)?(-cgi|-fpm)?$/, 'php'],
  [/^(lua|luajit)(\d+(\.\d+)*)?$|^(java|tclsh.*|wish.*|Rscript|R|guile.*|gawk|mawk|awk|erl|beam\.smp|escript|elixir)$/, 'other'],
];

/** The language an interpreter runs, by its executable's name (`/usr/bin/python3.11` → python); null for any other program. */
export function interpreterOfName(executable: string): Language | null {
  const name = basename(executable);
  for (const [re, lang] of INTERPRETERS) if (re.test(name)) return lang;
  return null;
}
