// Two runs of the same program side by side: after a fix and Trace Again, the panel
// shows the previous run's counts beside the new run's, so the user sees the finding
// gone. The previous run travels as a RunSummary (small: counts, not processes); the
// new run's side is its live summary and findings, so the comparison updates as it
// runs. Pure: the host makes the summary, the webview makes the rows.
import type { DiagnosticJson, DiagnosticKind, SnapshotJson, SummaryJson } from './schema';

/** What a run leaves for the next run of the same origin to compare against. */
export interface RunSummary {
  /** The run's title: its program and arguments. */
  title: string;
  /** How it ended ("Stopped: …"), or null. */
  message: string | null;
  processes: number;
  /** Zombies at the end of the run (at the moment, had it not ended). */
  zombiesNow: number;
  maxZombies: number;
  /** How many findings of each kind; kinds with none are absent. */
  findings: Partial<Record<DiagnosticKind, number>>;
}

/** The order the rows of finding kinds come in: the most serious first. */
export const FINDING_KINDS: readonly DiagnosticKind[] = [
  'zombie-leak',
  'sigchld-coalesced',
  'eintr-no-restart',
  'fork-failed',
  'orphan-adopted',
  'zombie-lingering',
];

/** How many findings of each kind. */
export function findingsByKind(diagnostics: readonly Pick<DiagnosticJson, 'kind'>[]): Partial<Record<DiagnosticKind, number>> {
  const out: Partial<Record<DiagnosticKind, number>> = {};
  for (const d of diagnostics) out[d.kind] = (out[d.kind] ?? 0) + 1;
  return out;
}

/** The summary of a run for the next one to compare against. */
export function summarizeRun(title: string, message: string | null, snapshot: Pick<SnapshotJson, 'summary' | 'diagnostics'>): RunSummary {
  return {
    title,
    message,
    processes: snapshot.summary.processes,
    zombiesNow: snapshot.summary.zombiesAtEnd,
    maxZombies: snapshot.summary.maxZombies,
    findings: findingsByKind(snapshot.diagnostics),
  };
}

/**
 * What became of a count: a finding kind `fixed` (some before, none after) or `new` (none
 * before), `fewer` or `more`; null when it is the same, and for the rows that are not findings.
 */
export type CompareVerdict = 'fixed' | 'new' | 'fewer' | 'more' | null;

export interface CompareRow {
  /** `processes`, `zombies`, `maxZombies`, or a finding kind. */
  key: string;
  /** What the row counts, in the panel's words. */
  label: string;
  /** True for a row of findings (one per kind). */
  finding: boolean;
  before: number;
  after: number;
  verdict: CompareVerdict;
}

/**
 * The comparison's rows: processes, zombies now, most zombies at once, then one row per
 * finding kind either run has, before → after. Counts that are not numbers (a state saved
 * by an older version) read 0.
 */
export function compareRuns(previous: RunSummary, current: { summary: SummaryJson; diagnostics: readonly Pick<DiagnosticJson, 'kind'>[] }): CompareRow[] {
  const rows: CompareRow[] = [
    plain('processes', 'processes', previous.processes, current.summary.processes),
    plain('zombies', 'zombies now', previous.zombiesNow, current.summary.zombiesAtEnd),
    plain('maxZombies', 'most zombies at once', previous.maxZombies, current.summary.maxZombies),
  ];
  const after = findingsByKind(current.diagnostics);
  const before: Record<string, unknown> = typeof previous.findings === 'object' && previous.findings !== null ? previous.findings : {};
  // Known kinds in their order, then any other kind the previous run named (a newer version's).
  const kinds: string[] = FINDING_KINDS.filter((k) => k in before || k in after);
  for (const k of Object.keys(before)) if (!kinds.includes(k)) kinds.push(k);
  for (const kind of kinds) {
    const b = countOf(before[kind]);
    const a = countOf((after as Record<string, unknown>)[kind]);
    if (b === 0 && a === 0) continue;
    rows.push({ key: kind, label: kind, finding: true, before: b, after: a, verdict: verdictOf(b, a) });
  }
  return rows;
}

/** "zombie-leak 1 → 0, fixed": a row as one line (the rows' accessible names, and a log line). */
export function compareRowWords(row: CompareRow): string {
  return `${row.label} ${row.before.toLocaleString('en-US')} → ${row.after.toLocaleString('en-US')}${row.verdict ? `, ${row.verdict}` : ''}`;
}

function plain(key: string, label: string, before: unknown, after: unknown): CompareRow {
  return { key, label, finding: false, before: countOf(before), after: countOf(after), verdict: null };
}

function verdictOf(before: number, after: number): CompareVerdict {
  if (before > 0 && after === 0) return 'fixed';
  if (before === 0 && after > 0) return 'new';
  if (after < before) return 'fewer';
  if (after > before) return 'more';
  return null;
}

function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}
