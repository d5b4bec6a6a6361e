// What every path answers for one call, and the notes they share: why there is no line,
// and what the user can do about it.
import { basename } from 'node:path';
import type { Located } from '../core/diagnostics';
import type { SourceLocation } from '../shared/schema';
import type { BinaryFile } from './binaries';
import type { CandidateLocation } from './interpreted';

/** What a lookup answers: the location or why not, and the candidates. */
export interface Answer {
  located: Located;
  candidates: CandidateLocation[];
  /**
   * The call sites a static answer chose from, when they are all direct calls in the
   * executable itself: what following the process's control flow can narrow (flowFollower.ts).
   */
  sites?: ExeSite[];
}

/** A direct call in the executable that may have made the call looked up. */
export interface ExeSite {
  address: number;
  location: SourceLocation | null;
  target: string;
}

export const MISSING_BINUTILS =
  'Source lines need objdump and addr2line from GNU binutils, which are not installed. Install them (sudo apt-get install binutils, or sudo dnf install binutils) and trace again.';

/** No line: why not, and whether a precise (-k) trace would give it (the note then says how to run one). */
export function none(note: string, preciseWouldPin = false): Answer {
  return { located: preciseWouldPin ? { location: null, note, preciseWouldPin } : { location: null, note }, candidates: [] };
}

/** Why a call found in this binary has no line: what is missing from the build, and how to rebuild. */
export function noDebugNote(bin: BinaryFile, fn: string | null): string {
  const name = basename(bin.path);
  const inFn = fn ? ` (the call is in ${fn})` : '';
  const elf = bin.elf;
  if (elf && !elf.hasSymtab && !elf.hasDebugInfo) {
    return `${name} is stripped: it has no symbols and no debug information${inFn}, so the source line is unknown. Rebuild it with -g and without stripping (no -s, strip or install -s), then trace again.`;
  }
  if (elf && !elf.hasDebugInfo) {
    return `${name} was built without debug information${inFn}, so the source line is unknown. Rebuild it with -g (for example gcc -g -O0) and trace again.`;
  }
  return `${name} has no line information for this call${inFn}: that part was probably compiled without -g. Rebuild it with -g and trace again.`;
}

/** "server", "server and libworker.so", "server, liba.so and libb.so". */
export function namesOf(bins: BinaryFile[]): string {
  const names = bins.map((b) => basename(b.path));
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
