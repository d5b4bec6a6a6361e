// A program running under strace, its trace streaming into the model. strace writes
// to a FIFO of its own (close-on-exec, so the program never sees it); the program
// keeps its stdin, stdout and stderr. Stop = snapshot first, then kill every task.
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, constants, createWriteStream, mkdtempSync, openSync, realpathSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TraceSession } from '../core/session';
import { FifoReader } from './fifoReader';
import { timeSession, timings } from './timings';
import type { SnapshotDelta, SnapshotJson } from '../shared/schema';
import { buildDelta } from '../core/snapshotBuilder';
import { NO_FIXES, type FixProvider, type SiteLocator } from '../core/diagnostics';
import { detectStrace, resolveProgram, straceArgs, TraceError, type StraceInfo } from './strace';
import { attachStraceArgs, prepareAttach, type AttachedProcess } from './attach';
import { seedBefore } from '../core/before';
import { childrenOf, killProcessTrees, killTraceesOf, procStartTime, readProcStatus, readComm, readProcLink } from './procfs';
import { DEFAULT_KEEP_REAPED, type ProcessModel, type ProcessNode } from '../core/model';

export interface LiveTraceOptions {
  /** The program to run; ignored when attaching (the process's /proc/PID/exe is used). */
  program: string;
  args?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How the program's stdin/stdout/stderr are connected (default: inherit ours). */
  stdio?: StdioOptions;
  /** Also write strace's raw output here. */
  logFile?: string;
  lingerThreshold?: number;
  /**
   * Reaped processes kept in full detail (default DEFAULT_KEEP_REAPED): older uneventful
   * ones are folded into counts per parent and fork site, so memory stays flat. Infinity: keep all.
   */
  keepReaped?: number;
  strace?: string;
  /**
   * `fast` (default): source lines from the binaries' own call sites, at ptrace's floor.
   * `precise`: strace -k stack traces on every traced call, exact even with several sites.
   */
  stackMode?: StackMode;
  /** Called (at most every `updateIntervalMs`) after new events reached the model. */
  onUpdate?: () => void;
  updateIntervalMs?: number;
  /**
   * Maps call sites to source lines: a SiteResolver's locator() (src/sites), built by the
   * caller, which calls its prepare([live.program]) so objdump runs beside the trace.
   */
  locator: SiteLocator;
  /** Computes the findings' fixes from their source files (src/fixes/provider.ts); none by default. */
  fixer?: FixProvider;
  /**
   * Attach to this running process instead of starting `program`: what it already is
   * (threads, descendants, zombies) is read from /proc at once, and stop() detaches,
   * leaving it running. Checked first (checkAttach): a refusal is a TraceError.
   */
  attachPid?: number;
}

export type StackMode = 'fast' | 'precise';

export interface TraceEnd {
  /** The picture at the end: at stop time for a stopped trace, else at exit. */
  snapshot: SnapshotJson;
  /** strace's exit status (the program's, for a program that exited on its own). */
  exitCode: number | null;
  stoppedByUser: boolean;
  /**
   * Why the trace ended early, in words for the user (strace itself was killed or
   * crashed); null when the program exited or the user stopped it.
   */
  failure: string | null;
}

