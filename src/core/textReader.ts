// Reading strace records as text, one logical line at a time: every form strace prints
// (pid prefixes, -t/-tt/-ttt/-r stamps, -T durations, unfinished and resumed calls,
// exits, signals, -k frames, strace's own messages), with every check and warning.
// It is the reference: StraceParser's byte-level fast path, a subclass, must give the
// same events and warnings (test/unit/parserFastPath.test.ts), and hands it every line
// it does not read itself.
import { StraceClock, type TimestampStyle } from './clock';
import type { ParseWarning, Seconds, SyscallEvent, TraceEvent } from './events';

export interface ParserSink {
  event(event: TraceEvent): void;
  warning(warning: ParseWarning): void;
  /** True while the consumer needs every call, not only the `interesting` ones. */
  wantsEveryCall?(): boolean;
}

export interface ParserOptions {
  /** Every line belongs to this task (a `-ff` file named `trace.1234`). */
  fixedPid?: number;
  /** Reported with warnings and events, for `-ff` directories. */
  file?: string;
  /**
   * Calls the consumer reads; others are checked and counted but become no event
   * (unless interrupted: ERESTART* results always do). Default: every call.
   */
  interesting?: ReadonlySet<string>;
  /**
   * Read every line as text, never at byte level: the reference the byte-level fast
   * path is tested against (it must give the same events and warnings).
   */
  reference?: boolean;
}

/** What the calls that became no event showed, for RecordingCheck. */
export interface SkippedCalls {
  succeeded: boolean;
  failed: boolean;
  /** An exit or exit_group call: absent while `+++ exited` records are there, the log was filtered (-e trace=…). */
  exit: boolean;
  /**
   * The line of the log's first record when that is `brk(NULL)`, a program's first call
   * (glibc's, static or dynamic): strace started it, and -e trace= left its execve out. 0 if not.
   */
  programStart: number;
}

export const NO_SKIPPED_CALLS: Readonly<SkippedCalls> = { succeeded: false, failed: false, exit: false, programStart: 0 };

export interface PendingCall {
  name: string;
  text: string;
  time: Seconds;
  line: number;
  stack?: string[];
  /** Not interesting: its resumption is skipped too. */
  skipped?: boolean;
}

export const UNFINISHED = ' <unfinished ...>';
/** The header of strace -c's table, and its last line: `100.00    0.000560  1  573  96 total`. */
const SUMMARY_HEADER = /^% time\s.*\ssyscall\s*$/;
const SUMMARY_TOTAL = /^\s*[\d.]+\s+[\d.]+\s.*\stotal\s*$/;
/** A call in progress when strace detached (`strace -p`, then Ctrl-C): it never returns in the trace. */
const DETACHED = ' <detached ...>';
const UNFINISHED_BARE = '<unfinished ...>';
const PID_CHANGED = / <pid changed to (\d+) \.\.\.>$/;
export const MID_LINE_MESSAGE = 'strace: Process ';
/** A program's first call, when it is the log's first record (see SkippedCalls.programStart). */
export const PROGRAM_START = 'brk(NULL)';

/** The record state both readers share (unfinished calls, -k frames' target), and the text reading. */
export abstract class TextReader {
  /** Lines that produced an event or a stack frame. */
  recognizedLines = 0;
  /** Whether calls that became no event (not interesting) succeeded, or failed: strace -Z leaves no success. */
  readonly skippedCalls: SkippedCalls = { ...NO_SKIPPED_CALLS };
  lineCount = 0;

  /** Lines of strace -c's summary table, read past without a warning. */
  summaryLines = 0;
  private inSummaryTable = false;

  /** Text before a `strace: Process N attached` that landed mid-line, joined to the next line. */
  protected cutFragment = '';
  private cutLine = 0;
  /** Calls printed as unfinished, by task (-1: no pid), until they resume. */
  protected readonly pending = new Map<number, PendingCall>();
  /** Where ` > ` stack lines go: the last event or unfinished call. */
  protected stackTarget: { stack?: string[] } | null = null;
  /** The last record was skipped: its -k frames are skipped with it. */
  protected skippedLast = false;
  protected readonly clock = new StraceClock();
  /** The interesting names by their first character code, for an allocation-free check; null: every call is. */
  protected readonly interestingByFirst: Array<string[] | undefined> | null = null;

