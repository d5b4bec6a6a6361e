// Schema 1: what `forktrace --json` writes and every view (CLI, panel, Problems,
// debug adapter) renders. Times are seconds since the first event, or null when the
// log has no timestamps.

export interface SourceLocation {
  /** Absolute path. */
  file: string;
  line: number;
  function: string | null;
}

export type ProcessState = 'running' | 'zombie' | 'reaped' | 'exited';

export interface ExitJson {
  time: number | null;
  code: number | null;
  signal: string | null;
  core: boolean;
}

/** `to` is null only while it is still a zombie; a reaped one in a log with no timestamps has `zombie: null`. */
export interface ZombieJson {
  from: number | null;
  /** Null while it is still a zombie (state 'zombie'). */
  to: number | null;
}

export type ReapHow = 'wait' | 'auto' | 'adopter' | 'tracer';

export interface ReapedJson {
  time: number | null;
  /** Pid of the process that reaped it, null when that process is unknown. */
  by: number | null;
  how: ReapHow;
  /** False when the reaper is outside the trace and the reaping was inferred, not seen. */
  seen: boolean;
}

export interface AdoptionJson {
  time: number | null;
  /** Null when the adopter is outside the trace and could not be identified. */
  pid: number | null;
  command: string | null;
}

export interface ExecJson {
  time: number | null;
  path: string;
  argv: string[];
}

export interface ProcessJson {
  /** Unique in the snapshot: the pid, or `pid.N` for the N-th process that reused it. */
  id: string;
  pid: number;
  /** The process that forked it (with CLONE_PARENT, the caller's parent); null for the root. */
  parentPid: number | null;
  parentId: string | null;
  command: string;
  argv: string[];
  execs: ExecJson[];
  start: number | null;
  exit: ExitJson | null;
  zombie: ZombieJson | null;
  reaped: ReapedJson | null;
  adoptedBy: AdoptionJson[];
  /** Threads the process had, the main thread included. */
  threads: number;
  forkSite: SourceLocation | null;
  /**
   * Why forkSite is null although a traced call made the process: several candidate
   * lines (the default mode cannot tell them apart), no debug info, a script… Null
   * when forkSite is known, and for a process no traced call made.
   */
  forkSiteNote: string | null;
  /** A trace in the precise mode (strace -k) would give forkSite, which is null now. */
  forkSitePreciseWouldPin: boolean;
  state: ProcessState;
}

export type DiagnosticKind = 'zombie-leak' | 'sigchld-coalesced' | 'eintr-no-restart' | 'fork-failed' | 'orphan-adopted' | 'zombie-lingering';
export type Severity = 'error' | 'warning' | 'info';

export interface RelatedJson {
  message: string;
  location: SourceLocation | null;
}

export interface DiagnosticJson {
  kind: DiagnosticKind;
  severity: Severity;
  /** The process the diagnostic is about first, then the others involved. */
  pids: number[];
  message: string;
  location: SourceLocation | null;
  /** Why `location` is null, in words a user can act on. */
  locationNote: string | null;
  /** A trace in the precise mode (strace -k) would give location, which is null now. */
  locationPreciseWouldPin: boolean;
  related: RelatedJson[];
  /** When it first happened. */
  time: number | null;
}

export interface WarningJson {
  line: number;
  reason: string;
  file?: string;
}

export interface SummaryJson {
  processes: number;
  running: number;
  zombiesAtEnd: number;
  maxZombies: number;
  orphans: number;
}

export interface SnapshotJson {
  schema: 1;
  /** Absolute time of the first event (epoch seconds with -ttt), or null. */
  origin: number | null;
  /** Seconds from the first to the last event seen. */
  duration: number | null;
  /** True once the trace is over; false for a live snapshot. */
  ended: boolean;
  processes: ProcessJson[];
  diagnostics: DiagnosticJson[];
  summary: SummaryJson;
  warnings: WarningJson[];
}

/** What changed since the last delta (or snapshot): for live views, in place of whole snapshots. */
export interface SnapshotDelta {
  /** New or changed processes, by `id`. */
  processes: ProcessJson[];
  diagnostics: DiagnosticJson[];
  summary: SummaryJson;
  duration: number | null;
  ended: boolean;
  warningCount: number;
}
