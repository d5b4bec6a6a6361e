// Streaming strace parser: bytes in (split anywhere, even inside a UTF-8 sequence),
// events out. The common records (`1234 ` and a -ttt stamp, then a finished call, an
// exit or a signal) are read at byte level, and calls the model never reads are skipped
// without being decoded at all; every other line is decoded and read as text by
// logicalLine, which is also the reference the byte-level path is tested against.
// Memory is the open state only: one partial line, one unfinished call per task.
import { asciiBytes, bytesEqual, concatBytes, copyBytes, decodeAscii, decodeUtf8, encodeUtf8, indexOfByte, indexOfBytes, indexOfBytesWithin, RecentTexts, startsWithBytes } from './bytes';
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

export type TimestampStyle = 'unknown' | 'none' | 'clock' | 'epoch' | 'relative';

interface PendingCall {
  name: string;
  text: string;
  time: Seconds;
  line: number;
  stack?: string[];
  /** Not interesting: its resumption is skipped too. */
  skipped?: boolean;
}

const UNFINISHED = ' <unfinished ...>';
const UNFINISHED_BARE = '<unfinished ...>';
const PID_CHANGED = / <pid changed to (\d+) \.\.\.>$/;
const MID_LINE_MESSAGE = 'strace: Process ';
const MID_LINE_MESSAGE_BYTES = asciiBytes(MID_LINE_MESSAGE);
const UNFINISHED_BYTES = asciiBytes(UNFINISHED);
const RESUMED_BYTES = asciiBytes(' resumed>');
const RESTART_BYTES = asciiBytes('? ERESTART');
const EXITED_BYTES = asciiBytes('+++ exited with ');
const EXIT_END_BYTES = asciiBytes(' +++');
const SIGNAL_START_BYTES = asciiBytes('--- ');
const SIGNAL_END_BYTES = asciiBytes(' ---');
/** Argument lists kept per call (a server's loop alternates a few), results and names kept for all. */
const RECENT_ARGS = 4;
const RECENT_RESULTS = 8;
const RECENT_TOKENS = 64;
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);
/** Timestamps below this are `-r` deltas, above it `-ttt` epoch seconds (1973 onwards). */
const EPOCH_THRESHOLD = 1e8;
/** Longer lines are skipped with a warning (strace truncates strings at 32 chars by default). */
const MAX_LINE = 16 * 1024 * 1024;
/** Looked at before the first line to tell a log from a binary file. */
const SNIFF_BYTES = 4096;

export class StraceParser {
  /** Set once the input cannot be a strace log; no more events follow. */
  fatal: string | null = null;
  timestampStyle: TimestampStyle = 'unknown';
  /** Lines that produced an event or a stack frame. */
  recognizedLines = 0;
  lineCount = 0;

  /** The unfinished last line, in pieces. */
  private carry: Uint8Array[] = [];
  /** Bytes in `carry`. */
  private carryLength = 0;
  /** A high surrogate that ended a text push: encoded with the low one that follows. */
  private heldSurrogate = '';
  private skippingLongLine = false;
  private sniffed = false;
  /** Text before a `strace: Process N attached` that landed mid-line, joined to the next line. */
  private cutFragment = '';
  private cutLine = 0;
  private readonly pending = new Map<number, PendingCall>();
  /** Where ` > ` stack lines go: the last event or unfinished call. */
  private stackTarget: { stack?: string[] } | null = null;
  /** The last record was skipped: its -k frames are skipped with it. */
  private skippedLast = false;
  private relativeClock = 0;
  private lastClock = -1;
  private dayOffset = 0;

