// Edits in the schema's convention (1-based lines and columns, end exclusive), made from
// offsets in a scanned source, and applied back to text: the system tests compile what
// applyEdits returns, and previews show it.
import type { FixEditJson } from '../shared/schema';
import { lineOffset, positionOf, type CSource } from './cScanner';

/** An edit of `src` replacing [start, end) (offsets) with `newText`. */
export function editAt(file: string, src: CSource, start: number, end: number, newText: string): FixEditJson {
  const a = positionOf(src, start);
  const b = positionOf(src, end);
  return { file, startLine: a.line, startColumn: a.column, endLine: b.line, endColumn: b.column, newText };
}

function offsetOf(lineStarts: readonly number[], textLength: number, line: number, column: number): number {
  if (line < 1 || column < 1) throw new Error(`edit position ${line}:${column} is not 1-based`);
  if (line > lineStarts.length) {
    if (line === lineStarts.length + 1 && column === 1) return textLength;
    throw new Error(`edit line ${line} is past the end of the text (${lineStarts.length} lines)`);
  }
  const start = lineStarts[line - 1];
  const lineEndOffset = line < lineStarts.length ? lineStarts[line] - 1 : textLength;
  const offset = start + column - 1;
  // The column just past the line's end (before its newline) is fine; beyond it is not.
  if (offset > lineEndOffset + (line < lineStarts.length ? 1 : 0)) throw new Error(`edit column ${column} is past the end of line ${line}`);
  return offset;
}

/**
 * Applies the edits meant for one file to its text. Edits must not overlap; they may be
 * given in any order (inserts at one position keep their given order). Throws on an edit
 * outside the text or overlapping another.
 */
export function applyEdits(text: string, edits: readonly FixEditJson[]): string {
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  const spans = edits.map((e, order) => {
    const start = offsetOf(lineStarts, text.length, e.startLine, e.startColumn);
    const end = offsetOf(lineStarts, text.length, e.endLine, e.endColumn);
    if (end < start) throw new Error(`edit ends (${e.endLine}:${e.endColumn}) before it starts (${e.startLine}:${e.startColumn})`);
    return { start, end, newText: e.newText, order };
  });
  spans.sort((a, b) => a.start - b.start || a.end - b.end || a.order - b.order);
  let out = '';
  let at = 0;
  for (const s of spans) {
    if (s.start < at) throw new Error('edits overlap');
    out += text.slice(at, s.start) + s.newText;
    at = s.end;
  }
  return out + text.slice(at);
}

/** Edits inserting the missing `#include <h>` lines: in order among sorted includes, else after the last one. */
export function includeEdits(file: string, src: CSource, headers: readonly string[]): FixEditJson[] {
  const have = new Set(src.includes.map((i) => i.header));
  const missing = headers.filter((h) => !have.has(h));
  if (missing.length === 0) return [];
  const system = src.includes.filter((i) => i.system);
  const sorted = system.every((inc, k) => k === 0 || system[k - 1].header <= inc.header);
  const byLine = new Map<number, string[]>();
  for (const h of [...missing].sort()) {
    let line: number;
    if (system.length === 0) line = src.includes.length > 0 ? src.includes[0].line : firstCodeLine(src);
    else if (sorted) {
      const next = system.find((i) => i.header > h);
      line = next ? next.line : system[system.length - 1].line + 1;
    } else line = system[system.length - 1].line + 1;
    const list = byLine.get(line) ?? [];
    list.push(`#include <${h}>\n`);
    byLine.set(line, list);
  }
  return [...byLine].map(([line, texts]) => {
    const offset = lineOffset(src, line);
    return editAt(file, src, offset, offset, texts.join(''));
  });
}

/** The first line that is neither blank nor comment (where includes go in a file that has none). */
function firstCodeLine(src: CSource): number {
  const lines = src.code.split('\n');
  const k = lines.findIndex((l) => l.trim() !== '');
  return k < 0 ? 1 : k + 1;
}
