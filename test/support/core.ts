// Shared helpers for the unit tests: strace text in, schema-1 snapshot out, and
// lookups that fail loudly (a missing pid is a test failure, not an undefined).
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseWarning, TraceEvent } from '../../src/core/events';
import { StraceParser, type ParserOptions } from '../../src/core/parser';
import { TraceSession } from '../../src/core/session';
import type { ModelOptions } from '../../src/core/model';
import type { SiteLocator } from '../../src/core/diagnostics';
import type { DiagnosticJson, DiagnosticKind, ProcessJson, SnapshotJson } from '../../src/shared/schema';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'logs');

export type SessionOptions = ModelOptions & ParserOptions;

/** Joins log lines with `\n` and ends the text with one. */
/** srv (pid 100) becomes a child subreaper and forks 101, which forks 102 (-ttt, after an execve at 1700000000). */
export const SUBREAPER_FORKS: readonly string[] = [
  '100  1700000000.050000 prctl(PR_SET_CHILD_SUBREAPER, 1) = 0',
  '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
  '101  1700000000.200000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
];

export function log(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** A finished session fed `input` in the given chunks (a string is one chunk). */
export function sessionOf(input: string | Array<string | Uint8Array>, options: SessionOptions = {}): TraceSession {
  const session = new TraceSession(options);
  for (const chunk of typeof input === 'string' ? [input] : input) session.push(chunk);
  session.finish();
  return session;
}

/** The snapshot a finished trace of `text` gives; throws when the parser found it fatal. */
export function analyzeText(text: string | Array<string | Uint8Array>, options: SessionOptions = {}, locate?: SiteLocator): SnapshotJson {
  const session = sessionOf(text, options);
  if (session.fatal) throw new Error(`unexpected fatal: ${session.fatal}`);
  return session.snapshot(locate);
}

/** Parser only: the events and warnings `text` produces, in order. */
export function parseEvents(text: string, options: ParserOptions = {}): { events: TraceEvent[]; warnings: ParseWarning[]; parser: StraceParser } {
  const events: TraceEvent[] = [];
  const warnings: ParseWarning[] = [];
  const parser = new StraceParser({ event: (e) => events.push(e), warning: (w) => warnings.push(w) }, options);
  parser.push(text);
  parser.finish();
  return { events, warnings, parser };
}

/** The `nth` process (1-based, in snapshot order) with this pid; throws when there is none. */
export function byPid(snapshot: SnapshotJson, pid: number, nth = 1): ProcessJson {
  const found = snapshot.processes.filter((p) => p.pid === pid);
  const p = found[nth - 1];
  if (!p) throw new Error(`no process #${nth} with pid ${pid}; have ${snapshot.processes.map((q) => q.id).join(', ')}`);
  return p;
}

export function byId(snapshot: SnapshotJson, id: string): ProcessJson {
  const p = snapshot.processes.find((q) => q.id === id);
  if (!p) throw new Error(`no process ${id}; have ${snapshot.processes.map((q) => q.id).join(', ')}`);
  return p;
}

export function diagnosticsOf(snapshot: SnapshotJson, kind: DiagnosticKind): DiagnosticJson[] {
  return snapshot.diagnostics.filter((d) => d.kind === kind);
}

export function kindsOf(snapshot: SnapshotJson): DiagnosticKind[] {
  return snapshot.diagnostics.map((d) => d.kind).sort();
}

/** `[id, parentId]` for every process, in snapshot order: the tree's shape. */
export function treeOf(snapshot: SnapshotJson): Array<[string, string | null]> {
  return snapshot.processes.map((p) => [p.id, p.parentId]);
}

export function fixturePath(name: string): string {
  return join(FIXTURES, name);
}

export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** Snapshot of a recorded log in test/fixtures/logs. */
export function analyzeFixture(name: string, options: SessionOptions = {}): SnapshotJson {
  return analyzeText(readFixture(name), options);
}

/** Rounds to microseconds, the snapshot's precision, for comparing computed times. */
export function us(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

/**
 * A locator that writes what it was given into the location, so a snapshot taken
 * with it also shows each call site's line number, role and `-k` frames.
 */
export const echoLocator: SiteLocator = (site, role) => ({
  location: { file: (site.event.stack ?? []).join(' | '), line: site.event.line, function: `${role}:${site.event.name}` },
  note: null,
});

/**
 * Writes a `strace -f -ttt` log of pid 100's exec and then `count` records' lines to
 * `path`, `perBatch` records at a time, so a log of hundreds of MiB is never one string.
 * `lines(i, at)` gives record i's lines, `at()` the next stamp (a microsecond apart).
 * Returns the log's size.
 */
function writeLogInBatches(path: string, count: number, perBatch: number, lines: (i: number, at: () => string) => string[]): number {
  writeFileSync(path, '100 1700000000.000000 execve("./server", ["./server"], 0x7ffd /* 1 var */) = 0\n');
  let t = 1;
  const at = (): string => `${1700000000 + Math.floor(t / 1e6)}.${String(t++ % 1e6).padStart(6, '0')}`;
  for (let done = 0; done < count;) {
    const batch: string[] = [];
    for (const end = Math.min(count, done + perBatch); done < end; done++) batch.push(...lines(done, at));
    appendFileSync(path, `${batch.join('\n')}\n`);
  }
  return statSync(path).size;
}

/**
 * A fork server's log of `cycles` connections: each a clone, `calls` read/write pairs by
 * the child (calls the model skips: bulk), its exit, SIGCHLD and the wait4 that reaps it
 * (pids cycle, each reaped before reuse). Returns its size.
 */
export function writeForkServerLog(path: string, cycles: number, calls: number): number {
  return writeLogInBatches(path, cycles, 1000, (i, at) => {
    const child = 1000 + (i % 20000);
    const lines = [`100 ${at()} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = ${child}`];
    for (let k = 0; k < calls; k++) lines.push(`${child} ${at()} read(4, "hello\\n", 4096) = 6`, `${child} ${at()} write(4, "hello\\n", 6) = 6`);
    lines.push(`${child} ${at()} exit_group(0) = ?`, `${child} ${at()} +++ exited with 0 +++`);
    lines.push(`100 ${at()} --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=${child}, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`);
    lines.push(`100 ${at()} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = ${child}`);
    return lines;
  });
}

/** An idle server's log: `records` WNOHANG wait4 calls that find no child (events the model reads, in constant memory). Returns its size. */
export function writeIdleWaitLog(path: string, records: number): number {
  return writeLogInBatches(path, records, 100_000, (_, at) => [`100 ${at()} wait4(-1, 0x7ffce017fce8, WNOHANG, NULL) = -1 ECHILD (No child processes)`]);
}