  /** The stamp of the line readFast is on: where it starts (-1: none), its digits as one number, its decimal places, its end. */
  private stampFrom = -1;
  private stampDigits = 0;
  private stampPlaces = 0;
  private stampEnd = 0;
  /** Argument texts per call name, and results, errno, signal and skipped call names, each shared when repeated. */
  private readonly recentArgs = new Map<string, RecentTexts>();
  private readonly recentResults = new RecentTexts(RECENT_RESULTS);
  private readonly recentTokens = new RecentTexts(RECENT_TOKENS);
  /** The interesting names by their first character code, for an allocation-free check; null: every call is. */
  private readonly interestingByFirst: Array<string[] | undefined> | null = null;

  constructor(
    private readonly sink: ParserSink,
    private readonly options: ParserOptions = {},
  ) {
    if (options.interesting) {
      const byFirst: Array<string[] | undefined> = [];
      for (const name of options.interesting) (byFirst[name.charCodeAt(0)] ??= []).push(name);
      this.interestingByFirst = byFirst;
    }
  }

  /** Feeds the log: bytes (split anywhere, even inside a UTF-8 sequence) or text. */
  push(chunk: Uint8Array | string): void {
    if (this.fatal) return;
    // One array type in the hot path: a Node Buffer here and the Uint8Array of a line joined
    // across chunks there made V8 throw away and recompile it.
    const bytes = typeof chunk === 'string' ? this.encodeText(chunk) : chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    if (bytes.length === 0) return;
    if (!this.sniffed) {
      this.sniffed = true;
      const reason = binaryReason(decodeUtf8(bytes, 0, Math.min(bytes.length, SNIFF_BYTES)));
      if (reason) {
        this.fatal = reason;
        return;
      }
    }
    let start = 0;
    if (this.skippingLongLine) {
      const nl = indexOfByte(bytes, 10, 0);
      if (nl < 0) return;
      this.skippingLongLine = false;
      start = nl + 1;
    } else if (this.carry.length > 0) {
      const nl = indexOfByte(bytes, 10, 0);
      if (nl < 0) {
        // No line ends here: keep a copy of the piece, joined once the line is whole (linear time).
        this.carry.push(copyBytes(bytes, 0, bytes.length));
        this.carryLength += bytes.length;
        if (this.carryLength > MAX_LINE) {
          // Memory stays bounded: a line this long is no strace record anyone can use.
          this.lineCount++;
          this.warn(this.lineCount, `line longer than ${MAX_LINE} characters skipped`);
          this.carry = [];
          this.carryLength = 0;
          this.skippingLongLine = true;
        }
        return;
      }
      this.carry.push(bytes.subarray(0, nl + 1));
      const line = concatBytes(this.carry, this.carryLength + nl + 1);
      this.carry = [];
      this.carryLength = 0;
      this.line(line, 0, line.length - 1, indexOfBytes(line, MID_LINE_MESSAGE_BYTES, 0) >= 0);
      start = nl + 1;
    }
    start = this.lines(bytes, start);
    if (bytes.length - start > MAX_LINE) {
      this.warn(++this.lineCount, `line longer than ${MAX_LINE} characters skipped`);
      this.skippingLongLine = true;
    } else if (start < bytes.length) {
      this.carry.push(copyBytes(bytes, start, bytes.length));
      this.carryLength = bytes.length - start;
    }
  }

  /**
   * Every whole line from `start`; returns where the unfinished last one starts. The hot
   * loop, kept apart from push's once-per-chunk work so V8 optimizes it once.
   */
  private lines(bytes: Uint8Array, start: number): number {
    // strace's stderr can cut a line with `strace: Process N attached`: find those once per chunk.
    let messageAt = indexOfBytes(bytes, MID_LINE_MESSAGE_BYTES, start);
    for (;;) {
      const nl = indexOfByte(bytes, 10, start);
      if (nl < 0) return start;
      const message = messageAt >= 0 && messageAt < nl;
      this.line(bytes, start, nl, message);
      if (message) messageAt = indexOfBytes(bytes, MID_LINE_MESSAGE_BYTES, nl);
      start = nl + 1;
    }
  }

