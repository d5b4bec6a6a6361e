// Fixes for findings, computed from the source text the finding points at. Pure: the
// caller reads the files (src/fixes/provider.ts does, with a cache) and passes them in.
import type { FixAnswer, FixRequest } from '../core/diagnostics';
import type { FixJson, SourceLocation } from '../shared/schema';
import { basename, sentence } from '../shared/words';
import { scanC, type CSource } from './cScanner';
import { ignoreSigchldFix } from './ignoreSigchld';
import { reapChildrenFix } from './zombieLeak';
import { reapLoopFix } from './reapLoop';
import { pcloseFix } from './pclose';
import { posixSpawnWaitFix } from './posixSpawnWait';
import { saRestartFix } from './saRestart';
import { eintrRetryFix } from './eintrRetry';

export { applyEdits } from './edits';

/** A source file as the provider found it. */
export type SourceFile =
  | { text: string }
  /** Why its text cannot be used: missing, unreadable, changed since the build. */
  | { problem: string };

export type ReadSource = (file: string) => SourceFile;

type Builder = (src: CSource) => FixJson[] | string;

const C_FILE = /\.(c|h|cc|cpp|cxx|hpp|hh|hxx)$/i;

/** The fixes for one request, preferred first, or a note saying why there are none. */
export function computeFixes(request: FixRequest, read: ReadSource): FixAnswer {
  if (request.kind === 'none') return { fixes: [], fixNote: `No fix is offered: ${request.reason}` };
  const attempts: Array<{ file: string; build: Builder }> = [];
  const notes: string[] = [];
  switch (request.kind) {
    case 'reap-children': {
      const forks = request.forks;
      attempts.push({ file: forks[0].file, build: (src) => reapChildrenFix(forks, src) });
      attempts.push({ file: forks[0].file, build: (src) => ignoreSigchldFix(forks, src) });
      break;
    }
    case 'reap-loop': {
      const wait = request.wait;
      attempts.push({ file: wait.file, build: (src) => reapLoopFix(wait, src) });
      break;
    }
    case 'pclose': {
      const popens = request.popens;
      attempts.push({ file: popens[0].file, build: (src) => oneFile(popens) ?? pcloseFix(popens, src) });
      break;
    }
    case 'waitpid-spawned': {
      const spawns = request.spawns;
      attempts.push({ file: spawns[0].file, build: (src) => oneFile(spawns) ?? posixSpawnWaitFix(spawns, src) });
      break;
    }
    case 'eintr': {
      const { call, interrupted, sigaction } = request;
      if (!request.restartWouldHelp) notes.push(`SA_RESTART would not help: ${call} fails with EINTR even with it.`);
      else if (sigaction) attempts.push({ file: sigaction.file, build: (src) => saRestartFix(sigaction, src) });
      else notes.push('the line of the sigaction that installs the handler is not known.');
      if (interrupted) attempts.push({ file: interrupted.file, build: (src) => eintrRetryFix(call, interrupted, src) });
      else notes.push(`the line of the interrupted ${call} is not known.`);
      break;
    }
  }
  const fixes: FixJson[] = [];
  const sources = new Map<string, CSource | string>();
  for (const { file, build } of attempts) {
    let src = sources.get(file);
    if (src === undefined) {
      src = sourceOf(file, read);
      sources.set(file, src);
    }
    const result = typeof src === 'string' ? src : build(src);
    if (typeof result === 'string') {
      if (!notes.includes(result)) notes.push(result);
    } else fixes.push(...result);
  }
  // The preferred fix first; at most one is preferred.
  fixes.sort((a, b) => Number(b.preferred) - Number(a.preferred));
  if (fixes.length > 0 && !fixes[0].preferred) fixes[0] = { ...fixes[0], preferred: true };
  // The first note follows the colon; each one after it starts a sentence.
  return { fixes, fixNote: fixes.length > 0 ? null : `No fix is offered: ${notes.map((n, i) => (i === 0 ? n : sentence(n))).join(' ')}` };
}

/** Null when every location is in one file; else why no edit is offered. */
function oneFile(locations: readonly SourceLocation[]): string | null {
  const files = [...new Set(locations.map((l) => basename(l.file)))];
  return files.length > 1 ? `the calls are in several files (${files.join(', ')}), so no edit is offered.` : null;
}

function sourceOf(file: string, read: ReadSource): CSource | string {
  if (!C_FILE.test(file)) return `${basename(file)} is not C or C++ source: fixes are computed for C and C++ only.`;
  const found = read(file);
  if ('problem' in found) return found.problem;
  return scanC(found.text);
}
