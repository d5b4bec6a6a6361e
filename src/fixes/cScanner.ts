// A small C scanner for fixes: enough of C to find a call on a line and the code around it,
// never a parser. Comments, string and character literals and preprocessor lines are
// blanked out (same length, newlines kept), so a `fork(` in a comment or a string is
// never taken for a call, and every offset in the blanked text is an offset in the file.

export interface Directive {
  /** 1-based line of the `#`. */
  line: number;
  /** The directive's text, continuation lines joined. */
  text: string;
}

export interface CSource {
  text: string;
  /** `text` with comments, literals' contents and preprocessor lines blanked (quotes kept). */
  code: string;
  /** Offset of the first character of each line (line 1 at index 0). */
  lineStarts: number[];
  directives: Directive[];
  /** `#include <x.h>` / `"x.h"`: the header and its line. */
  includes: Array<{ header: string; line: number; system: boolean }>;
  /** Names `#define`d in the file. */
  macros: Set<string>;
  /** `//` comments are the file's habit (none of the other kind). */
  lineComments: boolean;
}

export function scanC(text: string): CSource {
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  const out: string[] = [];
  const directives: Directive[] = [];
  let i = 0;
  let lineStart = true;
  let blockComments = 0;
  let lineCommentCount = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      out.push(c);
      i++;
      lineStart = true;
      continue;
    }
    if (lineStart && c === '#') {
      // A preprocessor line, with its backslash continuations.
      const start = i;
      while (i < n && text[i] !== '\n') {
        if (text[i] === '\\' && text[i + 1] === '\n') {
          out.push(' ', '\n');
          i += 2;
          continue;
        }
        out.push(' ');
        i++;
      }
      directives.push({ line: lineAt(lineStarts, start), text: text.slice(start, i).replace(/\\\n/g, ' ') });
      continue;
    }
    if (c !== ' ' && c !== '\t' && c !== '\r') lineStart = false;
    if (c === '/' && text[i + 1] === '/') {
      lineCommentCount++;
      while (i < n && text[i] !== '\n') {
        out.push(' ');
        i++;
      }
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      blockComments++;
      out.push(' ', ' ');
      i += 2;
      while (i < n && !(text[i] === '*' && text[i + 1] === '/')) {
        out.push(text[i] === '\n' ? '\n' : ' ');
        i++;
      }
      if (i < n) {
        out.push(' ', ' ');
        i += 2;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      out.push(c);
      i++;
      while (i < n && text[i] !== c && text[i] !== '\n') {
        if (text[i] === '\\' && i + 1 < n && text[i + 1] !== '\n') {
          out.push(' ', ' ');
          i += 2;
          continue;
        }
        out.push(' ');
        i++;
      }
      if (i < n && text[i] === c) {
        out.push(c);
        i++;
      }
      continue;
    }
    out.push(c);
    i++;
  }
  const code = out.join('');
  const includes: CSource['includes'] = [];
  const macros = new Set<string>();
  for (const d of directives) {
    const inc = /^#\s*include\s*([<"])([^>"]+)[>"]/.exec(d.text);
    if (inc) includes.push({ header: inc[2], line: d.line, system: inc[1] === '<' });
    const def = /^#\s*define\s+([A-Za-z_]\w*)/.exec(d.text);
    if (def) macros.add(def[1]);
  }
  return { text, code, lineStarts, directives, includes, macros, lineComments: lineCommentCount > 0 && blockComments === 0 };
}

function lineAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** Offset of a 1-based line's first character (the end of the text past the last line). */
export function lineOffset(src: CSource, line: number): number {
  if (line < 1) return 0;
  return line <= src.lineStarts.length ? src.lineStarts[line - 1] : src.text.length;
}

/** Offset just past the end of a line's text (before its newline). */
export function lineEnd(src: CSource, line: number): number {
  const next = line < src.lineStarts.length ? src.lineStarts[line] - 1 : src.text.length;
  return next;
}

/** 1-based line and column (UTF-16 units, as VS Code and SARIF count) of an offset. */
export function positionOf(src: CSource, offset: number): { line: number; column: number } {
  const line = lineAt(src.lineStarts, offset);
  return { line, column: offset - src.lineStarts[line - 1] + 1 };
}

export function lineNumberAt(src: CSource, offset: number): number {
  return positionOf(src, offset).line;
}

/** The whitespace a line starts with. */
export function indentOfLine(src: CSource, line: number): string {
  const start = lineOffset(src, line);
  return /^[ \t]*/.exec(src.text.slice(start, lineEnd(src, line)))![0];
}

/** The offset of the bracket matching the one at `open` (`(`/`{`/`[`), in code; -1 if none. */
export function matchBracket(code: string, open: number): number {
  const o = code[open];
  const c = o === '(' ? ')' : o === '{' ? '}' : ']';
  let depth = 0;
  for (let k = open; k < code.length; k++) {
    if (code[k] === o) depth++;
    else if (code[k] === c && --depth === 0) return k;
  }
  return -1;
}

