// Reads strace's FIFO in batches: all that was written since the last look, a few
// milliseconds apart. strace writes each record with a write() of its own, and a
// 'data' event per write (a Socket on the FIFO) cost Fork Trace about as much CPU as
// strace itself on a busy server. A pipe holds 64 KiB, hundreds of records; the reader
// looks often enough to find about a quarter of that at each look, and less often while
// the trace is quiet: every look is a wakeup, and a wakeup costs CPU the traced program
// could have had (about 0.1 ms each on a 2-core VM, where a look every 5 ms took a fifth
// of what Fork Trace spent on a fork-per-connection server).
import { closeSync, readSync } from 'node:fs';
import { timings } from './timings';

/** Between looks while records arrive: at least (a fast writer), at most (a slow one). */
const BUSY_MIN_MS = 5;
const BUSY_MAX_MS = 25;
/** What a look aims to find: a quarter of a pipe, so a burst has room before strace waits for the reader. */
const TARGET_BYTES = 16 * 1024;
/** Between looks once nothing arrived for a while: an idle server costs next to nothing. */
const IDLE_MS = 50;
/** Empty looks in a row before the reader slows down. */
const EMPTY_LOOKS_BEFORE_IDLE = 20;
const BUFFER_BYTES = 256 * 1024;
const MAX_BYTES_PER_LOOK = 4 * 1024 * 1024;

export class FifoReader {
  /** Resolves once every writer has closed and all they wrote was read (or on a read error). */
  readonly done: Promise<void>;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private emptyLooks = 0;
  /** The wait before the next look while records arrive (BUSY_MIN_MS to BUSY_MAX_MS). */
  private busyMs = BUSY_MIN_MS;
  private lastLook = Date.now();
  /** Set by lookNow: the writers are gone, read to the end. */
  private draining = false;
  private finished = false;
  private resolveDone!: () => void;

  /**
   * `fd` is the FIFO's read end, opened O_NONBLOCK. `onChunk` gets a view of a reused
   * buffer: what it keeps past the call it must copy.
   */
  constructor(
    private readonly fd: number,
    private readonly onChunk: (chunk: Buffer) => void,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.schedule(0);
  }

  /** Reads what is there now, then looks again later. */
  private look(): void {
    this.timer = null;
    let read = 0;
    for (;;) {
      let n: number;
      const t0 = timings.start();
      try {
        n = readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      } catch (e) {
        timings.stop('FIFO read (empty)', t0);
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break; // a writer is there, nothing written yet
        return this.finish();
      }
      timings.stop('FIFO read', t0);
      if (n === 0) return this.finish(); // no writer left: the end
      read += n;
      this.onChunk(this.buffer.subarray(0, n));
      if (this.finished) return;
      // A pipe gives all it holds: a short read emptied it. Reading again would only fail
      // with EAGAIN, and Node throws an Error for that (its stack captured): about as
      // costly as the read itself, once per look. The next look comes soon enough.
      if (n < this.buffer.length && !this.draining) break;
      // A writer faster than one look: let the event loop run (a Stop, an update), then go on.
      if (read >= MAX_BYTES_PER_LOOK) return this.schedule(0);
    }
    const now = Date.now();
    if (read > 0) {
      this.emptyLooks = 0;
      // The writer's pace since the last look says when TARGET_BYTES will be there.
      const waitMs = (Math.max(1, now - this.lastLook) * TARGET_BYTES) / read;
      this.busyMs = Math.min(BUSY_MAX_MS, Math.max(BUSY_MIN_MS, waitMs));
    } else {
      this.emptyLooks++;
    }
    this.lastLook = now;
    this.schedule(this.emptyLooks >= EMPTY_LOOKS_BEFORE_IDLE ? IDLE_MS : this.busyMs);
  }

  private schedule(ms: number): void {
    if (!this.finished) this.timer = setTimeout(() => this.look(), ms);
  }

  /** Stops reading and closes the FIFO (what is still in it is dropped). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      closeSync(this.fd);
    } catch {
      /* closed already */
    }
    this.resolveDone();
  }

  /** Looks now rather than at the next interval: strace has gone, read the rest at once. */
  lookNow(): void {
    if (this.finished) return;
    this.draining = true;
    if (this.timer) clearTimeout(this.timer);
    this.look();
  }
}