  constructor(
    protected readonly sink: ParserSink,
    protected readonly options: ParserOptions = {},
  ) {
    if (options.interesting) {
      const byFirst: Array<string[] | undefined> = [];
      for (const name of options.interesting) (byFirst[name.charCodeAt(0)] ??= []).push(name);
      this.interestingByFirst = byFirst;
    }
  }

  /** The first character of a skipped call's result: `-` for `-1 ERRNO`, `?` for none. */
  protected skippedResult(c: number): void {
    if (c === 45 /* - */) this.skippedCalls.failed = true;
    else if (c !== 63 /* ? */) this.skippedCalls.succeeded = true;
  }

  get timestampStyle(): TimestampStyle {
    return this.clock.style;
  }

  /** End of input: a cut record whose rest never came is read as it is. */
  protected finishCutRecord(): void {
    if (this.cutFragment) {
      const fragment = this.cutFragment;
      this.cutFragment = '';
      this.logicalLine(fragment, 0, fragment.length, this.cutLine);
    }
  }

  /** A line as text, where strace's stderr may have cut a record with `strace: Process N attached`. */
  protected physicalLine(raw: string): void {
    this.lineCount++;
    // Only this line is searched, never the fragment again (joining and rescanning it per line was quadratic).
    const cut = midLineMessageAt(raw, this.cutFragment !== '');
    if (cut >= 0) {
      if (cut > 0) {
        // strace cuts a record only between its entry and exit parts: text before a second cut means the fragment was no record.
        if (this.cutFragment) this.logicalLine(this.cutFragment, 0, this.cutFragment.length, this.cutLine);
        this.cutFragment = raw.slice(0, cut);
        this.cutLine = this.lineCount;
      }
      this.logicalLine(raw, cut, raw.length, this.lineCount);
      return;
    }
    const lineNo = this.cutFragment ? this.cutLine : this.lineCount;
    const line = this.cutFragment + raw;
    this.cutFragment = '';
    this.logicalLine(line, 0, line.length, lineNo);
  }

  protected warn(line: number, reason: string): void {
    const warning: ParseWarning = { line, reason: own(reason) };
    if (this.options.file !== undefined) warning.file = this.options.file;
    this.sink.warning(warning);
  }

