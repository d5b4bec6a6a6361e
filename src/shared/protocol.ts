// Messages between the extension host and the fork-tree webview: one union each way,
// string `type` tags, handled with exhaustive switches. The webview never names a
// file to open: it names a process, and the host looks the location up itself.
import type { RunSummary } from './compare';
import type { DiagnosticKind, SnapshotDelta, SnapshotJson } from './schema';

export type TraceStatus = 'running' | 'stopping' | 'ended' | 'log';

export interface TraceInfo {
  /** Shown in the panel's header: the program and its arguments, or the log's path. */
  title: string;
  status: TraceStatus;
  /** Why it ended, or a problem to show (e.g. "strace was killed"). */
  message: string | null;
  /**
   * The host can run this program again in the precise mode (a trace it started in the
   * fast mode; not a log, not a debug session's). Absent: no.
   */
  canTracePrecisely?: boolean;
  /**
   * An attached trace (Attach to Process…, Find Zombies, a debug `attach`): the process it
   * attached to. Stop detaches then, and the process runs on. Absent for a trace of a program the editor started.
   */
  attach?: { pid: number; command: string };
  /**
   * The host can trace this run's origin again (Trace Again: a C file rebuilt first, a
   * program rerun, a debug configuration restarted). Absent: no (a log, a restored panel).
   */
  canTraceAgain?: boolean;
  /**
   * This run was started by Trace Again: the previous run of the same origin, which the
   * panel compares this one against (processes, zombies, findings by kind, before → after).
   */
  previous?: RunSummary;
}

/** Names a finding without its text: the host finds it in its own snapshot (see findingKey). */
export interface FindingRef {
  kind: DiagnosticKind;
  /** The process the finding is about (its `pids[0]`). */
  pid: number;
  /** When it first happened (its `time`). */
  time: number | null;
}

/** Whether a finding is the one `ref` names. */
export function isFinding(d: { kind: DiagnosticKind; pids: readonly number[]; time: number | null }, ref: FindingRef): boolean {
  return d.kind === ref.kind && d.pids[0] === ref.pid && d.time === ref.time;
}

/** Host → webview. */
export type HostMessage =
  /** The whole picture: first render, a new trace, or after a reload. */
  | { type: 'snapshot'; snapshot: SnapshotJson; trace: TraceInfo }
  /**
   * What changed since the last message: new or changed processes (by `id`), and the
   * small parts in full. Batched by the host (about every 100 ms while tracing).
   */
  | ({ type: 'delta' } & SnapshotDelta)
  | { type: 'trace'; trace: TraceInfo }
  /** Select and scroll to a process (e.g. from a Problems entry or the debug view). */
  | { type: 'reveal'; id: string };

/** Webview → host. */
export type WebviewMessage =
  /** Sent once the page's script runs; the host answers with a `snapshot`. */
  | { type: 'ready' }
  /** The user clicked (or pressed Enter on) a process: open where its fix belongs. */
  | { type: 'openProcess'; id: string }
  /** Stop, or Detach for an attached trace (the host knows which it is). */
  | { type: 'stop' }
  /** Trace Again: this run's origin once more (a C file rebuilt first), compared with this run. */
  | { type: 'traceAgain' }
  /** Fix…: apply this finding's preferred fix (or let the user pick one), save, offer Trace Again. */
  | ({ type: 'applyFix' } & FindingRef)
  /** …again, in the precise mode (strace -k), to pin fork sites the fast mode could not. */
  | { type: 'tracePrecisely' };

/** What the webview persists with setState, so a reload brings the picture back. */
export interface WebviewState {
  snapshot: SnapshotJson | null;
  trace: TraceInfo | null;
  selectedId: string | null;
  filter: ProcessFilter;
  search: string;
}

export type ProcessFilter = 'all' | 'zombies' | 'orphans' | 'running';

/** For exhaustive switches: a compile error when a message type is not handled. */
export function assertNever(value: never): never {
  throw new Error(`unhandled message: ${JSON.stringify(value)}`);
}