export class LiveTrace {
  readonly session: TraceSession;
  readonly strace: ChildProcess;
  readonly info: StraceInfo;
  readonly program: string;
  /** Resolves once strace has exited and its last line was read. */
  readonly done: Promise<TraceEnd>;
  private stopSnapshot: SnapshotJson | null = null;
  /** stop() was called (a trace's picture is taken before the kill; an attach's after the detach). */
  private stopRequested = false;
  private stopping: Promise<TraceEnd> | null = null;
  private straceExited = false;
  private updateTimer: ReturnType<typeof setTimeout> | null = null;
  private identifyTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the processes that appeared since the last identification are due for it (0: none waits). */
  private identifyAt = 0;
  private lastData = Date.now();
  private readonly tmp: string;
  private readonly locator: SiteLocator;
  private readonly fixer: FixProvider;
  /**
   * Start times of the live processes, read from /proc while strace traced them: once
   * strace is gone, TracerPid no longer says which processes were the trace's.
   */
  private readonly startTimes = new Map<ProcessNode, number>();
  /** The serial (ProcessNode.serial) of the last process looked at for identification. */
  private identified = 0;
  /** startTimes' size after its last pruning: it is pruned of exited processes when it doubles. */
  private prunedSize = 64;
  /** strace's own start time (clock ticks since boot): what the trace made started after it. */
  private straceStart: number | null = null;
  /** Zombies taken as reaped by an adopter outside the trace, to check in /proc. */
  private readonly unverified = new Set<ProcessNode>();
  /** Zombies /proc showed still held by such an adopter: checked until they are gone. */
  private readonly held = new Set<ProcessNode>();
  private verifyTimer: ReturnType<typeof setTimeout> | null = null;
  /** Where the program was started: a relative executable path in the trace is read from here. */
  private readonly cwd: string;
  /** The process attached to; null for a program the trace started. */
  readonly attach: AttachedProcess | null;
  private seedTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * Until the seed (seedAttach): what /proc showed as the attach began, for the views that ask
   * at once; null once the model holds the seed, and for a program the trace started. Its ids
   * that the seed leaves out (ended before strace attached) go in the next delta's `removed`.
   */
  private provisional: TraceSession | null = null;
  private unshown: string[] = [];