  /** One record: `text` from `from` to `to` (not sliced out unless the record is kept). */
  protected logicalLine(text: string, from: number, to: number, lineNo: number): void {
    if (to <= from) return;
    // strace -c's table (-C puts it after the calls): counts and times, no record of a call.
    if (this.inSummaryTable || (text.charCodeAt(from) === 37 /* % */ && SUMMARY_HEADER.test(text.slice(from, to)))) {
      this.inSummaryTable = !SUMMARY_TOTAL.test(text.slice(from, to));
      this.summaryLines++;
      return;
    }
    // ` > /bin/server(main+0x10f) [0x121f]`: a -k frame of the record above.
    if (text.charCodeAt(from) === 32 && text.charCodeAt(from + 1) === 62) {
      if (this.skippedLast) {
        this.recognizedLines++;
      } else if (this.stackTarget) {
        (this.stackTarget.stack ??= []).push(own(text.slice(from + 3, to)));
        this.recognizedLines++;
      } else {
        this.warn(lineNo, 'stack frame with no event before it');
      }
      return;
    }
    // Frames after a record rejected below are its own: neither added to the event before it nor skipped with it.
    this.stackTarget = null;
    this.skippedLast = false;
    let i = from;
    let pid: number | null = this.options.fixedPid ?? null;
    let comm: string | undefined;
    const n = to;
    // Pid prefix: `[pid  1234] `, `[pid 1234<comm>] `, `1234  `, `1234<comm> `.
    const c0 = text.charCodeAt(from);
    if (c0 === 91 /* [ */ && text.startsWith('[pid ', from)) {
      i = from + 5;
      while (i < n && text.charCodeAt(i) === 32) i++;
      const digitsStart = i;
      let value = 0;
      while (i < n && isDigit(text.charCodeAt(i))) value = value * 10 + text.charCodeAt(i++) - 48;
      // A digit run too long for an exact number is no pid (it became Infinity: `null` in the JSON).
      if (i === digitsStart || !Number.isSafeInteger(value)) return this.warn(lineNo, 'malformed [pid …] prefix');
      pid = value;
      if (text.charCodeAt(i) === 60) {
        const close = indexWithin(text, '>]', i, n);
        if (close < 0) return this.warn(lineNo, 'malformed [pid …<comm>] prefix');
        comm = text.slice(i + 1, close);
        i = close + 1;
      }
      if (text.charCodeAt(i) !== 93) return this.warn(lineNo, 'malformed [pid …] prefix');
      i++;
    } else if (isDigit(c0)) {
      let j = from;
      let value = 0;
      while (j < n && isDigit(text.charCodeAt(j))) value = value * 10 + text.charCodeAt(j++) - 48;
      const next = text.charCodeAt(j);
      if (j < n && (next === 32 || next === 60) && Number.isSafeInteger(value)) {
        pid = value;
        i = j;
        if (next === 60) {
          const close = indexWithin(text, '> ', j, n);
          if (close < 0) return this.warn(lineNo, 'malformed pid<comm> prefix');
          comm = text.slice(j + 1, close);
          i = close + 1;
        }
      }
    }
    while (i < n && text.charCodeAt(i) === 32) i++;
    // Timestamp: `12:01:02`, `12:01:02.123456`, `1700000000.123456`, or a -r delta.
    // Epoch stamps are read only for records that are kept.
    let time: Seconds = NaN;
    let stampFrom = -1;
    let stampTo = -1;
    if (isDigit(text.charCodeAt(i))) {
      let j = i;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      const sep = text.charCodeAt(j);
      if (sep === 58 /* : */ || sep === 46 /* . */) {
        let end = j + 1;
        for (let c = text.charCodeAt(end); end < n && (isDigit(c) || c === 46 || c === 58); c = text.charCodeAt(++end));
        if (end >= n || text.charCodeAt(end) !== 32) return this.warn(lineNo, 'timestamp with nothing after it');
        if (sep === 58) {
          time = this.clock.clockTime(text.slice(i, end));
          if (Number.isNaN(time)) return this.warn(lineNo, `malformed timestamp "${text.slice(i, end)}"`);
        } else if (this.clock.style !== 'epoch') {
          const value = Number(text.slice(i, end));
          if (Number.isNaN(value)) return this.warn(lineNo, `malformed timestamp "${text.slice(i, end)}"`);
          time = this.clock.numericTime(value);
        } else {
          stampFrom = i;
          stampTo = end;
        }
        i = end + 1;
      }
    } else {
      this.clock.unstamped();
    }
    while (i < n && text.charCodeAt(i) === 32) i++;
    i = pastCallPrefixes(text, i, n);
    if (i >= n) return this.warn(lineNo, 'a pid or timestamp with no record after it');
    const b = i;
    const first = text.charCodeAt(b);
    // The common case, fast: a call the consumer does not read, not interrupted.
    const interesting = this.options.interesting;
    if (interesting && first >= 97 && first <= 122 && !this.sink.wantsEveryCall?.()) {
      let k = b;
      while (k < n && isNameChar(text.charCodeAt(k))) k++;
      if (text.charCodeAt(k) === 40 /* ( */ && !this.isInteresting(text, b, k)) {
        this.skipCall(text, b, k, n, pid, lineNo);
        if (this.skippedLast) return;
      }
    } else if (interesting && first === 60 /* < */ && text.startsWith('<... ', b)) {
      if (this.skipResumed(text, b, n, pid)) return;
    }
    this.skippedLast = false;
    if (stampFrom >= 0) {
      time = Number(text.slice(stampFrom, stampTo));
      if (Number.isNaN(time)) return this.warn(lineNo, `malformed timestamp "${text.slice(stampFrom, stampTo)}"`);
    }
    // `text` is this record's own line (decoded alone), so a slice keeps no more than the line alive.
    let body = text.slice(b, n);
    const durationAt = syscallDurationAt(body);
    let duration: number | undefined;
    if (durationAt > 0) {
      duration = Number(body.slice(durationAt + 2, body.length - 1));
      body = body.slice(0, durationAt);
    }
    const key = pid ?? -1;
    if (first === 43 /* + */ && body.startsWith('+++ ')) return this.exitLine(body, pid, comm, time, lineNo);
    if (first === 45 /* - */ && body.startsWith('--- ')) return this.signalLine(body, pid, comm, time, lineNo);
    if (first === 60 /* < */ && body.startsWith('<... ')) return this.resumedLine(body, key, pid, comm, time, lineNo);
    if (first === 115 /* s */ && body.startsWith('strace: ')) {
      const attached = /^strace: Process (\d+) attached/.exec(body);
      this.recognizedLines++;
      this.emit({ kind: 'message', line: lineNo, pid, time, text: body.slice(8), attachedPid: attached ? Number(attached[1]) : null }, comm);
      return;
    }
    if (first === 91 /* [ */ && body.startsWith('[ Process PID=')) {
      this.recognizedLines++; // personality change notice: nothing to model
      return;
    }
    const open = body.indexOf('(');
    if (open <= 0 || !isSyscallName(body, open)) {
      return this.warn(lineNo, `unrecognized line: ${preview(body)}`);
    }
    const name = body.slice(0, open);
    // exec from a non-leader thread: the call resumes under the leader's pid.
    const pidChange = body.endsWith(' ...>') ? PID_CHANGED.exec(body) : null;
    if (pidChange) {
      this.recognizedLines++;
      const call: PendingCall = { name, text: body.slice(0, pidChange.index), time, line: lineNo };
      this.pending.set(Number(pidChange[1]), call);
      this.stackTarget = call;
      return;
    }
    if (body.endsWith(UNFINISHED)) {
      this.recognizedLines++;
      if (this.pending.has(key)) this.warn(lineNo, `pid ${pid ?? '?'}: an earlier unfinished call never resumed`);
      const call: PendingCall = { name, text: body.slice(0, body.length - UNFINISHED.length), time, line: lineNo };
      this.pending.set(key, call);
      this.stackTarget = call;
      return;
    }
    if (body.endsWith(DETACHED)) {
      this.recognizedLines++;
      this.inCall(pid, time, lineNo, comm, 'detached');
      return;
    }
    // A call printed whole carries its entry time; -T tells when it returned.
    if (duration !== undefined && Number.isFinite(duration)) this.completeCall(name, body, pid, comm, time + duration, lineNo, time);
    else this.completeCall(name, body, pid, comm, time, lineNo, undefined);
  }

