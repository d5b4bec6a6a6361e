// Shared helpers for the unit tests: strace text in, schema-1 snapshot out, and
// lookups that fail loudly (a missing pid is a test failure, not an undefined).
import { readFileSync } from 'node:fs';
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