  /** One physical line, bytes[start, nl) where nl is its newline. */
  private line(bytes: Uint8Array, start: number, nl: number, hasMessage: boolean): void {
    const end = nl > start && bytes[nl - 1] === 13 ? nl - 1 : nl;
    // Skipped as when it arrives in pieces: the limit must not depend on where chunks end.
    if (end - start > MAX_LINE) {
      this.warn(++this.lineCount, `line longer than ${MAX_LINE} characters skipped`);
    } else if (this.cutFragment || hasMessage) {
      this.physicalLine(decodeUtf8(bytes, start, end));
    } else {
      this.lineCount++;
      if (!this.readFast(bytes, start, end)) {
        const text = decodeUtf8(bytes, start, end);
        this.logicalLine(text, 0, text.length, this.lineCount);
      }
    }
  }

  /**
   * The common records, read at byte level (`1234 ` and a -ttt stamp, or no prefix):
   * calls the consumer does not read are counted and paired but never decoded; finished
   * calls it reads, `+++ exited with N +++` and `--- SIGX {…} ---` become events with one
   * decoded string each. Anything else returns false with nothing changed but a finished
   * pairing, and logicalLine reads the line as text, with every check and warning.
   */
  private readFast(b: Uint8Array, from: number, to: number): boolean {
    if (!this.interestingByFirst || this.options.reference) return false;
    let i = from;
    let c = b[i];
    if (c === 32 && b[i + 1] === 62) {
      // ` > ` frames of a skipped record go with it.
      if (!this.skippedLast) return false;
      this.recognizedLines++;
      return true;
    }
    let pid = this.options.fixedPid ?? null;
    if (isDigit(c)) {
      let j = i;
      let value = 0;
      while (j < to && isDigit((c = b[j]))) {
        value = value * 10 + c - 48;
        j++;
      }
      // At most 15 digits: an exact number. `1234<comm> ` and longer runs are read as text.
      if (j < to && c === 32 && j - i <= 15) {
        pid = value;
        i = j;
      } else if (c !== 46 && c !== 58) {
        return false;
      }
    }
    while (i < to && b[i] === 32) i++;
    // The -ttt stamp's digits as one integer and its decimal places: read at once, turned into seconds only for records that are kept.
    let stampFrom = -1;
    let stampDigits = 0;
    let stampPlaces = 0;
    if (isDigit(b[i])) {
      // Only epoch stamps once the log is known to use them; others set the style as text.
      if (this.timestampStyle !== 'epoch') return false;
      stampFrom = i;
      let j = i;
      for (c = b[j]; isDigit(c); c = b[++j]) stampDigits = stampDigits * 10 + c - 48;
      if (c !== 46) return false;
      const dot = j;
      for (c = b[++j]; isDigit(c); c = b[++j]) stampDigits = stampDigits * 10 + c - 48;
      stampPlaces = j - dot - 1;
      // Anything else logicalLine reads: `1.2.3`, `1.` (Number() takes it), clock parts.
      if (j >= to || c !== 32 || stampPlaces === 0) return false;
      i = j + 1;
    } else if (this.timestampStyle !== 'none') {
      return false;
    }
    this.stampFrom = stampFrom;
    this.stampDigits = stampDigits;
    this.stampPlaces = stampPlaces;
    this.stampEnd = i - 1;
    while (i < to && b[i] === 32) i++;
    if (i >= to) return false;
    c = b[i];
    // One small function per record kind: V8 compiles each once, not one large one again and again.
    if (c >= 97 && c <= 122) return this.fastCallRecord(b, i, to, pid);
    if (c === 60 && b[i + 1] === 46 && b[i + 2] === 46 && b[i + 3] === 46 && b[i + 4] === 32) return this.fastResumedRecord(b, i, to, pid);
    if (c === 43 /* + */) return this.fastExit(b, i, to, pid);
    if (c === 45 /* - */) return this.fastSignal(b, i, to, pid);
    return false;
  }