  /** Whether the call named text[b, k) is read, without allocating a string for the name. */
  private isInteresting(text: string, b: number, k: number): boolean {
    const byFirst = this.interestingByFirst;
    if (!byFirst) return true;
    const candidates = byFirst[text.charCodeAt(b)];
    if (!candidates) return false;
    const length = k - b;
    for (const name of candidates) if (name.length === length && text.startsWith(name, b)) return true;
    return false;
  }

  /**
   * A call nobody reads: counted, and paired if unfinished, but no event. Leaves
   * `skippedLast` false when it must be kept after all (an interrupted call).
   */
  private skipCall(text: string, b: number, open: number, n: number, pid: number | null, lineNo: number): void {
    if (!this.skippedCalls.exit && text.startsWith('exit', b) && (open - b === 4 || (open - b === 10 && text.startsWith('_group', b + 4)))) {
      this.skippedCalls.exit = true;
    }
    if (text.endsWith(UNFINISHED, n)) {
      const key = pid ?? -1;
      if (this.pending.has(key)) this.warn(lineNo, `pid ${pid ?? '?'}: an earlier unfinished call never resumed`);
      this.pending.set(key, { name: text.slice(b, open), text: '', time: NaN, line: lineNo, skipped: true });
    } else {
      // Malformed (no result) or interrupted: the full path warns or keeps it.
      const eq = resultAt(text, open, n);
      if (eq < 0 || text.startsWith('? ERESTART', eq + 3)) {
        this.skippedLast = false;
        return;
      }
      if (this.recognizedLines === 0 && text.startsWith(PROGRAM_START, b)) this.skippedCalls.programStart = lineNo;
      this.skippedResult(text.charCodeAt(eq + 3));
    }
    this.recognizedLines++;
    this.skippedLast = true;
  }

