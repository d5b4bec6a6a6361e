// Schema 2: what `forktrace --json` writes and every view (CLI, panel, Problems,
// debug adapter) renders. Times are seconds since the first event (for an attached
// trace, since the attach: what was there before has negative times), or null when
// the log has no timestamps. Schema 2 adds to schema 1: `before` (an attach found it
// already there), `fixes`/`fixNote` (edits that fix a finding), `attach`, `folded`
// (old uneventful processes kept as counts per parent and fork site).

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
  /** Present, true, when it was a zombie already as an attach began: its exit time, `from`, is unknown (null). */
  before?: boolean;
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
   * Why forkSite is null although a call made the process: several candidate lines (the
   * default mode cannot tell them apart), no debug info, a script… When forkSite is
   * known but was inferred, not seen, how (a process forked before an attach: the only
   * call in its parent's program that makes processes). Null when forkSite was seen, and
   * for a process whose maker is not known at all (the traced program, an attach's root).
   */
  forkSiteNote: string | null;
  /** A trace in the precise mode (strace -k) would give forkSite, which is null now. */
  forkSitePreciseWouldPin: boolean;
  state: ProcessState;
  /**
   * Present, true, when it existed before the trace began (an attach read it from /proc):
   * its start is negative (seconds before the attach), and what it did before is not in
   * the trace. Absent for everything the trace saw begin.
   */
  before?: boolean;
  /**
   * Present, true, when the trace did not follow it (always with `before`): an attach found
   * it forked as strace attached, or a wait in a trace begun mid-run reaped a child never
   * seen. Its calls, children and exit time are not in the trace; a wait that reaped it
   * gives its exit status (`exit.time` null).
   */
  untraced?: boolean;
}

export type DiagnosticKind = 'zombie-leak' | 'sigchld-coalesced' | 'eintr-no-restart' | 'fork-failed' | 'orphan-adopted' | 'zombie-lingering';
export type Severity = 'error' | 'warning' | 'info';

/**
 * One text edit. Lines and columns are 1-based, and the end is exclusive: SARIF's region
 * convention (columns count UTF-16 code units, as VS Code's do).
 */
export interface FixEditJson {
  /** Absolute path. */
  file: string;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  newText: string;
}

/** A fix for a finding: edits computed from the source text the finding points at. */
export interface FixJson {
  title: string;
  /** The fix to offer first (VS Code's isPreferred); at most one per finding. */
  preferred: boolean;
  edits: FixEditJson[];
}

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
  /**
   * Why `location` is null, in words a user can act on; when `location` was inferred,
   * not seen (a fork before an attach), how.
   */
  locationNote: string | null;
  /** A trace in the precise mode (strace -k) would give location, which is null now. */
  locationPreciseWouldPin: boolean;
  related: RelatedJson[];
  /** When it first happened. */
  time: number | null;
  /** Edits that fix it, preferred first; empty when none is offered. */
  fixes: FixJson[];
  /** Why no fix is offered, in words a user can act on; null when fixes are offered or the kind has none. */
  fixNote: string | null;
}

export interface WarningJson {
  line: number;
  reason: string;
  file?: string;
  /** About how the whole log was recorded (strace without -f, with -qq…), not one line of it: `line` is where it shows first. */
  recording?: true;
}

export interface SummaryJson {
  processes: number;
  running: number;
  zombiesAtEnd: number;
  /**
   * The most zombies at once. A process the trace never saw forked (one a `-p` log found
   * there, which its parent outside the trace reaps unseen) counts only if a clone later names it.
   */
  maxZombies: number;
  orphans: number;
}

/** The process an attached trace (`forktrace attach PID`) attached to. */
export interface AttachJson {
  pid: number;
  command: string;
  /** True once the trace has detached: the process runs on, untraced. */
  detached: boolean;
}

/**
 * Reaped processes that nobody needs to see one by one any more, kept as numbers: of one
 * parent, made at one fork site. A long live trace folds its older uneventful children
 * (reaped by their parent's wait, in no finding) so its memory stays flat.
 */
export interface FoldedGroupJson {
  /** Unique in the snapshot (`folded-N`), and never a process id. */
  id: string;
  /** The parent process's id; or a group's id when the parent was folded too (these are then that group's members' children). */
  parentId: string | null;
  /** Null under a group. */
  parentPid: number | null;
  forkSite: SourceLocation | null;
  /** How many processes were folded into this group. */
  count: number;
  /** Their exit statuses, most frequent first. */
  exits: Array<{ code: number | null; signal: string | null; count: number }>;
  /**
   * How long they were zombies (seconds); null when the log has no timestamps. Exact while
   * the group has up to 1,024 members; past that median and p99 come from a log-bucketed
   * histogram, within 1% (min and max stay exact).
   */
  zombieTime: { min: number; median: number; p99: number; max: number } | null;
  /** The first one's start and the last one's reaping (seconds since the first event). */
  first: number | null;
  last: number | null;
}

export interface SnapshotJson {
  schema: 2;
  /** Absolute time of the first event (epoch seconds with -ttt), or null. */
  origin: number | null;
  /** Seconds from the first to the last event seen. */
  duration: number | null;
  /** True once the trace is over; false for a live snapshot. */
  ended: boolean;
  /** Null unless the trace attached to a running process. */
  attach: AttachJson | null;
  /** Every process ever seen is here or counted in a folded group (summary.processes counts both). */
  processes: ProcessJson[];
  folded: FoldedGroupJson[];
  diagnostics: DiagnosticJson[];
  summary: SummaryJson;
  warnings: WarningJson[];
}

/** What changed since the last delta (or snapshot): for live views, in place of whole snapshots. */
export interface SnapshotDelta {
  /** New or changed processes, by `id`. */
  processes: ProcessJson[];
  /** Processes folded away since the last delta, by `id`: they are counted in `folded` now. */
  removed: string[];
  /** New or changed folded groups, by `id`. */
  folded: FoldedGroupJson[];
  diagnostics: DiagnosticJson[];
  summary: SummaryJson;
  duration: number | null;
  ended: boolean;
  warningCount: number;
}

/** A zombie found by a machine-wide /proc scan (`forktrace zombies`): no trace, /proc alone. */
export interface ScannedZombieJson {
  pid: number;
  /** Its command line as /proc has it: a zombie's is empty, so `[comm]`. */
  command: string;
  /** When it started: seconds since boot (field 22 of /proc/PID/stat). Its exit time is not kept by the kernel. */
  startTime: number;
}

/** A process holding zombies: its unreaped children, as a /proc scan saw them. */
export interface ZombieHolderJson {
  pid: number;
  /** Its command line (`[comm]` when /proc has none, or `?` when it vanished during the scan). */
  command: string;
  /** Its user's name (the uid as a number when /etc/passwd does not name it). */
  user: string;
  /** How many zombies it holds. */
  count: number;
  /** Oldest first. */
  zombies: ScannedZombieJson[];
}

/** What `forktrace zombies --json` writes: every zombie on the machine, by holder, biggest holders first. */
export interface ZombieScanJson {
  /** Epoch seconds of the scan. */
  time: number;
  /** Seconds since boot at the scan, to read the zombies' start times against. */
  uptime: number;
  /** Zombies on the machine. */
  total: number;
  holders: ZombieHolderJson[];
}
