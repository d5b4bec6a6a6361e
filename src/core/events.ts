// What the parser hands the model: one event per strace record (a finished call, an
// exit, a signal), with unfinished/resumed pairs already joined.

/** Seconds; absolute (epoch or seconds of day) or NaN when the log carries no timestamps. */
export type Seconds = number;

interface EventBase {
  /** 1-based line number of the record's first line in its log. */
  line: number;
  /** The task id that produced the record, or null when strace printed no pid prefix. */
  pid: number | null;
  /** When the record happened (for a resumed call: when it returned). */
  time: Seconds;
  /** `comm` from a `-Y` prefix (`1234<server>`), when present. */
  comm?: string;
  /** Raw ` > ` frames from `-k`, innermost first. */
  stack?: string[];
  /** Which `-ff` file this came from, when merged from a directory. */
  file?: string;
}

export interface SyscallEvent extends EventBase {
  kind: 'syscall';
  name: string;
  /** Argument text between the outer parentheses, as strace printed it. */
  args: string;
  /** Return value token: `1235`, `0`, `-1`, `?`, `0x7f…`. */
  result: string;
  /** `EINTR`, `ERESTARTSYS`, `ECHILD` …, or null. */
  errno: string | null;
  /** When the call was entered, if it was printed as unfinished first. */
  entryTime?: Seconds;
}

export interface ExitEvent extends EventBase {
  kind: 'exit';
  /** Exit status for `exited with N`, else null. */
  code: number | null;
  /** Signal name for `killed by SIGX`, else null. */
  signal: string | null;
  core: boolean;
}

/** `+++ superseded by execve in pid N +++`: thread `byTid` exec'd and took over `pid`. */
export interface SupersededEvent extends EventBase {
  kind: 'superseded';
  byTid: number;
}

export interface SignalEvent extends EventBase {
  kind: 'signal';
  signal: string;
  /** The `{si_…}` text, or `stopped by` details. */
  info: string;
}

/** `strace: Process N attached` and strace's other own messages. */
export interface StraceMessageEvent extends EventBase {
  kind: 'message';
  text: string;
  attachedPid: number | null;
  /**
   * A task in a call when strace detached (`<detached ...>`) or when the log ended (an
   * unfinished call that never resumed): it was there, though no other record may name it.
   */
  inCall?: true;
}

export type TraceEvent = SyscallEvent | ExitEvent | SupersededEvent | SignalEvent | StraceMessageEvent;

export interface ParseWarning {
  line: number;
  reason: string;
  file?: string;
  /** About how the whole log was recorded, not one line of it (see WarningJson). */
  recording?: true;
}
