// Streaming strace parser: bytes in (split anywhere, even inside a UTF-8 sequence),
// events out. The common records (`1234 ` and a -ttt stamp, then a finished call, an
// exit or a signal) are read at byte level, and calls the model never reads are skipped
// without being decoded at all; every other line is decoded and read as text by the
// TextReader it extends (textReader.ts), the reference this byte-level path is tested against.
// Memory is the open state only: one partial line, one unfinished call per task.
import {
  asciiBytes,
  bytesEqual,
  concatBytes,
  copyBytes,
  decodeUtf8,
  encodeUtf8,
  indexOfByte,
  indexOfBytes,
  indexOfBytesWithin,
  RecentTexts,
  startsWithBytes,
} from './bytes';
import { epochSeconds } from './clock';
import type { Seconds, SyscallEvent } from './events';
import { isDigit, isNameChar, MID_LINE_MESSAGE, PROGRAM_START, SHORT_FIELD, TextReader, UNFINISHED, type PendingCall } from './textReader';

export type { TimestampStyle } from './clock';
export type { ParserOptions, ParserSink } from './textReader';

const MID_LINE_MESSAGE_BYTES = asciiBytes(MID_LINE_MESSAGE);
const UNFINISHED_BYTES = asciiBytes(UNFINISHED);
const RESUMED_BYTES = asciiBytes(' resumed>');
const RESTART_BYTES = asciiBytes('? ERESTART');
const EXITED_BYTES = asciiBytes('+++ exited with ');
const EXIT_END_BYTES = asciiBytes(' +++');
const SIGNAL_START_BYTES = asciiBytes('--- ');
const SIGNAL_END_BYTES = asciiBytes(' ---');
const EXIT_BYTES = asciiBytes('exit');
const GROUP_BYTES = asciiBytes('_group');
const PROGRAM_START_BYTES = asciiBytes(PROGRAM_START);
/** Argument lists kept per call (a server's loop alternates a few), results and names kept for all. */
const RECENT_ARGS = 4;
const RECENT_RESULTS = 8;
const RECENT_TOKENS = 64;
/** Longer lines are skipped with a warning (strace truncates strings at 32 chars by default). */
const MAX_LINE = 16 * 1024 * 1024;
/** Looked at before the first line to tell a log from a binary file. */
const SNIFF_BYTES = 4096;

export class StraceParser extends TextReader {
  /** Set once the input cannot be a strace log; no more events follow. */
  fatal: string | null = null;

  /** The unfinished last line, in pieces. */
  private carry: Uint8Array[] = [];
  /** Bytes in `carry`. */
  private carryLength = 0;
  /** A high surrogate that ended a text push: encoded with the low one that follows. */
  private heldSurrogate = '';
  private skippingLongLine = false;
  private sniffed = false;

  /** The stamp of the line readFast is on: where it starts (-1: none), its digits as one number, its decimal places, its end. */
  private stampFrom = -1;
  private stampDigits = 0;
  private stampPlaces = 0;
  private stampEnd = 0;
  /** Argument texts per call name, and results, errno, signal and skipped call names, each shared when repeated. */
  private readonly recentArgs = new Map<string, RecentTexts>();
  private readonly recentResults = new RecentTexts(RECENT_RESULTS);
  private readonly recentTokens = new RecentTexts(RECENT_TOKENS);

  /** Feeds the log: bytes (split anywhere, even inside a UTF-8 sequence) or text. */
  push(chunk: Uint8Array | string): void {
    if (this.fatal) return;
    // One array type in the hot path: a Node Buffer here and the Uint8Array of a line joined
    // across chunks there made V8 throw away and recompile it.
    const bytes =
      typeof chunk === 'string'
        ? this.encodeText(chunk)
        : chunk.constructor === Uint8Array
          ? chunk
          : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
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
      if (this.clock.style !== 'epoch') return false;
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
    } else if (this.clock.style !== 'none') {
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
    if (!this.skippedCalls.exit && b[i] === 101 /* e */ && isExitCall(b, i, k)) this.skippedCalls.exit = true;
    if (this.unfinished(b, k, to)) {
      if (this.pending.has(key)) this.warn(this.lineCount, `pid ${pid ?? '?'}: an earlier unfinished call never resumed`);
      this.pending.set(key, { name: this.recentTokens.text(b, i, k), text: '', time: NaN, line: this.lineCount, skipped: true });
    } else {
      // Malformed (no result) or interrupted: logicalLine warns or keeps it.
      const eq = resultAtBytes(b, k, to);
      if (eq < 0 || startsWithBytes(b, eq + 3, RESTART_BYTES)) return false;
      if (this.recognizedLines === 0 && startsWithBytes(b, i, PROGRAM_START_BYTES)) this.skippedCalls.programStart = this.lineCount;
      this.skippedResult(b[eq + 3]);
    }
    return this.skipped();
  }

  /** `<... read resumed>`: joined to its read start, or skipped with its skipped start unless interrupted. */
  private fastResumedRecord(b: Uint8Array, i: number, to: number, pid: number | null): boolean {
    const key = pid ?? -1;
    const close = indexOfBytesWithin(b, RESUMED_BYTES, i, Math.min(to, i + SHORT_FIELD));
    if (close < 0) return false;
    const call = this.pending.get(key) ?? this.claimUnprefixed(pid, (c) => bytesEqual(b, i + 5, close, c.name));
    if (!call || !bytesEqual(b, i + 5, close, call.name)) return false;
    if (!call.skipped) return this.fastResumed(b, call, close + RESUMED_BYTES.length, to, pid);
    this.pending.delete(key);
    const eq = resultAtBytes(b, close, to);
    if (eq < 0) return false; // malformed: logicalLine warns
    if (!startsWithBytes(b, eq + 3, RESTART_BYTES)) {
      this.skippedResult(b[eq + 3]);
      return this.skipped();
    }
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
    const event: SyscallEvent = {
      kind: 'syscall',
      line: this.lineCount,
      pid,
      time,
      name,
      args: this.argsText(name, b, open + 1, headEnd - 1),
      result: this.recentResults.text(b, eq + 3, r),
      errno,
    };
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
    return epochSeconds(this.stampDigits, this.stampPlaces, b, this.stampFrom, this.stampEnd);
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
    this.finishCutRecord();
    if (this.lineCount === 0) this.fatal = 'the log is empty';
    else if (this.recognizedLines === 0 && this.summaryLines > 0)
      this.fatal = "it holds only the summary table of strace -c (each call's count and time), and -c writes no record of the calls themselves";
    else if (this.recognizedLines === 0) this.fatal = 'no strace output found in it';
    if (!this.fatal) this.endOpenCalls();
    this.pending.clear();
  }
}

/** Whether b[i, k) is `exit` or `exit_group`. */
function isExitCall(b: Uint8Array, i: number, k: number): boolean {
  return (k - i === 4 || (k - i === 10 && startsWithBytes(b, i + 4, GROUP_BYTES))) && startsWithBytes(b, i, EXIT_BYTES);
}

/** The last ` = ` in b[from, to) after `from`, or -1. */
function resultAtBytes(b: Uint8Array, from: number, to: number): number {
  for (let at = to - 3; at > from; at--) if (b[at + 1] === 61 && b[at] === 32 && b[at + 2] === 32) return at;
  return -1;
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