  /** `name(…`: read if the consumer reads it, else skipped (and paired when unfinished). */
  private fastCallRecord(b: Uint8Array, i: number, to: number, pid: number | null): boolean {
    const key = pid ?? -1;
    let k = i;
    while (k < to && isNameChar(b[k])) k++;
    if (b[k] !== 40 /* ( */) return false;
    const name = this.interestingName(b, i, k);
    if (name !== null) return this.unfinished(b, i, to) ? this.fastUnfinished(b, name, i, to, pid) : this.fastCall(b, name, k, to, pid);
    if (this.sink.wantsEveryCall?.()) return false;
    if (this.unfinished(b, k, to)) {
      if (this.pending.has(key)) this.warn(this.lineCount, `pid ${pid ?? '?'}: an earlier unfinished call never resumed`);
      this.pending.set(key, { name: this.recentTokens.text(b, i, k), text: '', time: NaN, line: this.lineCount, skipped: true });
    } else {
      // Malformed (no result) or interrupted: logicalLine warns or keeps it.
      const eq = resultAtBytes(b, k, to);
      if (eq < 0 || startsWithBytes(b, eq + 3, RESTART_BYTES)) return false;
    }
    return this.skipped();
  }

  /** `<... read resumed>`: joined to its read start, or skipped with its skipped start unless interrupted. */
  private fastResumedRecord(b: Uint8Array, i: number, to: number, pid: number | null): boolean {
    const key = pid ?? -1;
    const call = this.pending.get(key);
    if (!call) return false;
    const close = indexOfBytesWithin(b, RESUMED_BYTES, i, Math.min(to, i + SHORT_FIELD));
    if (close < 0 || !bytesEqual(b, i + 5, close, call.name)) return false;
    if (!call.skipped) return this.fastResumed(b, call, close + RESUMED_BYTES.length, to, pid);
    this.pending.delete(key);
    const eq = resultAtBytes(b, close, to);
    if (eq < 0) return false; // malformed: logicalLine warns
    if (!startsWithBytes(b, eq + 3, RESTART_BYTES)) return this.skipped();
    // Interrupted: the consumer needs it. Its start was skipped, so it is the resumed part alone.
    let open = close + RESUMED_BYTES.length;
    while (open < to && b[open] === 32) open++;
    if (b[open] === 60) return false; // strace 4.x: `<unfinished ...>)` after it
    return this.fastResult(b, call.name, open - 1, eq, to, pid);
  }

  private unfinished(b: Uint8Array, from: number, to: number): boolean {
    return b[to - 1] === 62 && to - UNFINISHED_BYTES.length >= from && startsWithBytes(b, to - UNFINISHED_BYTES.length, UNFINISHED_BYTES);
  }

  /** `clone(… <unfinished ...>` of a call the consumer reads: kept open for its resumption. */
  private fastUnfinished(b: Uint8Array, name: string, start: number, to: number, pid: number | null): boolean {
    const key = pid ?? -1;
    this.skippedLast = false;
    this.recognizedLines++;
    if (this.pending.has(key)) this.warn(this.lineCount, `pid ${pid ?? '?'}: an earlier unfinished call never resumed`);
    const call: PendingCall = { name, text: decodeUtf8(b, start, to - UNFINISHED_BYTES.length), time: this.stampTime(b), line: this.lineCount };
    this.pending.set(key, call);
    this.stackTarget = call;
    return true;
  }

  /** `<... clone resumed>…` of a call read when it started: the two parts make one event. */
  private fastResumed(b: Uint8Array, call: PendingCall, restFrom: number, to: number, pid: number | null): boolean {
    // A -T duration, or strace 4.x's `<unfinished ...>)` after it: read as text.
    if (b[to - 1] === 62 || b[restFrom + 1] === 60) return false;
    this.pending.delete(pid ?? -1);
    this.skippedLast = false;
    this.stackTarget = null;
    const event = this.completeCall(call.name, call.text + decodeUtf8(b, restFrom, to), pid, undefined, this.stampTime(b), call.line, call.time);
    if (event && call.stack) event.stack = call.stack;
    return true;
  }

