// `forktrace analyze`: a strace log file, or a `-ff` directory of per-pid files merged
// in time order, streamed through the same parser and model as a live trace.
import { closeSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import type { TraceEvent } from '../core/events';
import { StraceParser } from '../core/parser';
import { TraceSession } from '../core/session';
import { MODEL_CALLS, type ProcessModel } from '../core/model';
import { TraceError } from './strace';
import { RECORD_AGAIN } from '../core/recording';
import { NO_SKIPPED_CALLS } from '../core/textReader';
import type { SiteLocator } from '../core/diagnostics';
import { timeSession, timings } from './timings';

const CHUNK = 1 << 20;

export interface AnalyzeOptions {
  lingerThreshold?: number;
  /**
   * Called once, as soon as the log names the traced program (its first exec): a caller
   * can start disassembling it while the rest of the log is read.
   */
  onProgram?: (executable: string) => void;
  /** Fold older uneventful reaped processes, keeping this many (ModelOptions.keepReaped); absent: keep all. */
  keepReaped?: number;
  /** Names fork sites for folding. */
  locate?: SiteLocator;
}

/**
 * The whole log on this thread. With `progress`, it is read a step at a time (a few MiB,
 * or some thousands of events of a -ff directory) and told after each.
 */
export function analyzeLog(path: string, options: AnalyzeOptions & Pick<AnalyzeSteps, 'progress'> = {}): TraceSession {
  const { progress } = options;
  const source = openLog(path, options, progress ? PROGRESS_STEPS : Infinity);
  try {
    for (let more = true; more; progress?.(source.read, source.total)) more = source.step();
  } catch (e) {
    source.close();
    throw e;
  }
  return source.finish();
}

/** How a caller follows (and may stop) a log read in steps. */
export interface AnalyzeSteps {
  /** After each step: bytes read so far, of the log's size (a -ff directory's files together) when it was opened. */
  progress?: (read: number, total: number) => void;
  /** Asked before each step: true stops the reading, and null is returned. */
  cancelled?: () => boolean;
}

/** Read between two yields to the event loop: tens of milliseconds of parsing. */
const STEP_BYTES = 2 * CHUNK;
/** Merged from a -ff directory between two yields. */
const STEP_EVENTS = 20_000;
/** analyzeLog's steps between two progress reports, in steps of analyzeLogInSteps: 8 MiB, 80,000 events. */
const PROGRESS_STEPS = 4;

/**
 * analyzeLog without holding the thread for the whole log (the extension host): a file is
 * read a few MiB at a time, a -ff directory merged some thousands of events at a time,
 * yielding between steps, with progress; null when cancelled.
 */
export async function analyzeLogInSteps(path: string, options: AnalyzeOptions & AnalyzeSteps = {}): Promise<TraceSession | null> {
  const source = openLog(path, options, 1, true);
  let read = false;
  try {
    for (let more = true; more;) {
      if (options.cancelled?.()) return null;
      more = source.step();
      options.progress?.(source.read, source.total);
      if (more) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (options.cancelled?.()) return null;
    read = true;
  } finally {
    // Cancelled or failed: closed here; read to its end, finish() closes it.
    if (!read) source.close();
  }
  return source.finish();
}

/** A log being read into its session, a step at a time. */
interface LogSource {
  /** Bytes read so far, of `total`. */
  readonly read: number;
  readonly total: number;
  /** Reads one step more; false at the end (or once the log is known to be no strace log). */
  step(): boolean;
  close(): void;
  /** The end of the log: the session, or a TraceError saying why it is none. */
  finish(): TraceSession;
}

/** `steps`: how many steps' worth one step() reads (Infinity: all). `regularOnly`: refuse pipes and devices. */
function openLog(path: string, options: AnalyzeOptions, steps: number, regularOnly = false): LogSource {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    throw new TraceError(`${path} does not exist. Record a log with: ${RECORD_AGAIN}`, 'bad-log');
  }
  if (stat.isDirectory()) return new LogDirectory(path, options, steps * STEP_EVENTS);
  // Opening a pipe waits for its writer, and reading one blocks: never in the extension host.
  if (regularOnly && !stat.isFile()) {
    throw new TraceError(`${path} is not a regular file (a pipe or a device): save the log to a file first, or read it with forktrace analyze.`, 'bad-log');
  }
  return new LogFile(path, stat.size, options, steps * STEP_BYTES);
}

function newSession(options: AnalyzeOptions): TraceSession {
  const session = new TraceSession({ lingerThreshold: options.lingerThreshold, keepReaped: options.keepReaped, locate: options.locate });
  timeSession(session);
  return session;
}

/** One log file, read a chunk at a time into its session. */
class LogFile implements LogSource {
  readonly session: TraceSession;
  read = 0;
  private fd: number | null;
  private readonly buffer = Buffer.allocUnsafe(CHUNK);
  private onProgram: ((executable: string) => void) | undefined;

  constructor(
    private readonly path: string,
    readonly total: number,
    options: AnalyzeOptions,
    private readonly stepBytes: number,
  ) {
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      throw new TraceError(`Cannot read ${path}: ${(e as Error).message}`, 'bad-log');
    }
    this.session = newSession(options);
    this.onProgram = options.onProgram;
  }

  step(): boolean {
    if (this.fd === null) return false;
    const stop = this.read + this.stepBytes;
    while (this.read < stop) {
      const t0 = timings.start();
      const n = readSync(this.fd, this.buffer, 0, CHUNK, null);
      timings.stop('log read', t0);
      if (n === 0) return false;
      this.read += n;
      this.session.push(this.buffer.subarray(0, n));
      const program = this.onProgram && this.session.model.processes[0]?.image;
      if (this.onProgram && program) {
        this.onProgram(program);
        this.onProgram = undefined;
      }
      if (this.session.fatal !== null) return false;
    }
    return true;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** The end of the log: the session, or the reason it is no strace log. */
  finish(): TraceSession {
    this.close();
    const fatal = this.session.finish();
    if (fatal) throw new TraceError(`${this.path} is not a strace log: ${fatal}. Record one with: ${RECORD_AGAIN}`, 'bad-log');
    return usable(this.path, this.session);
  }
}

/** The session, unless its records cannot give a process tree at all (strace -Z). */
function usable(path: string, session: TraceSession): TraceSession {
  const unusable = session.model.unusable;
  if (unusable) throw new TraceError(`${path} gives no process tree: ${unusable}`, 'bad-log');
  return session;
}

/** Shared by every -ff file: the parser copies what it keeps (one buffer per file was 64 KB per process). */
const PER_PID_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** One `-ff` file: read a chunk at a time, its events queued until merged. */
class PerPidFile {
  readonly queue: TraceEvent[] = [];
  private head = 0;
  /** Bytes read. Opened for each read: a -ff directory has a file per process, past the usual limit of 1024 open files. */
  position = 0;
  private eof = false;
  readonly parser: StraceParser;
  readonly size: number;

  constructor(
    readonly path: string,
    pid: number,
    model: ProcessModel,
  ) {
    this.size = statSync(path).size;
    this.parser = new StraceParser(
      { event: (e) => this.queue.push(e), warning: (w) => model.warn(w), wantsEveryCall: () => model.wantsEveryCall },
      { fixedPid: pid, file: basename(path), interesting: MODEL_CALLS },
    );
  }

  /** The next event in this file, reading more when the queue is empty; null at the end. */
  peek(): TraceEvent | null {
    while (this.head >= this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      if (this.eof) return null;
      const fd = openSync(this.path, 'r');
      let n: number;
      try {
        n = readSync(fd, PER_PID_BUFFER, 0, PER_PID_BUFFER.length, this.position);
      } finally {
        closeSync(fd);
      }
      this.position += n;
      if (n === 0) {
        this.eof = true;
        this.parser.finish();
      } else {
        this.parser.push(PER_PID_BUFFER.subarray(0, n));
      }
    }
    return this.queue[this.head];
  }

  take(): void {
    this.head++;
  }
}

/**
 * A `-ff` directory: its per-pid files merged into one time order, a bounded number of
 * events per step. A k-way merge by time: each file is in order, and the model needs one
 * global order. A binary heap of each file's next event, earliest (then lowest pid) on
 * top: scanning every file for every event was quadratic in a fork server's -ff directory
 * (a file per process).
 */
class LogDirectory implements LogSource {
  readonly total: number;
  private readonly session: TraceSession;
  private readonly sources: PerPidFile[];
  private readonly heap: Array<{ event: TraceEvent; k: number }> = [];

  constructor(
    private readonly dir: string,
    options: AnalyzeOptions,
    private readonly stepEvents: number,
  ) {
    const files = readdirSync(dir)
      .map((name) => ({ name, m: /\.(\d+)$/.exec(name) }))
      .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
      .sort((a, b) => Number(a.m[1]) - Number(b.m[1]));
    if (files.length === 0) {
      throw new TraceError(
        `${dir} holds no per-pid strace files (named like trace.1234). Record them with: strace -ff -ttt -o ${dir}/trace PROGRAM`,
        'bad-log',
      );
    }
    this.session = newSession(options);
    this.sources = files.map((f) => new PerPidFile(join(dir, f.name), Number(f.m[1]), this.session.model));
    this.total = this.sources.reduce((sum, f) => sum + f.size, 0);
    this.sources.forEach((_, k) => this.add(k));
  }

  get read(): number {
    return this.sources.reduce((sum, f) => sum + f.position, 0);
  }

  step(): boolean {
    const heap = this.heap;
    for (let n = 0; n < this.stepEvents && heap.length > 0; n++) {
      const { event, k } = heap[0];
      const last = heap.pop() as { event: TraceEvent; k: number };
      if (heap.length > 0) {
        heap[0] = last;
        for (let i = 0; ;) {
          const l = 2 * i + 1;
          const m = l + 1 < heap.length && this.before(l + 1, l) ? l + 1 : l;
          if (l >= heap.length || !this.before(m, i)) break;
          this.swap(i, m);
          i = m;
        }
      }
      this.sources[k].take();
      this.session.model.apply(event);
      this.add(k);
    }
    return heap.length > 0;
  }

  /** Its files are opened for each read: nothing stays open. */
  close(): void {}

  finish(): TraceSession {
    const model = this.session.model;
    const skipped = { ...NO_SKIPPED_CALLS };
    for (const source of this.sources) {
      if (source.parser.fatal && source.parser.lineCount > 0)
        model.warn({ line: 0, reason: `${basename(source.path)}: ${source.parser.fatal}`, file: basename(source.path) });
      skipped.succeeded ||= source.parser.skippedCalls.succeeded;
      skipped.failed ||= source.parser.skippedCalls.failed;
      skipped.exit ||= source.parser.skippedCalls.exit;
    }
    model.finish(skipped);
    if (model.processes.length === 0) throw new TraceError(`${this.dir}: none of its files hold strace output.`, 'bad-log');
    return usable(this.dir, this.session);
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    return x.event.time < y.event.time || (x.event.time === y.event.time && x.k < y.k);
  }

  private swap(a: number, b: number): void {
    const heap = this.heap;
    [heap[a], heap[b]] = [heap[b], heap[a]];
  }

  /** File k's next event onto the heap. */
  private add(k: number): void {
    const event = this.sources[k].peek();
    if (!event) return;
    if (Number.isNaN(event.time)) {
      throw new TraceError(
        `${this.dir}: per-pid files need timestamps to be merged in order. Record them with: strace -ff -ttt -o ${this.dir}/trace PROGRAM`,
        'bad-log',
      );
    }
    const heap = this.heap;
    heap.push({ event, k });
    for (let i = heap.length - 1; i > 0 && this.before(i, (i - 1) >> 1); i = (i - 1) >> 1) this.swap(i, (i - 1) >> 1);
  }
}