  /**
   * The unfinished call that `pid`, which has none of its own, resumes: one started on an
   * unprefixed line, if `resumes` says it is the one. Without -o, strace leaves the lines of
   * the only task it traces unprefixed and prefixes them once another appears, so a call
   * started alone resumes as `[pid N] <... clone resumed>`. It moves to N's key.
   */
  protected claimUnprefixed(pid: number | null, resumes: (call: PendingCall) => boolean): PendingCall | undefined {
    const call = pid === null ? undefined : this.pending.get(-1);
    if (!call || !resumes(call)) return undefined;
    this.pending.delete(-1);
    this.pending.set(pid!, call);
    return call;
  }

  /** `<... read resumed>`: the end of a skipped call is skipped too, unless interrupted. */
  private skipResumed(text: string, b: number, n: number, pid: number | null): boolean {
    const close = indexWithin(text, ' resumed>', b, n);
    if (close < 0) return false;
    const name = (call: PendingCall) => call.name.length === close - b - 5 && text.startsWith(call.name, b + 5);
    const call = this.pending.get(pid ?? -1) ?? this.claimUnprefixed(pid, name);
    if (!call || !call.skipped || !name(call)) return false;
    const eq = resultAt(text, close, n);
    if (eq < 0 || text.startsWith('? ERESTART', eq + 3)) {
      // Interrupted (the consumer needs it) or malformed (the full path warns).
      this.pending.delete(pid ?? -1);
      return false;
    }
    this.skippedResult(text.charCodeAt(eq + 3));
    this.pending.delete(pid ?? -1);
    this.recognizedLines++;
    this.skippedLast = true;
    return true;
  }

  private resumedLine(body: string, key: number, pid: number | null, comm: string | undefined, time: Seconds, lineNo: number): void {
    const close = body.indexOf(' resumed>');
    if (close < 0) return this.warn(lineNo, `malformed resumed call: ${preview(body)}`);
    const name = body.slice(5, close);
    let rest = body.slice(close + 9);
    const call = this.pending.get(key) ?? this.claimUnprefixed(pid, (c) => c.name === name);
    if (call) this.pending.delete(key);
    if (call && call.name !== name) {
      this.warn(lineNo, `pid ${pid ?? '?'}: ${name} resumed while ${call.name} (line ${call.line}) was unfinished`);
    }
    // strace 4.x: `<... accept resumed> <unfinished ...>) = ?` when the task died in the call.
    if (rest.startsWith(' ' + UNFINISHED_BARE)) rest = rest.slice(UNFINISHED_BARE.length + 1);
    if (!call || call.name !== name) {
      // No start seen: the result still counts (a wait4 that returned a pid reaped it).
      this.completeCall(name, `${name}(${rest.trimStart()}`, pid, comm, time, lineNo, undefined);
      return;
    }
    const event = this.completeCall(name, call.text + rest, pid, comm, time, call.line, call.time);
    if (event && call.stack) event.stack = call.stack;
  }