  private skipped(): true {
    this.stackTarget = null;
    this.skippedLast = true;
    this.recognizedLines++;
    return true;
  }

  /** `name(args) = result [ERRNO (text)]`, printed whole: open is at the `(`. */
  private fastCall(b: Uint8Array, name: string, open: number, to: number, pid: number | null): boolean {
    // Ending in `>`: unfinished, a -T duration, `<pid changed …>` or a -Y result: read as text.
    if (b[to - 1] === 62) return false;
    const eq = resultAtBytes(b, open, to);
    if (eq < 0) return false;
    return this.fastResult(b, name, open, eq, to, pid);
  }

  /** The event of a finished call: arguments after `open` up to the `)` before ` = ` at `eq`, then the result. */
  private fastResult(b: Uint8Array, name: string, open: number, eq: number, to: number, pid: number | null): boolean {
    if (b[to - 1] === 62) return false;
    let headEnd = eq;
    while (headEnd > open && b[headEnd - 1] === 32) headEnd--;
    if (b[headEnd - 1] !== 41 /* ) */ || headEnd - 1 <= open) return false;
    let r = eq + 3;
    while (r < to && b[r] !== 32) {
      if (b[r] === 60) return false; // -Y: `4481<server>`
      r++;
    }
    if (r === eq + 3) return false;
    let errno: string | null = null;
    if (r < to) {
      let e = r + 1;
      while (e < to && b[e] !== 32) e++;
      errno = this.errnoAt(b, r + 1, e);
    }
    const time = this.stampTime(b);
    this.skippedLast = false;
    this.recognizedLines++;
    const event: SyscallEvent = { kind: 'syscall', line: this.lineCount, pid, time, name, args: this.argsText(name, b, open + 1, headEnd - 1), result: this.recentResults.text(b, eq + 3, r), errno };
    this.emit(event, undefined);
    return true;
  }

  /** `+++ exited with N +++`; other `+++` lines are read as text. */
  private fastExit(b: Uint8Array, i: number, to: number, pid: number | null): boolean {
    if (!startsWithBytes(b, i, EXITED_BYTES) || !startsWithBytes(b, to - 4, EXIT_END_BYTES)) return false;
    let k = i + EXITED_BYTES.length;
    const negative = b[k] === 45;
    if (negative) k++;
    const digitsFrom = k;
    let code = 0;
    while (k < to - 4 && isDigit(b[k])) code = code * 10 + b[k++] - 48;
    // At most 10 digits, as logicalLine reads it.
    if (k !== to - 4 || k === digitsFrom || k - digitsFrom > 10) return false;
    const time = this.stampTime(b);
    this.skippedLast = false;
    this.endOfTask(pid);
    this.recognizedLines++;
    this.emit({ kind: 'exit', line: this.lineCount, pid, time, code: negative ? -code : code, signal: null, core: false }, undefined);
    return true;
  }

  /** `--- SIGCHLD {si_signo=…} ---`; `--- stopped by …` and other forms are read as text. */
  private fastSignal(b: Uint8Array, i: number, to: number, pid: number | null): boolean {
    if (!startsWithBytes(b, i, SIGNAL_START_BYTES) || to - i < 11 || !startsWithBytes(b, to - 4, SIGNAL_END_BYTES)) return false;
    const s = i + 4;
    let k = s + 3;
    if (b[s] !== 83 || b[s + 1] !== 73 || b[s + 2] !== 71) return false; // SIG
    for (let c = b[k]; k < to - 4 && ((c >= 65 && c <= 90) || isDigit(c) || c === 43 || c === 45); c = b[++k]);
    if (k === s + 3 || (k < to - 4 && b[k] !== 32)) return false;
    const time = this.stampTime(b);
    this.skippedLast = false;
    this.recognizedLines++;
    const signal = this.recentTokens.text(b, s, k);
    const info = k < to - 4 ? decodeUtf8(b, k + 1, to - 4) : '';
    this.emit({ kind: 'signal', line: this.lineCount, pid, time, signal, info }, undefined);
    return true;
  }

