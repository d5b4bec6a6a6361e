// Statements of a C function body, and the file's habits (indentation unit, brace
// placement): where a fix may insert a line, and how that line must look.
import { findFunctions, indentOfLine, lineNumberAt, matchBracket, type CFunction, type CSource } from './cScanner';

export type StatementKind = 'block' | 'if' | 'loop' | 'switch' | 'label' | 'simple';

export interface Statement {
  kind: StatementKind;
  /** The keyword (`for`, `while`, `do`, `if`, `switch`) for compound statements. */
  keyword: string | null;
  start: number;
  /** Offset just past its last character (`;` or `}`). */
  end: number;
  /** Its sub-statements: a block's statements, a loop's or an if's bodies. */
  children: Statement[];
  /** True for a statement directly inside `{ }` (a line can be inserted before it). */
  inBlock: boolean;
}

function skipSpace(code: string, k: number, end: number): number {
  while (k < end && /\s/.test(code[k])) k++;
  return k;
}

function wordAt(code: string, k: number): string {
  return /^[A-Za-z_]\w*/.exec(code.slice(k, k + 32))?.[0] ?? '';
}

/** Parses the statements of a block whose braces are at `open` and `close`. */
export function blockStatements(code: string, open: number, close: number): Statement[] {
  const out: Statement[] = [];
  let k = skipSpace(code, open + 1, close);
  while (k < close) {
    const s = parseStatement(code, k, close, true);
    out.push(s);
    k = skipSpace(code, Math.max(s.end, k + 1), close);
  }
  return out;
}

function parseStatement(code: string, start: number, limit: number, inBlock: boolean): Statement {
  const ch = code[start];
  if (ch === '{') {
    const close = matchBracket(code, start);
    const end = close < 0 ? limit : close;
    return { kind: 'block', keyword: null, start, end: end + 1, children: blockStatements(code, start, end), inBlock };
  }
  const word = wordAt(code, start);
  if (word === 'if' || word === 'while' || word === 'for' || word === 'switch') {
    let k = skipSpace(code, start + word.length, limit);
    if (code[k] === '(') {
      const close = matchBracket(code, k);
      if (close > 0) {
        k = skipSpace(code, close + 1, limit);
        const body = parseStatement(code, k, limit, false);
        const children = [body];
        let end = body.end;
        if (word === 'if') {
          const e = skipSpace(code, end, limit);
          if (wordAt(code, e) === 'else') {
            const other = parseStatement(code, skipSpace(code, e + 4, limit), limit, false);
            children.push(other);
            end = other.end;
          }
        }
        const kind: StatementKind = word === 'if' ? 'if' : word === 'switch' ? 'switch' : 'loop';
        return { kind, keyword: word, start, end, children, inBlock };
      }
    }
  }
  if (word === 'do') {
    const body = parseStatement(code, skipSpace(code, start + 2, limit), limit, false);
    const end = simpleEnd(code, body.end, limit);
    return { kind: 'loop', keyword: 'do', start, end, children: [body], inBlock };
  }
  if (word === 'case' || word === 'default') {
    const colon = code.indexOf(':', start);
    return { kind: 'label', keyword: word, start, end: colon < 0 || colon > limit ? limit : colon + 1, children: [], inBlock };
  }
  return { kind: 'simple', keyword: null, start, end: simpleEnd(code, start, limit), children: [], inBlock };
}

/** Past the `;` that ends a simple statement (brackets inside, as in `= { 0 };`, skipped). */
function simpleEnd(code: string, start: number, limit: number): number {
  let depth = 0;
  for (let k = start; k < limit; k++) {
    const ch = code[k];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) return k; // unbalanced: the block ends here
      depth--;
    } else if (ch === ';' && depth === 0) return k + 1;
  }
  return limit;
}

export interface StatementChain {
  fn: CFunction;
  /** From the function body's top-level statement down to the innermost one containing the offset. */
  chain: Statement[];
}

/** The statements that contain `offset`, outermost first, in the function that contains it. */
export function statementsAt(src: CSource, offset: number): StatementChain | null {
  const fn = findFunctions(src).find((f) => f.open < offset && offset < f.close);
  if (!fn) return null;
  const chain: Statement[] = [];
  let level = blockStatements(src.code, fn.open, fn.close);
  for (;;) {
    const s = level.find((x) => x.start <= offset && offset < x.end);
    if (!s) break;
    chain.push(s);
    level = s.children;
  }
  return { fn, chain };
}

/** The file's habits, read from its own code. */
export interface CStyle {
  /** One level of indentation: a tab, or N spaces. */
  unit: string;
  /** `{` of a function body on a line of its own. */
  functionBraceOwnLine: boolean;
  /** `{` of an if/for/while body on a line of its own (Allman). */
  blockBraceOwnLine: boolean;
}

export function detectStyle(src: CSource): CStyle {
  let tabs = 0;
  let spaces = 0;
  const widths = new Map<number, number>();
  const lines = src.code.split('\n');
  let previous = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const lead = /^[ \t]*/.exec(line)![0];
    if (lead.startsWith('\t')) tabs++;
    else if (lead.length > 0) spaces++;
    if (!lead.includes('\t')) {
      const step = lead.length - previous;
      if (step > 0) widths.set(step, (widths.get(step) ?? 0) + 1);
      previous = lead.length;
    }
  }
  let unit = '    ';
  if (tabs > spaces) unit = '\t';
  else if (widths.size > 0) {
    const [best] = [...widths].filter(([w]) => w >= 2 && w <= 8).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    if (best) unit = ' '.repeat(best[0]);
  }
  let fnOwn = 0;
  let fnSame = 0;
  for (const f of findFunctions(src)) {
    let b = f.open - 1;
    while (b >= 0 && src.code[b] === ' ') b--;
    if (src.code[b] === '\n' || src.code[b] === '\t') fnOwn++;
    else fnSame++;
  }
  let blockOwn = 0;
  let blockSame = 0;
  for (const m of src.code.matchAll(/\b(?:if|for|while|switch)\s*\(/g)) {
    const close = matchBracket(src.code, m.index + m[0].length - 1);
    if (close < 0) continue;
    const after = /^\s*/.exec(src.code.slice(close + 1, close + 200))![0];
    if (src.code[close + 1 + after.length] !== '{') continue;
    if (after.includes('\n')) blockOwn++;
    else blockSame++;
  }
  return { unit, functionBraceOwnLine: fnOwn >= fnSame, blockBraceOwnLine: blockOwn > blockSame };
}

/** The indentation of the line a statement starts on. */
export function indentAt(src: CSource, offset: number): string {
  return indentOfLine(src, lineNumberAt(src, offset));
}