  protected completeCall(
    name: string,
    text: string,
    pid: number | null,
    comm: string | undefined,
    time: Seconds,
    lineNo: number,
    entryTime: Seconds | undefined,
  ): SyscallEvent | null {
    const eq = text.lastIndexOf(' = ');
    if (eq < 0) {
      this.warn(lineNo, `${name} call with no result: ${preview(text)}`);
      return null;
    }
    let headEnd = eq;
    while (headEnd > 0 && text.charCodeAt(headEnd - 1) === 32) headEnd--;
    if (text.charCodeAt(headEnd - 1) !== 41 /* ) */) {
      this.warn(lineNo, `${name} call with unbalanced parentheses: ${preview(text)}`);
      return null;
    }
    const args = text.slice(name.length + 1, headEnd - 1);
    const resultText = text.slice(eq + 3);
    const space = resultText.indexOf(' ');
    let result = space < 0 ? resultText : resultText.slice(0, space);
    const annotation = result.indexOf('<');
    if (annotation > 0) result = result.slice(0, annotation); // -Y: `4481<server>`
    let errno: string | null = null;
    if (space >= 0) {
      const after = resultText.slice(space + 1);
      const errEnd = after.indexOf(' ');
      const token = errEnd < 0 ? after : after.slice(0, errEnd);
      if (/^E[A-Z0-9_]+$/.test(token)) errno = token;
    }
    const event: SyscallEvent = { kind: 'syscall', line: lineNo, pid, time, name, args, result, errno };
    if (entryTime !== undefined) event.entryTime = entryTime;
    this.recognizedLines++;
    this.emit(event, comm);
    return event;
  }

  private exitLine(body: string, pid: number | null, comm: string | undefined, time: Seconds, lineNo: number): void {
    // At most 10 digits: a longer status became Infinity (`null` in the JSON).
    let m = /^\+\+\+ exited with (-?\d{1,10}) \+\+\+$/.exec(body);
    if (m) {
      this.endOfTask(pid);
      this.recognizedLines++;
      this.emit({ kind: 'exit', line: lineNo, pid, time, code: Number(m[1]), signal: null, core: false }, comm);
      return;
    }
    m = /^\+\+\+ killed by (SIG[A-Z0-9+-]+|\d+)( \(core dumped\))? \+\+\+$/.exec(body);
    if (m) {
      this.endOfTask(pid);
      this.recognizedLines++;
      this.emit({ kind: 'exit', line: lineNo, pid, time, code: null, signal: m[1], core: m[2] !== undefined }, comm);
      return;
    }
    m = /^\+\+\+ superseded by execve in pid (\d+) \+\+\+$/.exec(body);
    if (m) {
      // The exec'ing thread now has the leader's pid; its execve resumes under that pid.
      const byTid = Number(m[1]);
      const execCall = this.pending.get(byTid);
      if (execCall && pid !== null) {
        this.pending.delete(byTid);
        this.pending.set(pid, execCall);
      }
      this.recognizedLines++;
      this.emit({ kind: 'superseded', line: lineNo, pid, time, byTid }, comm);
      return;
    }
    this.warn(lineNo, `unrecognized +++ line: ${preview(body)}`);
  }

  private signalLine(body: string, pid: number | null, comm: string | undefined, time: Seconds, lineNo: number): void {
    if (!body.endsWith(' ---')) return this.warn(lineNo, `unterminated signal line: ${preview(body)}`);
    const inner = body.slice(4, body.length - 4);
    const space = inner.indexOf(' ');
    let signal = space < 0 ? inner : inner.slice(0, space);
    let info = space < 0 ? '' : inner.slice(space + 1);
    if (signal === 'stopped') {
      // `--- stopped by SIGSTOP ---`
      const m = /^by (SIG[A-Z0-9]+)/.exec(info);
      signal = m ? m[1] : 'SIGSTOP';
      info = 'stopped';
    }
    if (!/^(SIG[A-Z0-9+-]+|\d+)$/.test(signal)) return this.warn(lineNo, `unrecognized signal line: ${preview(body)}`);
    this.recognizedLines++;
    this.emit({ kind: 'signal', line: lineNo, pid, time, signal, info }, comm);
  }

  /** A task in a call strace never saw end: it was there (an idle process attached to shows no other record). */
  private inCall(pid: number | null, time: Seconds, lineNo: number, comm: string | undefined, text: 'detached' | 'in a call at the end'): void {
    if (pid !== null) this.emit({ kind: 'message', line: lineNo, pid, time, text, attachedPid: null, inCall: true }, comm);
  }