  private constructor(private readonly options: LiveTraceOptions) {
    const checks = timings.start();
    this.info = detectStrace(options.strace);
    timings.stop('strace checks (detection, ptrace)', checks);
    const cwd = options.cwd ?? process.cwd();
    this.cwd = cwd;
    const env = options.env ?? process.env;
    this.attach = options.attachPid !== undefined ? prepareAttach(options.attachPid) : null;
    this.program = this.attach ? this.attach.exe : resolveProgram(options.program, cwd, env);
    const precise = options.stackMode === 'precise';
    if (precise && !this.info.stackTrace) {
      throw new TraceError(
        `This strace (${this.info.path}, ${this.info.version}) was built without stack trace support, which the precise mode needs. Use the fast mode, or install a strace built with libunwind or libdw (Debian's and Ubuntu's are).`,
        'strace-failed',
      );
    }
    this.locator = options.locator;
    this.fixer = options.fixer ?? NO_FIXES;
    this.session = new TraceSession({
      lingerThreshold: options.lingerThreshold,
      keepReaped: options.keepReaped ?? DEFAULT_KEEP_REAPED,
      locate: options.locator,
    });
    this.session.model.onAdoption = (pid) => this.nameAdopter(pid);
    this.session.model.onInferredReap = (proc) => {
      this.unverified.add(proc);
      this.scheduleVerify();
    };
    timeSession(this.session);
    const starting = timings.start();
    this.tmp = mkdtempSync(join(tmpdir(), 'forktrace-'));
    const fifo = join(this.tmp, 'trace.fifo');
    const mk = spawnSync('mkfifo', ['-m', '600', fifo]);
    if (mk.status !== 0) throw new TraceError(`Could not create a FIFO in ${this.tmp}: ${mk.stderr?.toString().trim()}`, 'strace-failed');

    const log: WriteStream | null = options.logFile ? createWriteStream(options.logFile) : null;
    const mode = precise ? 'precise' : 'fast';
    const argv = this.attach ? attachStraceArgs(fifo, this.attach.pids, mode) : straceArgs(this.info, fifo, this.program, options.args ?? [], mode);
    timings.fact('strace', [this.info.path, ...argv]);
    this.strace = spawn(this.info.path, argv, {
      cwd,
      env,
      // Attached, there is no program of ours to give a terminal; strace's stderr says why an attach failed.
      stdio: this.attach ? ['ignore', 'ignore', 'pipe'] : (options.stdio ?? 'inherit'),
    });
    if (this.attach) {
      this.provisional = new TraceSession();
      seedBefore(this.provisional.model, this.attach.time, this.attach.existing);
      // The seed waits until strace has attached (its stderr says so, or its first records
      // come), then /proc is read again: what ended in between is not in it.
      this.attach.watch(this.strace, () => this.seedAttach());
      this.seedTimer = setTimeout(() => this.seedAttach(), SEED_LATEST_MS);
    }
    if (this.strace.pid !== undefined) this.straceStart = procStartTime(this.strace.pid);
    // Read the FIFO as a non-blocking pipe, in batches. Our own write end keeps it open
    // until strace has gone; then the reader drains it and ends.
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const holdFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    const reader = new FifoReader(readFd, (chunk) => {
      this.lastData = Date.now();
      this.seedAttach();
      log?.write(Buffer.from(chunk)); // the reader reuses its buffer
      this.session.push(chunk);
      // The program itself at once (everything it forks is its descendant); the rest soon after.
      if (this.identified === 0) this.identifyNewProcesses();
      else this.identifySoon();
      this.scheduleUpdate();
    });
    timings.stop('start strace (FIFO, spawn)', starting);
    const readerDone = reader.done;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error: Error | null }>((resolveExit) => {
      this.strace.on('error', (error) => resolveExit({ code: null, signal: null, error }));
      this.strace.on('exit', (code, signal) => resolveExit({ code: code ?? (signal ? 128 : null), signal, error: null }));
    });
    this.done = exited.then(async ({ code, signal, error }) => {
      this.straceExited = true;
      this.seedAttach();
      if (this.identifyTimer) clearTimeout(this.identifyTimer);
      closeSync(holdFd);
      reader.lookNow();
      await readerDone;
      // strace 6.1 has no --kill-on-exit: when strace dies (killed, crashed), the kernel
      // detaches its tracees and they run on, untraced. Kill what the trace knew as
      // alive, by pid and start time, and their descendants. After a normal end none is left.
      const wasRunning = this.session.model.livePids().length > 0;
      if (this.verifyTimer) clearTimeout(this.verifyTimer);
      if (!this.stopSnapshot) this.verifyAdopters(); // the picture at the end says who still holds a zombie
      const killing = timings.start();
      // Attached: nothing is ever killed; strace gone, the kernel detached what it traced.
      const survivors = this.attach ? [] : await killProcessTrees(this.liveIdentities());
      timings.stop('/proc: kill what is left at the end', killing);
      await new Promise<void>((r) => (log ? log.end(() => r()) : r()));
      this.session.finish();
      if (this.updateTimer) clearTimeout(this.updateTimer);
      this.options.onUpdate?.();
      rmSync(this.tmp, { recursive: true, force: true });
      if (error) throw new TraceError(`Could not start strace: ${error.message}`, 'strace-failed');
      const snapshot = this.stopSnapshot ?? this.withAttach(this.timedSnapshot());
      if (this.stopSnapshot) this.stopSnapshot.ended = true;
      if (this.attach && snapshot.attach) snapshot.attach.detached = this.attach.detached(this.session.model);
      // A signal alone proves nothing: strace dies by its program's fatal signal, to pass
      // it on. Killed itself, it leaves processes it had not seen exit.
      const failure = this.attach
        ? this.attach.failure(code, signal, this.stopRequested, this.strace.pid)
        : signal && !this.stopSnapshot && (wasRunning || survivors.length > 0)
          ? `strace (pid ${this.strace.pid}) was killed by ${signal}, so the trace ended early: the picture shows what it reported until then.${survivors.length === 1 ? ' 1 process it traced was still running and was killed.' : survivors.length > 1 ? ` ${survivors.length} processes it traced were still running and were killed.` : ''}`
          : null;
      return { snapshot, exitCode: code, stoppedByUser: this.stopRequested, failure };
    });
  }

  /**
   * Seeds the model with what the attach found that is still there, once: when strace has
   * attached (or its records come first, or it ended, or SEED_LATEST_MS passed).
   */
  private seedAttach(): void {
    if (!this.attach || !this.provisional) return;
    if (this.seedTimer) clearTimeout(this.seedTimer);
    const seeded = new Set(seedBefore(this.session.model, this.attach.time, this.attach.stillThere()).map((p) => p.id));
    this.unshown = this.provisional.model.processes.filter((p) => !seeded.has(p.id)).map((p) => p.id);
    this.provisional = null;
    this.scheduleUpdate();
  }

  /** The session the views read: the attach's provisional one until the seed, then the trace's. */
  private get shown(): TraceSession {
    return this.provisional ?? this.session;
  }

  /** The model the views read (see shown). */
  get model(): ProcessModel {
    return this.shown.model;
  }

  /** Starts the program under strace; throws TraceError with the fix when it cannot. */
  static start(options: LiveTraceOptions): LiveTrace {
    return new LiveTrace(options);
  }

  get pid(): number | undefined {
    return this.strace.pid;
  }

  get running(): boolean {
    return !this.straceExited;
  }

  /** What changed since the last delta: for live views, in place of whole snapshots. */
  delta(): SnapshotDelta {
    const model = this.model;
    this.markTime();
    const delta = buildDelta(model, this.locator, this.fixer);
    if (this.unshown.length > 0 && !this.provisional) {
      delta.removed = [...delta.removed, ...this.unshown];
      this.unshown = [];
    }
    return delta;
  }

  snapshot(): SnapshotJson {
    this.markTime();
    return this.withAttach(this.shown.snapshot(this.locator, this.fixer));
  }

  /**
   * The trace's time goes on while nothing happens (a zombie's "so far" grows). strace's -ttt
   * and Date.now() read the same clock (CLOCK_REALTIME); while records are still arriving the
   * log's own time stands, since what is read lags behind the clock.
   */
  private markTime(): void {
    if (!this.straceExited && Date.now() - this.lastData > QUIET_GAP_MS) this.model.markTime(Date.now() / 1000);
  }

  private withAttach(snapshot: SnapshotJson): SnapshotJson {
    if (this.attach) snapshot.attach = { pid: this.attach.pid, command: this.attach.command, detached: false };
    return snapshot;
  }

  private timedSnapshot(): SnapshotJson {
    const t0 = timings.start();
    const snapshot = this.session.snapshot(this.locator, this.fixer);
    timings.stop('snapshot', t0);
    return snapshot;
  }

  /** Snapshot first (zombies at end are counted now), then kill the whole traced tree. */
  stop(): Promise<TraceEnd> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      // What strace already wrote happened before the stop: let it arrive, then take the picture.
      this.stopRequested = true;
      await this.quiet();
      // Detaching kills nothing: the attach's picture is taken once strace has gone and all it
      // wrote was read. Taken before, on a busy server, it cut the log mid-stream (zombies the
      // next lines reaped were left zombies) and aged them by the wall clock, not the log's.
      if (!this.straceExited && !this.attach) {
        this.verifyAdopters();
        const t0 = timings.start();
        this.stopSnapshot = this.snapshot();
        timings.stop('snapshot', t0);
      }
      const stracePid = this.strace.pid;
      if (this.attach) {
        // Detach: strace lets every tracee go on SIGINT. Nothing of the process is killed.
        if (!this.straceExited) await this.attach.detach(this.strace, this.done);
      } else if (stracePid !== undefined && !this.straceExited) {
        // Every task of the trace, double-forked escapees included, is a tracee of
        // strace; strace exits by itself once the last one is gone.
        const deadline = Date.now() + 10_000;
        while (!this.straceExited && Date.now() < deadline) {
          killTraceesOf(stracePid, this.session.model.livePids());
          await Promise.race([this.done.catch(() => undefined), sleep(25)]);
        }
        if (!this.straceExited) this.strace.kill('SIGKILL');
      }
      return this.done;
    })();
    return this.stopping;
  }

  /** Resolves once no trace data arrived for a moment (at most `QUIET_MAX_MS`). */
  private async quiet(): Promise<void> {
    const start = Date.now();
    while (!this.straceExited && Date.now() - start < QUIET_MAX_MS && Date.now() - this.lastData < QUIET_GAP_MS) {
      await sleep(QUIET_GAP_MS);
    }
  }

  private scheduleUpdate(): void {
    const onUpdate = this.options.onUpdate;
    if (!onUpdate || this.updateTimer) return;
    this.updateTimer = setTimeout(() => {
      this.updateTimer = null;
      onUpdate();
    }, this.options.updateIntervalMs ?? UPDATE_MS);
  }

  /**
   * Identifies new processes a moment after they appear, not at once: most children of a
   * fork-per-connection server are gone by then, and reading /proc twice for each of them
   * was half of Fork Trace's own CPU time in a trace (0.26 s of CPU for 2,000 children).
   * A process whose parent is identified is covered anyway (killProcessTrees takes the
   * descendants of every identified process); one that leaves that tree, an orphan, is
   * identified the moment it is adopted (nameAdopter). While records keep arriving, a later
   * read does it (a timer of its own was one more wakeup every 25 ms); the timer is for
   * when they stop.
   */
  private identifySoon(): void {
    const now = Date.now();
    if (this.identifyAt === 0) {
      this.identifyAt = now + IDENTIFY_DELAY_MS;
      this.identifyTimer = setTimeout(() => this.identifyNow(), IDENTIFY_LATEST_MS);
    } else if (now >= this.identifyAt) {
      this.identifyNow();
    }
  }

  private identifyNow(): void {
    if (this.identifyTimer) clearTimeout(this.identifyTimer);
    this.identifyTimer = null;
    this.identifyAt = 0;
    if (!this.straceExited) this.identifyNewProcesses();
  }

  /** Records the start time of every process that appeared since the last call and is still ours. */
  private identifyNewProcesses(): void {
    const processes = this.session.model.processes;
    // In the order they appeared (folding removes some): the new ones are at the end.
    let i = processes.length;
    while (i > 0 && processes[i - 1].serial > this.identified) i--;
    for (; i < processes.length; i++) {
      const p = processes[i];
      if (p.pid <= 0) break; // the first process before strace named its pid: try again later
      this.identified = p.serial;
      // Exited already (nothing to kill later), or identified already as an orphan.
      if (!p.alive || this.startTimes.has(p)) continue;
      // The child of an identified live process is among its descendants, which killProcessTrees
      // takes; orphaned, it is identified when adopted (nameAdopter). Reading /proc twice for
      // each child of a fork-per-connection server was most of the /proc time in a trace.
      const parent = p.parent;
      if (parent && parent.alive && this.startTimes.has(parent)) continue;
      this.identify(p);
    }
    // Exited ones need no killing: forgetting them keeps a long trace's memory flat.
    if (this.startTimes.size > 2 * this.prunedSize) {
      for (const p of this.startTimes.keys()) if (!p.alive) this.startTimes.delete(p);
      this.prunedSize = Math.max(64, this.startTimes.size);
    }
  }

  private identify(p: ProcessNode): void {
    const t0 = timings.start();
    // Only a tracee of our strace is the process the model means (pids get reused).
    const start = procStartTime(p.pid);
    if (start !== null && readProcStatus(p.pid)?.tracerPid === this.strace.pid) this.startTimes.set(p, start);
    timings.stop('/proc: identify new processes', t0);
  }

  /**
   * pid → start time of the processes the model holds as alive, as identified while traced;
   * and those strace died before they could be (killed before this process first read the
   * FIFO, or between two looks): a process that started after strace did and still runs
   * what the trace knew it ran (its name, or its executable: prctl(PR_SET_NAME) renames) is
   * the trace's.
   */
  private liveIdentities(): Map<number, number> {
    const out = new Map<number, number>();
    for (const [p, start] of this.startTimes) if (p.alive) out.set(p.pid, start);
    const since = this.straceStart;
    if (since === null) return out;
    const model = this.session.model;
    for (const pid of model.livePids()) {
      const p = model.processByPid(pid);
      if (!p || this.startTimes.has(p) || out.has(pid)) continue;
      const start = procStartTime(pid);
      if (start !== null && start >= since && this.stillRuns(pid, p)) out.set(pid, start);
    }
    return out;
  }

  /** Whether pid still bears p's name (comm) or runs p's executable. */
  private stillRuns(pid: number, p: ProcessNode): boolean {
    if (readComm(pid) === p.command.slice(0, TASK_COMM_LEN)) return true;
    if (p.executable === null) return false;
    const exe = readProcLink(pid, 'exe');
    if (exe === null) return false;
    try {
      return exe === realpathSync(resolve(this.cwd, p.executable));
    } catch {
      return false; // the executable the trace knew is gone, or was never a path here
    }
  }

  private scheduleVerify(): void {
    if (this.verifyTimer || this.straceExited) return;
    this.verifyTimer = setTimeout(() => {
      this.verifyTimer = null;
      this.verifyAdopters();
      if (this.held.size > 0) this.scheduleVerify();
      this.options.onUpdate?.();
    }, VERIFY_DELAY_MS);
  }

  /**
   * An adopter outside the trace reaps unseen, so the model takes its zombies as reaped
   * when they appear. /proc says whether that is so: init reaps at once on most machines,
   * late on some, and a container's pid 1 that is not an init never does.
   */
  private verifyAdopters(): void {
    const t0 = timings.start();
    this.verifyAdoptersNow();
    timings.stop('/proc: check adopted zombies', t0);
  }

  private verifyAdoptersNow(): void {
    const now = Date.now() / 1000;
    const model = this.session.model;
    // A named adopter's children in one read each: an init that never reaps can hold
    // thousands of a busy server's zombies, too many to read one by one four times a second.
    const childrenByAdopter = new Map<number, Set<number> | null>();
    const childrenOfAdopter = (pid: number): Set<number> | null => {
      if (!childrenByAdopter.has(pid)) childrenByAdopter.set(pid, childrenOf(pid));
      return childrenByAdopter.get(pid) ?? null;
    };
    for (const p of [...this.unverified, ...this.held]) {
      this.unverified.delete(p);
      const wasHeld = this.held.delete(p);
      const adopter = p.adoptions[p.adoptions.length - 1]?.pid ?? null;
      const children = adopter !== null && wasHeld ? childrenOfAdopter(adopter) : null;
      let ours: boolean;
      if (children) {
        // Still its adopter's child, so still its zombie (an exited process cannot come back).
        ours = children.has(p.pid) && model.processByPid(p.pid) === p;
      } else {
        const status = readProcStatus(p.pid);
        // Its pid belongs to another process now (in the trace, or a zombie of someone else's).
        ours = status !== null && status.state === 'Z' && (adopter === null || status.ppid === adopter) && model.processByPid(p.pid) === p;
        // A zombie's parent is its adopter: now it is named (and later checks read its children).
        if (ours && adopter === null && status) model.observeAdopter(p.pid, status.ppid, readComm(status.ppid));
      }
      if (ours) {
        if (!wasHeld) model.adopterHolds(p);
        this.held.add(p);
      } else if (wasHeld) {
        model.adopterReaped(p, now);
        this.unverified.delete(p); // its reaping, reported again through onInferredReap, was just seen
      }
    }
  }

  /** An orphan's new parent, read from /proc while it is still alive. */
  private nameAdopter(pid: number): void {
    const status = readProcStatus(pid);
    // Only a tracee of ours is the process the model means (pids get reused).
    if (!status || status.ppid <= 0 || status.tracerPid !== this.strace.pid) return;
    this.session.model.observeAdopter(pid, status.ppid, readComm(status.ppid));
    // Out of its traced ancestors' tree now: if strace dies, only its own identity finds it.
    const orphan = this.session.model.processByPid(pid);
    if (orphan && orphan.alive && !this.startTimes.has(orphan)) this.identify(orphan);
  }
}

/** How often the watchers of a live trace (the panel, the status bar, the Call Stack view) hear of new events. */
const UPDATE_MS = 150;
/** The kernel keeps a command name to 15 characters (/proc/PID/comm). */
const TASK_COMM_LEN = 15;
/** How long after its first record a process is identified in /proc: at the first read after this… */
const IDENTIFY_DELAY_MS = 25;
/** …or at the latest after this, when no more records come. */
const IDENTIFY_LATEST_MS = 50;
/** How often zombies of adopters outside the trace are looked for in /proc. */
const VERIFY_DELAY_MS = 250;
const QUIET_GAP_MS = 40;
/** An attach's seed waits for strace to say it attached at most this long (it says so in milliseconds). */
const SEED_LATEST_MS = 2000;
const QUIET_MAX_MS = 300;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