  /**
   * A call's argument text. A server makes the same call with the same arguments again
   * and again (every clone, every wait4): those share one string, which the model may
   * keep for each process.
   */
  private argsText(name: string, b: Uint8Array, start: number, end: number): string {
    let recent = this.recentArgs.get(name);
    if (recent === undefined) this.recentArgs.set(name, (recent = new RecentTexts(RECENT_ARGS)));
    return recent.text(b, start, end);
  }

  /** The stamp readFast read, in seconds: NaN with none. */
  private stampTime(b: Uint8Array): Seconds {
    if (this.stampFrom < 0) return NaN;
    // A safe integer and a power of ten are exact, so the quotient is Number()'s correctly rounded value.
    if (this.stampDigits <= Number.MAX_SAFE_INTEGER) return this.stampDigits / POWERS_OF_TEN[this.stampPlaces];
    return Number(decodeAscii(b, this.stampFrom, this.stampEnd));
  }

  /** The interesting name spelled by b[start, end), or null. */
  private interestingName(b: Uint8Array, start: number, end: number): string | null {
    const candidates = this.interestingByFirst?.[b[start]];
    if (!candidates) return null;
    for (const name of candidates) if (bytesEqual(b, start, end, name)) return name;
    return null;
  }

  /** `ECHILD` and the like: the same string for each occurrence; null when the token is no errno. */
  private errnoAt(b: Uint8Array, start: number, end: number): string | null {
    if (end - start < 2 || b[start] !== 69 /* E */) return null;
    for (let k = start + 1; k < end; k++) {
      const c = b[k];
      if (!((c >= 65 && c <= 90) || isDigit(c) || c === 95)) return null;
    }
    return this.recentTokens.text(b, start, end);
  }

  /** Text input is encoded; a surrogate pair split between two pushes is kept whole. */
  private encodeText(chunk: string): Uint8Array {
    let text = this.heldSurrogate + chunk;
    this.heldSurrogate = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.heldSurrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    return encodeUtf8(text);
  }

  /** End of input: the last line may lack its newline; calls still open are reported. */
  finish(): void {
    if (this.fatal) return;
    if (this.heldSurrogate) {
      const held = this.heldSurrogate;
      this.heldSurrogate = '';
      this.push(encodeUtf8(held));
    }
    if (this.carry.length > 0 && !this.skippingLongLine) {
      const bytes = concatBytes(this.carry, this.carryLength);
      this.carry = [];
      this.carryLength = 0;
      const last = decodeUtf8(bytes, 0, bytes.length);
      this.physicalLine(last.endsWith('\r') ? last.slice(0, -1) : last);
    }
    if (this.cutFragment) {
      const fragment = this.cutFragment;
      this.cutFragment = '';
      this.logicalLine(fragment, 0, fragment.length, this.cutLine);
    }
    if (this.lineCount === 0) this.fatal = 'the log is empty';
    else if (this.recognizedLines === 0) this.fatal = 'no strace output found in it';
    this.pending.clear();
  }