  /** At the end: the calls still unfinished say which tasks were there (finish drops them after). */
  protected endOpenCalls(): void {
    for (const [pid, call] of this.pending) if (pid >= 0) this.inCall(pid, call.time, call.line, undefined, 'in a call at the end');
  }

  /** A task that died inside a call never resumes it. */
  protected endOfTask(pid: number | null): void {
    this.pending.delete(pid ?? -1);
  }

  protected emit(event: TraceEvent, comm: string | undefined): void {
    if (comm !== undefined) event.comm = own(comm);
    if (this.options.file !== undefined) event.file = this.options.file;
    this.stackTarget = event;
    this.sink.event(event);
  }
}

/**
 * Past `[  61] ` (strace -n, the syscall's number) and `[00007f3ec3c37050] ` (strace -i, the
 * instruction pointer; `[????????????????]` for an exit), which strace prints after the
 * stamp: neither says anything the model reads. `[ Process PID=…` is no such prefix.
 */
function pastCallPrefixes(text: string, i: number, n: number): number {
  for (let k = 0; k < 2 && text.charCodeAt(i) === 91 /* [ */; k++) {
    // Within 20 characters: `[` and 16 hex digits, then `] ` (no search along the rest of the line).
    const close = indexWithin(text, '] ', i, Math.min(n, i + 20));
    if (close < 0 || !CALL_PREFIX.test(text.slice(i + 1, close))) break;
    i = close + 2;
    while (i < n && text.charCodeAt(i) === 32) i++;
  }
  return i;
}

/** -n's number (right-aligned in spaces), or -i's address in hex (8 or 16 digits, or as many `?`). */
const CALL_PREFIX = /^(?: *\d+|[0-9a-f]{8}|[0-9a-f]{16}|\?{8}|\?{16})$/;

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Names, comms and markers are short: look only this far, so a bad line costs no more than its length. */
export const SHORT_FIELD = 96;

/** `needle` within the next SHORT_FIELD characters of the line, or -1. */
function indexWithin(text: string, needle: string, from: number, to: number): number {
  const window = text.slice(from, Math.min(to, from + SHORT_FIELD));
  const at = window.indexOf(needle);
  return at < 0 ? -1 : from + at;
}

/** The last ` = ` between `from` and `to`, or -1: never scans outside the line. */
function resultAt(text: string, from: number, to: number): number {
  // lastIndexOf has no lower bound: on the whole chunk, a line without ` = ` rescanned every line before it.
  const eq = text.slice(from, to).lastIndexOf(' = ');
  return eq > 0 ? from + eq : -1;
}

export function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95;
}

function isSyscallName(text: string, end: number): boolean {
  for (let k = 0; k < end; k++) {
    const c = text.charCodeAt(k);
    const ok = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90) || c === 63;
    if (!ok) return false;
  }
  return true;
}

/** Index of a `strace: Process N attached` that strace's stderr wrote into the middle of a line (or at its start, `atStartToo`, while a cut record waits for its rest). */
function midLineMessageAt(line: string, atStartToo: boolean): number {
  const at = line.indexOf(MID_LINE_MESSAGE);
  if (at < 0 || (at === 0 && !atStartToo)) return -1;
  return /^strace: Process \d+ (attached|detached|suspended)/.test(line.slice(at)) ? at : -1;
}

/** Where `-T`'s ` <0.000123>` starts at the end of a record, or -1. */
function syscallDurationAt(body: string): number {
  if (body.charCodeAt(body.length - 1) !== 62) return -1;
  const lt = body.lastIndexOf(' <');
  if (lt < 0 || !isDigit(body.charCodeAt(lt + 2))) return -1;
  for (let k = lt + 2; k < body.length - 1; k++) {
    const c = body.charCodeAt(k);
    if (!isDigit(c) && c !== 46) return -1;
  }
  return lt;
}

/**
 * A copy of `text`, for what outlives the record: a slice of a long line (a warning's
 * preview of a 15 MiB record) would keep the whole line alive.
 */
function own(text: string): string {
  return (' ' + text).slice(1);
}

function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