/** The offset of the bracket opening the one that closes at `close`; -1 if none. */
export function matchBracketBack(code: string, close: number): number {
  const c = code[close];
  const o = c === ')' ? '(' : c === '}' ? '{' : '[';
  let depth = 0;
  for (let k = close; k >= 0; k--) {
    if (code[k] === c) depth++;
    else if (code[k] === o && --depth === 0) return k;
  }
  return -1;
}

export interface CallSpan {
  name: string;
  /** Offset of the name. */
  start: number;
  /** Offsets of the parentheses. */
  open: number;
  close: number;
  /** The arguments' spans in the text (trimmed), split at top-level commas. */
  args: Array<{ start: number; end: number; text: string }>;
}

const KEYWORDS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'goto', 'break', 'continue', 'default']);

/** Calls to one of `names` in code between `from` and `to` (a member `x.fork(` or `x->fork(` is no call of fork). */
export function findCalls(src: CSource, names: readonly string[], from = 0, to = src.code.length): CallSpan[] {
  const out: CallSpan[] = [];
  const re = new RegExp(`\\b(${names.map(escapeRegExp).join('|')})\\s*\\(`, 'g');
  re.lastIndex = from;
  for (let m = re.exec(src.code); m && m.index < to; m = re.exec(src.code)) {
    const before = src.code.slice(Math.max(0, m.index - 2), m.index);
    if (before.endsWith('.') || before.endsWith('->')) continue;
    const open = m.index + m[0].length - 1;
    const close = matchBracket(src.code, open);
    if (close < 0) continue;
    out.push({ name: m[1], start: m.index, open, close, args: splitArgs(src, open, close) });
  }
  return out;
}

function splitArgs(src: CSource, open: number, close: number): CallSpan['args'] {
  const args: CallSpan['args'] = [];
  let depth = 0;
  let start = open + 1;
  const push = (end: number): void => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(src.code[s])) s++;
    while (e > s && /\s/.test(src.code[e - 1])) e--;
    if (s < e || args.length > 0 || end < close) args.push({ start: s, end: e, text: src.text.slice(s, e) });
  };
  for (let k = open + 1; k < close; k++) {
    const ch = src.code[k];
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      push(k);
      start = k + 1;
    }
  }
  push(close);
  return args;
}

/** Calls on a 1-based line (that start on it). */
export function callsOnLine(src: CSource, names: readonly string[], line: number): CallSpan[] {
  return findCalls(src, names, lineOffset(src, line), lineEnd(src, line));
}

/** Identifiers called on a line that are macros of the file (a macro may hide the call). */
export function macrosOnLine(src: CSource, line: number): string[] {
  const text = src.code.slice(lineOffset(src, line), lineEnd(src, line));
  const out: string[] = [];
  for (const m of text.matchAll(/\b[A-Za-z_]\w*\b/g)) if (src.macros.has(m[0]) && !out.includes(m[0])) out.push(m[0]);
  return out;
}

export interface CFunction {
  name: string;
  /** Offset where the definition begins (its return type), after the previous top-level declaration. */
  start: number;
  /** Offsets of the body's braces. */
  open: number;
  close: number;
}

/** Function definitions at file level. */
export function findFunctions(src: CSource): CFunction[] {
  const out: CFunction[] = [];
  const code = src.code;
  let depth = 0;
  let declStart = 0;
  for (let k = 0; k < code.length; k++) {
    const ch = code[k];
    if (ch === '{') {
      if (depth === 0) {
        let b = k - 1;
        while (b >= 0 && /\s/.test(code[b])) b--;
        const close = matchBracket(code, k);
        if (code[b] === ')') {
          const paren = matchBracketBack(code, b);
          const name = /([A-Za-z_]\w*)\s*$/.exec(code.slice(0, paren));
          if (name && !KEYWORDS.has(name[1]) && close > 0) {
            let start = declStart;
            while (start < k && /\s/.test(code[start])) start++;
            out.push({ name: name[1], start, open: k, close });
            k = close;
            declStart = close + 1;
            continue;
          }
        }
        if (close > 0) {
          k = close;
          continue;
        }
      }
      depth++;
    } else if (ch === '}') depth--;
    else if (ch === ';' && depth === 0) declStart = k + 1;
  }
  return out;
}

export function functionAt(src: CSource, offset: number): CFunction | undefined {
  return findFunctions(src).find((f) => f.open < offset && offset < f.close);
}

/** Whether an identifier appears anywhere in the code (to pick a fresh name). */
export function usesIdentifier(src: CSource, name: string, from = 0, to = src.code.length): boolean {
  return new RegExp(`\\b${escapeRegExp(name)}\\b`).test(src.code.slice(from, to));
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