  private physicalLine(raw: string): void {
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

  private warn(line: number, reason: string): void {
    const warning: ParseWarning = { line, reason: own(reason) };
    if (this.options.file !== undefined) warning.file = this.options.file;
    this.sink.warning(warning);
  }

  /** One record: `text` from `from` to `to` (not sliced out unless the record is kept). */
  private logicalLine(text: string, from: number, to: number, lineNo: number): void {
    if (to <= from) return;
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
          time = this.clockTime(text.slice(i, end));
          if (Number.isNaN(time)) return this.warn(lineNo, `malformed timestamp "${text.slice(i, end)}"`);
        } else if (this.timestampStyle !== 'epoch') {
          const value = Number(text.slice(i, end));
          if (Number.isNaN(value)) return this.warn(lineNo, `malformed timestamp "${text.slice(i, end)}"`);
          time = this.numericTime(value);
        } else {
          stampFrom = i;
          stampTo = end;
        }
        i = end + 1;
      }
    } else if (this.timestampStyle === 'unknown') {
      this.timestampStyle = 'none';
    }
    while (i < n && text.charCodeAt(i) === 32) i++;
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
    }
    this.recognizedLines++;
    this.skippedLast = true;
  }

  /** `<... read resumed>`: the end of a skipped call is skipped too, unless interrupted. */
  private skipResumed(text: string, b: number, n: number, pid: number | null): boolean {
    const call = this.pending.get(pid ?? -1);
    if (!call || !call.skipped) return false;
    const close = indexWithin(text, ' resumed>', b, n);
    if (close < 0 || text.slice(b + 5, close) !== call.name) return false;
    const eq = resultAt(text, close, n);
    if (eq < 0 || text.startsWith('? ERESTART', eq + 3)) {
      // Interrupted (the consumer needs it) or malformed (the full path warns).
      this.pending.delete(pid ?? -1);
      return false;
    }
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
    const call = this.pending.get(key);
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

  private completeCall(name: string, text: string, pid: number | null, comm: string | undefined, time: Seconds, lineNo: number, entryTime: Seconds | undefined): SyscallEvent | null {
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

  /** A task that died inside a call never resumes it. */
  private endOfTask(pid: number | null): void {
    this.pending.delete(pid ?? -1);
  }

  private emit(event: TraceEvent, comm: string | undefined): void {
    if (comm !== undefined) event.comm = own(comm);
    if (this.options.file !== undefined) event.file = this.options.file;
    this.stackTarget = event;
    this.sink.event(event);
  }

  private clockTime(text: string): Seconds {
    const m = /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
    if (!m) return NaN;
    if (this.timestampStyle === 'unknown' || this.timestampStyle === 'none') this.timestampStyle = 'clock';
    let t = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
    // `-t` wraps at midnight: a jump back of more than half a day is the next day.
    if (this.lastClock >= 0 && t + this.dayOffset < this.lastClock - 43200) this.dayOffset += 86400;
    t += this.dayOffset;
    this.lastClock = t;
    return t;
  }

  private numericTime(value: number): Seconds {
    if (this.timestampStyle === 'unknown' || this.timestampStyle === 'none') {
      this.timestampStyle = value >= EPOCH_THRESHOLD ? 'epoch' : 'relative';
    }
    if (this.timestampStyle === 'relative') {
      // -r: each stamp is the time since the previous line, whichever task printed it.
      this.relativeClock += value;
      return this.relativeClock;
    }
    return value;
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Names, comms and markers are short: look only this far, so a bad line costs no more than its length. */
const SHORT_FIELD = 96;

/** The last ` = ` in b[from, to) after `from`, or -1. */
function resultAtBytes(b: Uint8Array, from: number, to: number): number {
  for (let at = to - 3; at > from; at--) if (b[at + 1] === 61 && b[at] === 32 && b[at + 2] === 32) return at;
  return -1;
}

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

function isNameChar(c: number): boolean {
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

function binaryReason(head: string): string | null {
  if (head.includes('\u0000')) return 'it is a binary file (it contains NUL bytes), not strace text output';
  let odd = 0;
  for (let k = 0; k < head.length; k++) {
    const c = head.charCodeAt(k);
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13)) odd++;
  }
  if (head.length >= 64 && odd / head.length > 0.1) return 'it is a binary file, not strace text output';
  return null;
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
