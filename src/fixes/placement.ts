// Where a fix may put a line, and what to say when the text is not what the trace says:
// shared by the fix builders.
import type { FixEditJson, SourceLocation } from '../shared/schema';
import { callsOnLine, lineEnd, lineNumberAt, lineOffset, macrosOnLine, type CallSpan, type CSource } from './cScanner';
import { statementsAt, type Statement } from './cStatements';
import { editAt } from './edits';
import { basename } from '../shared/words';

/** `file:line`, short. */
export function where(loc: SourceLocation): string {
  return `${basename(loc.file)}:${loc.line}`;
}

/**
 * The call the finding names on its line, or why it is not there: a macro that hides it,
 * or a line that holds something else (the source changed since the build).
 */
export function expectCall(src: CSource, loc: SourceLocation, names: readonly string[]): CallSpan | string {
  const calls = callsOnLine(src, names, loc.line);
  const what = names.map((n) => `${n}()`).join(' or ');
  if (calls.length === 1) return calls[0];
  if (calls.length > 1) return `${where(loc)} holds ${calls.length} calls of ${what}: which one the trace saw is not sure, so no edit is offered.`;
  if (loc.line > src.lineStarts.length) return `${where(loc)} is past the end of the file: it changed since the program was built. Rebuild and trace again.`;
  const macros = macrosOnLine(src, loc.line);
  if (macros.length > 0)
    return `the ${what} call at ${where(loc)} is hidden by the macro ${macros.join(', ')}: an edit there would change every use of the macro, so none is offered.`;
  const text = src.text.slice(lineOffset(src, loc.line), lineEnd(src, loc.line)).trim();
  return `${where(loc)} is not a ${what} call (it reads "${text.length > 60 ? `${text.slice(0, 57)}...` : text}"): the source may have changed since the program was built. Rebuild and trace again.`;
}

/**
 * The statement before which a setup line goes, for a call at `offset`: the outermost loop
 * around the call in its function (set up once, not on every iteration), else the call's
 * own statement; always one directly inside `{ }`. Null when there is no such statement.
 */
export function setupStatement(src: CSource, offset: number): Statement | null {
  const found = statementsAt(src, offset);
  if (!found || found.chain.length === 0) return null;
  const { chain } = found;
  let k = chain.findIndex((s) => s.kind === 'loop');
  if (k < 0) k = chain.length - 1;
  while (k >= 0 && !chain[k].inBlock) k--;
  return k >= 0 ? chain[k] : null;
}

/** The offset of the start of a statement's line when only whitespace precedes it there; null otherwise. */
export function lineStartBefore(src: CSource, offset: number): number | null {
  let k = offset;
  while (k > 0 && (src.text[k - 1] === ' ' || src.text[k - 1] === '\t')) k--;
  return k === 0 || src.text[k - 1] === '\n' ? k : null;
}

/** A comment in the file's habit. */
export function comment(src: CSource, words: string): string {
  return src.lineComments ? `// ${words}` : `/* ${words} */`;
}

/** `base`, or `base_2`, … : a name the file does not use yet. */
export function freshName(src: CSource, base: string): string {
  const used = (name: string): boolean => new RegExp(`\\b${name}\\b`).test(src.code);
  if (!used(base)) return base;
  for (let k = 2; ; k++) if (!used(`${base}_${k}`)) return `${base}_${k}`;
}

/**
 * The innermost statement around a call, when the call is the statement (`call;`,
 * `x = call;`, `T x = call;`) or, with `allowIf`, in an if's condition. Its code has
 * comments blanked and whitespace runs made one space.
 */
export function expectStatement(src: CSource, call: CallSpan, loc: SourceLocation, allowIf = false): { statement: Statement; code: string } | string {
  const found = statementsAt(src, call.start);
  const statement = found?.chain[found.chain.length - 1];
  if (!statement) return `the ${call.name}() at ${where(loc)} is not inside a function body, so no edit is offered.`;
  const code = src.code.slice(statement.start, statement.end).replace(/\s+/g, ' ').trim();
  if (statement.kind === 'simple' || (allowIf && statement.kind === 'if')) return { statement, code };
  return `the ${call.name}() at ${where(loc)} is part of a statement this fix does not rewrite, so no edit is offered.`;
}

/** The `}` closing the innermost block around an offset (the function body's at the top level). */
export function enclosingBlockClose(src: CSource, offset: number): number | null {
  const found = statementsAt(src, offset);
  if (!found) return null;
  const blocks = found.chain.filter((s) => s.kind === 'block' && s.start < offset);
  const block = blocks[blocks.length - 1];
  return block ? block.end - 1 : found.fn.close;
}

/** An insert of `text` as new lines right after a statement (a comment after it stays on its line). */
export function insertAfterStatement(file: string, src: CSource, statement: Statement, text: string): FixEditJson | string {
  const last = lineNumberAt(src, statement.end - 1);
  const end = lineEnd(src, last);
  if (src.code.slice(statement.end, end).trim() !== '') return `code follows the statement on line ${last}, so no line can be added after it.`;
  return editAt(file, src, end, end, `\n${text}`);
}
