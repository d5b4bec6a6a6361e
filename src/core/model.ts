// The process model: design.md §2 applied one event at a time. Processes are thread
// groups; a reused pid is a new process; a zombie lasts from exit to the parent's
// reaping wait; orphans go to the nearest living subreaper, else outside the trace.
import { basename, decodeString, decodeStringArray, fieldValue, flagSet, hasFlag, leadingInt, splitArgs } from './args';
import type { ExitEvent, ParseWarning, Seconds, SignalEvent, SupersededEvent, SyscallEvent, TraceEvent } from './events';

/** A traced call whose source line may be resolved later (fork site, wait, sigaction). */
export interface CallSite {
  event: SyscallEvent;
  /** The program the calling process was running then (its latest exec), if known. */
  executable: string | null;
  /** The calling process's argv then: an interpreter's names the script it runs. */
  argv?: readonly string[];
  /**
   * A wait that reaped a child which had exec'd. A language library's spawn (Go's
   * exec.Cmd.Start, Rust's Command::spawn) waits inside itself only for a child whose exec
   * failed, so that wait cannot have been this one.
   */
  reapedExecedChild?: boolean;
  /**
   * The same thread's next call, when that was rt_sigprocmask right after this clone3:
   * glibc's posix_spawn (so system(), popen() and Rust's Command::spawn) restores the
   * signal mask there, in the same function. strace cannot unwind clone3's own stack
   * past glibc's clone3 code, so in a precise (-k) trace that call's frames stand in.
   */
  following?: SyscallEvent;
  /**
   * For a fork site: what the child it made ran first. system() and popen() always run
   * `sh -c`, so a child that ran another program was made by neither. Absent: not yet
   * (or never) exec'd.
   */
  childExec?: 'shell' | 'program';
  /**
   * For a fork site: where the calling process's control flow came from, so the resolver
   * can follow it (see sites/flow.ts). Its previous fork-family call (the child starts after
   * its parent's), `exec` when it exec'd since, null when that is not known (a thread
   * other than the leader made the call, the process has threads, or it was already
   * running when the trace began).
   */
  after?: FlowAnchor;
}

/** See CallSite.after. */
export type FlowAnchor = CallSite | 'exec' | null;

export interface SigchldDisposition {
  action: 'default' | 'ignore' | 'handler';
  restart: boolean;
  nocldwait: boolean;
  site: CallSite | null;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
  core: boolean;
}

export interface ExitRecord {
  time: Seconds;
  code: number | null;
  signal: string | null;
  core: boolean;
}

export interface ReapRecord {
  time: Seconds;
  by: ProcessNode | null;
  byPid: number | null;
  how: 'wait' | 'auto' | 'adopter' | 'tracer';
  seen: boolean;
  /** The reaping wait, kept only when the zombie lingered past the threshold. */
  site: CallSite | null;
}

export interface Adoption {
  time: Seconds;
  /** The traced adopter, or null when it is outside the trace. */
  adopter: ProcessNode | null;
  pid: number | null;
  command: string | null;
  /** The process whose exit orphaned this one. */
  formerParent: ProcessNode;
  /** It had exited already: a zombie its parent never reaped, not a living orphan. */
  wasZombie: boolean;
}

export interface ExecRecord {
  time: Seconds;
  path: string;
  argv: string[];
}

export class ProcessNode {
  /** Forking parent (never strace); null for the root or when unknown. */
  parent: ProcessNode | null = null;
  /** Who reaps it now: the parent, then an adopter; null when that is outside the trace. */
  owner: ProcessNode | null = null;
  /** Who reaped-or-should-reap it when it exited. */
  ownerAtExit: ProcessNode | null = null;
  command: string;
  argv: string[];
  /** Its own execs, in order (a forked child starts with none: it runs its parent's image). */
  execs: readonly ExecRecord[] = NONE;
  /** The program it runs now: its last exec, or what its parent ran when it forked. */
  image: string | null = null;
  exit: ExitRecord | null = null;
  zombieFrom: Seconds | null = null;
  reaped: ReapRecord | null = null;
  adoptions: readonly Adoption[] = NONE;
  /** Its live threads: the leader alone, usually; a Set only once it has others. */
  readonly liveTids = new TidSet();
  threadCount = 1;
  /** Never changed in place: shared with the children that inherit it. */
  sigchld: SigchldDisposition = DEFAULT_SIGCHLD;
  subreaper = false;
  /** It set its own SIGCHLD disposition (so inheriting the parent's must not overwrite it). */
  ownSigchld = false;
  /** Its children that exited since its last SIGCHLD delivery: what one pending SIGCHLD stands for. */
  exitsSinceDelivery: readonly ProcessNode[] = NONE;
  /** Unreaped children it owns now (alive or zombie); null until it has had one. */
  children: Set<ProcessNode> | null = null;
  forkSite: CallSite | null = null;
  /** Its main thread's latest fork-family call, or exec (see CallSite.after); undefined until it made one or was linked. */
  flow: FlowAnchor | undefined = undefined;
  /** Its latest wait call (any result), for locating where reaping belongs. */
  lastWait: CallSite | null = null;
  /** True once a traced process created it or it was the first one seen. */
  linked = false;
  /** Started by strace itself (its first record is the execve strace made). */
  launchedByTracer = false;
  /**
   * A wait that reaped it before its exit record was read: in `-ff` files a blocking
   * wait carries its entry time, so it can sort before the exit it waited for.
   */
  pendingReap: { waiter: ProcessNode; site: CallSite; time: Seconds; status: ExitStatus } | null = null;
  /** The model's change round it was last listed as changed in. */
  changedIn = 0;
  /** The exit record of the leader thread, kept until the last thread is gone. */
  leaderExit: ExitEvent | null = null;

  constructor(
    public id: string,
    public pid: number,
    public start: Seconds,
    command: string,
    argv: string[],
  ) {
    this.command = command;
    this.argv = argv;
    this.liveTids.add(pid);
  }

  get alive(): boolean {
    return this.exit === null;
  }

  get isZombie(): boolean {
    return this.exit !== null && this.reaped === null;
  }

  get executable(): string | null {
    return this.image;
  }
}

/** An empty list shared by every process that has none (most have no execs, adoptions…). */
const NONE: readonly never[] = Object.freeze([]);

/** `list` with `item` at its end: a new array in place of the shared empty one, else the same one. */
function appended<T>(list: readonly T[], item: T): readonly T[] {
  if (list === NONE) return [item];
  (list as T[]).push(item);
  return list;
}

interface CloneFlags {
  readonly thread: boolean;
  readonly parent: boolean;
}

const NO_CLONE_FLAGS: CloneFlags = { thread: false, parent: false };

const DEFAULT_SIGCHLD: SigchldDisposition = Object.freeze({ action: 'default', restart: false, nocldwait: false, site: null });

/** A process's live thread ids: one number for a single-threaded process, a Set beyond. */
export class TidSet {
  private single = -1;
  private many: Set<number> | null = null;

  get size(): number {
    return this.many ? this.many.size : this.single >= 0 ? 1 : 0;
  }

  has(tid: number): boolean {
    return this.many ? this.many.has(tid) : this.single === tid;
  }

  add(tid: number): void {
    if (this.many) this.many.add(tid);
    else if (this.single < 0 || this.single === tid) this.single = tid;
    else this.many = new Set([this.single, tid]);
  }

  delete(tid: number): void {
    if (this.many) this.many.delete(tid);
    else if (this.single === tid) this.single = -1;
  }

  clear(): void {
    this.single = -1;
    this.many = null;
  }

  values(): number[] {
    return this.many ? [...this.many] : this.single >= 0 ? [this.single] : [];
  }
}

/** One run of a SIGCHLD handler: from delivery to rt_sigreturn. */
interface HandlerRun {
  tid: number;
  start: Seconds;
  reaped: number;
  /** A wait in the handler returned 0 or ECHILD: it looped until nothing was left. */
  drained: boolean;
  lastWait: CallSite | null;
  /** The children whose exits this one signal stood for (signals of one kind do not queue). */
  covered: readonly ProcessNode[];
}

export interface CoalescingRecord {
  times: number;
  firstTime: Seconds;
  leftBehind: Set<ProcessNode>;
  handlerWait: CallSite | null;
}

/** fork/clone calls that failed (EAGAIN at the process limit, ENOMEM, …): no child was made. */
export interface ForkFailureRecord {
  times: number;
  errno: string;
  firstTime: Seconds;
  site: CallSite;
}

export interface EintrRecord {
  process: ProcessNode;
  call: string;
  times: number;
  firstTime: Seconds;
  site: CallSite;
  /** ERESTARTNOHAND calls (select, poll, …) fail with EINTR even with SA_RESTART. */
  restartWouldHelp: boolean;
  sigaction: CallSite | null;
}

/** exec resets handled signals to SIG_DFL and clears every sa_flags; SIG_IGN stays. */
function afterExec(d: SigchldDisposition): SigchldDisposition {
  return { action: d.action === 'ignore' ? 'ignore' : 'default', restart: false, nocldwait: false, site: d.site };
}

const FORK_CALLS = new Set(['clone', 'clone3', 'fork', 'vfork']);
const EXEC_CALLS = new Set(['execve', 'execveat']);
const WAIT_CALLS = new Set(['wait4', 'waitpid', 'waitid']);
const SIGACTION_CALLS = new Set(['rt_sigaction', 'sigaction', 'signal']);

/** The calls the model reads; a parser may skip the rest while `wantsEveryCall` is false. */
export const MODEL_CALLS: ReadonlySet<string> = new Set([
  ...FORK_CALLS,
  ...EXEC_CALLS,
  ...WAIT_CALLS,
  ...SIGACTION_CALLS,
  'prctl',
  'getppid',
  'rt_sigreturn',
  'sigreturn',
  // Read for the frames after a clone3 in a precise trace (see CallSite.following).
  'rt_sigprocmask',
]);

export interface ModelOptions {
  /** Report zombies that lasted longer than this before being reaped (seconds). */
  lingerThreshold?: number;
}

export class ProcessModel {
  readonly processes: ProcessNode[] = [];
  readonly warnings: ParseWarning[] = [];
  readonly coalescing = new Map<ProcessNode, CoalescingRecord>();
  readonly eintr = new Map<string, EintrRecord>();
  readonly forkFailures = new Map<ProcessNode, ForkFailureRecord>();
  readonly lingerThreshold: number;
  origin: Seconds = NaN;
  lastTime: Seconds = NaN;
  ended = false;
  zombiesNow = 0;
  maxZombies = 0;
  /** Called when a process is adopted by someone outside the trace (a live trace reads /proc). */
  onAdoption: ((pid: number) => void) | null = null;
  /**
   * Called when a zombie is taken as reaped by an adopter outside the trace: that reaping
   * is inferred, and a live trace can check it in /proc (adopterHolds, adopterReaped).
   */
  onInferredReap: ((proc: ProcessNode) => void) | null = null;
  /** Bumped on every change, so views can tell whether to redraw. */
  version = 0;
  /** Processes changed since the last `takeChanged()`: each once, marked with `changeRound`. */
  private changed: ProcessNode[] = [];
  private changeRound = 1;

  private readonly byTid = new Map<number, ProcessNode>();
  private readonly byPid = new Map<number, ProcessNode>();
  /** Processes not exited yet: scanning byPid for them on every unprefixed line was O(pids seen). */
  private readonly running = new Set<ProcessNode>();
  private readonly reuseCount = new Map<number, number>();
  private readonly handlerRuns = new Map<ProcessNode, HandlerRun>();
  private readonly interruptedByTid = new Map<number, SyscallEvent>();
  /** A slow call SIGCHLD interrupted in a process whose disposition the log never showed: rt_sigreturn tells. */
  private readonly unknownDispositionEintr = new Map<number, { proc: ProcessNode; call: SyscallEvent }>();
  /** Pids strace announced as attached: new tasks, never the unnamed root. */
  private readonly announced = new Set<number>();
  /** The first process, while strace printed no pid for it yet. */
  private unnamedRoot: ProcessNode | null = null;
  private sigreturnTraced = false;
  /** A clone3 that made a process, by the tid that made it, until that thread's next call. */
  private readonly clone3AwaitingNextCall = new Map<number, CallSite>();
  /** The first fork-family call of a process not yet linked to its parent's clone: it came right after that clone. */
  private readonly flowBeforeLink = new Map<ProcessNode, CallSite>();
  private lastCloneArgs = '';
  private lastCloneFlags: CloneFlags = NO_CLONE_FLAGS;
  private maxWarnings = 1000;
  private droppedWarnings = 0;

  constructor(options: ModelOptions = {}) {
    this.lingerThreshold = options.lingerThreshold ?? 1;
  }

  get droppedWarningCount(): number {
    return this.droppedWarnings;
  }

  warn(warning: ParseWarning): void {
    if (this.warnings.length < this.maxWarnings) this.warnings.push(warning);
    else this.droppedWarnings++;
  }

  /** A warning about an event: its line and, from a -ff directory, its file (the line number alone names no line there). */
  private warnAt(event: TraceEvent, reason: string): void {
    this.warn(event.file === undefined ? { line: event.line, reason } : { line: event.line, reason, file: event.file });
  }

  /** Processes whose state changed since the last call. */
  takeChanged(): ProcessNode[] {
    const out = this.changed;
    this.changed = [];
    this.changeRound++;
    return out;
  }

  livePids(): number[] {
    const out: number[] = [];
    for (const p of this.processes) if (p.alive && p.pid > 0) out.push(p.pid);
    return out;
  }

  processByPid(pid: number): ProcessNode | undefined {
    return this.byPid.get(pid);
  }

  apply(event: TraceEvent): void {
    if (!Number.isNaN(event.time)) {
      if (Number.isNaN(this.origin)) this.origin = event.time;
      this.lastTime = event.time;
    }
    if (event.kind === 'message') {
      if (event.attachedPid !== null) this.announced.add(event.attachedPid);
      return;
    }
    const proc = this.taskOwner(event);
    if (!proc) return;
    this.version++;
    switch (event.kind) {
      case 'syscall':
        this.syscall(proc, event);
        break;
      case 'exit':
        this.taskExit(proc, event);
        break;
      case 'superseded':
        this.superseded(proc, event);
        break;
      case 'signal':
        this.signal(proc, event);
        break;
    }
  }

  /** The trace is over: whatever is a zombie now stays counted as one at the end. */
  finish(): void {
    for (const p of this.processes) {
      if (!p.pendingReap || p.exit) continue;
      // The wait's status is the only record of this exit.
      const { status, time, site } = p.pendingReap;
      this.warnAt(site.event, `${site.event.name} reaped pid ${p.pid}, but the trace never showed it exit`);
      this.processExit(p, time, status.code, status.signal, status.core);
    }
    for (const p of this.processes) {
      // Exited, and no traced clone ever named it: its parent is outside the trace (strace -p).
      if (p.exit && !p.linked && !p.reaped) this.reap(p, p.exit.time, null, null, 'wait', false, null);
    }
    for (const [proc, run] of this.handlerRuns) this.endHandler(proc, run);
    this.handlerRuns.clear();
    this.ended = true;
    this.version++;
  }

  /**
   * Other calls matter only while a handler may end without a traced rt_sigreturn, or
   * an interrupted call waits for its signal.
   */
  get wantsEveryCall(): boolean {
    return (this.handlerRuns.size > 0 && !this.sigreturnTraced) || this.interruptedByTid.size > 0;
  }

  /** A live trace's clock reading: the picture reaches up to now, not just to the last event. */
  markTime(time: Seconds): void {
    if (Number.isFinite(this.origin) && time > this.lastTime) this.lastTime = time;
  }

  /** What a live trace read from /proc: `pid`'s parent is now `adopterPid`. */
  observeAdopter(pid: number, adopterPid: number, command: string | null): void {
    const proc = this.byPid.get(pid);
    if (!proc) return;
    const adoption = proc.adoptions[proc.adoptions.length - 1];
    if (!adoption || adoption.adopter) return;
    adoption.pid = adopterPid;
    if (command !== null) adoption.command = command;
    this.touch(proc);
  }

  /**
   * What a live trace read from /proc: this zombie, taken as reaped by its adopter outside
   * the trace, is still there. It is a zombie again, until adopterReaped.
   */
  adopterHolds(proc: ProcessNode): void {
    if (!proc.exit || !proc.reaped || proc.reaped.how !== 'adopter' || proc.reaped.seen) return;
    proc.reaped = null;
    this.zombiesNow++;
    if (this.zombiesNow > this.maxZombies) this.maxZombies = this.zombiesNow;
    this.version++;
    this.touch(proc);
  }

  /** …and by `time` it was gone: its adopter reaped it then, or before (unseen). */
  adopterReaped(proc: ProcessNode, time: Seconds): void {
    if (!proc.isZombie || proc.adoptions.length === 0) return;
    this.markTime(time);
    this.reap(proc, Math.max(time, proc.exit!.time), null, null, 'adopter', false, null);
    this.version++;
  }

  // --- tasks and processes -------------------------------------------------------

  private touch(proc: ProcessNode): void {
    if (proc.changedIn === this.changeRound) return;
    proc.changedIn = this.changeRound;
    this.changed.push(proc);
  }

  /** `1234` for the first process with a pid, `1234.2` for the next one that reuses it. */
  private nextId(pid: number): string {
    const n = this.reuseCount.get(pid) ?? 0;
    this.reuseCount.set(pid, n + 1);
    return n === 0 ? String(pid) : `${pid}.${n + 1}`;
  }

  private newProcess(pid: number, time: Seconds, template: ProcessNode | null): ProcessNode {
    const proc = new ProcessNode(this.nextId(pid), pid, time, template?.command ?? '?', template ? template.argv : []);
    if (template) {
      // fork copies dispositions; the subreaper attribute is not inherited.
      proc.sigchld = template.sigchld;
      proc.image = template.image;
    }
    this.processes.push(proc);
    this.running.add(proc);
    this.byPid.set(pid, proc);
    this.byTid.set(pid, proc);
    this.touch(proc);
    return proc;
  }

  /** The process a record belongs to, creating what the record proves exists. */
  private taskOwner(event: Exclude<TraceEvent, { kind: 'message' }>): ProcessNode | null {
    if (event.pid === null) return this.unprefixedOwner(event);
    const known = this.byTid.get(event.pid);
    // A record other than a call may come from a tid no longer listed live (the thread that
    // exec'd, before its `superseded` line), but never from a process that is gone: then the
    // pid was reused, and the record is the new process's (its parent's clone may not have returned).
    if (known && (known.liveTids.has(event.pid) || (event.kind !== 'syscall' && known.alive))) return this.noteComm(known, event);
    if (this.unnamedRoot && !this.announced.has(event.pid)) {
      // strace printed no pid while one task existed; the first unannounced pid is the root's.
      const root = this.unnamedRoot;
      this.unnamedRoot = null;
      this.byTid.delete(root.pid);
      this.byPid.delete(root.pid);
      root.liveTids.delete(root.pid);
      this.reuseCount.delete(0);
      root.pid = event.pid;
      root.id = this.nextId(event.pid);
      root.liveTids.add(event.pid);
      this.byTid.set(event.pid, root);
      this.byPid.set(event.pid, root);
      return this.noteComm(root, event);
    }
    // A pid never seen, or one whose process is gone: a new process, whose parent's
    // clone may not have returned yet (its first record can come first).
    const proc = this.newProcess(event.pid, event.time, null);
    if (this.processes.length === 1) this.markRoot(proc, event);
    return this.noteComm(proc, event);
  }

  private unprefixedOwner(event: Exclude<TraceEvent, { kind: 'message' }>): ProcessNode {
    // Without -o, strace prefixes pids only while more than one task is traced.
    let only: ProcessNode | null = null;
    let count = 0;
    for (const p of this.running) {
      if (p.alive && this.byPid.get(p.pid) === p) {
        only = p;
        count++;
        if (count > 1) break;
      }
    }
    if (count === 1 && only) return this.noteComm(only, event);
    if (this.unnamedRoot) return this.unnamedRoot;
    if (this.processes.length > 0) return this.processes[0];
    const root = this.newProcess(0, event.time, null);
    this.unnamedRoot = root;
    this.markRoot(root, event);
    return this.noteComm(root, event);
  }

  private markRoot(root: ProcessNode, event: TraceEvent): void {
    root.linked = true;
    root.launchedByTracer = event.kind === 'syscall' && EXEC_CALLS.has(event.name);
  }

  private noteComm(proc: ProcessNode, event: TraceEvent): ProcessNode {
    if (event.comm !== undefined && proc.execs.length === 0 && proc.command === '?') proc.command = event.comm;
    return proc;
  }

  // --- syscalls ------------------------------------------------------------------

  private syscall(proc: ProcessNode, event: SyscallEvent): void {
    const tid = event.pid ?? proc.pid;
    const name = event.name;
    if (this.clone3AwaitingNextCall.size > 0) {
      const fork = this.clone3AwaitingNextCall.get(tid);
      this.clone3AwaitingNextCall.delete(tid);
      // Frames follow their record in the log: the resolver reads them later.
      if (fork && name === 'rt_sigprocmask') fork.following = event;
    }
    const run = this.handlerRuns.get(proc);
    if (name === 'rt_sigreturn' || name === 'sigreturn') {
      this.sigreturnTraced = true;
      const unknown = this.unknownDispositionEintr.get(tid);
      this.unknownDispositionEintr.delete(tid);
      // The program saw EINTR: the handler lacked SA_RESTART, though the log never showed it installed.
      if (unknown && event.errno === 'EINTR') this.recordEintr(unknown.proc, unknown.call);
      if (run && run.tid === tid) {
        this.endHandler(proc, run);
        this.handlerRuns.delete(proc);
      }
      return;
    }
    if (run && run.tid === tid && !WAIT_CALLS.has(name) && !this.sigreturnTraced) {
      // No rt_sigreturn in this log: the handler ended by the next call that is not a wait.
      this.endHandler(proc, run);
      this.handlerRuns.delete(proc);
    }
    if (event.errno !== null && event.errno.startsWith('ERESTART')) {
      this.interruptedByTid.set(tid, event);
      return;
    }
    this.interruptedByTid.delete(tid);
    if (FORK_CALLS.has(name)) return this.forkCall(proc, event);
    if (EXEC_CALLS.has(name)) return this.execCall(proc, event, tid);
    if (WAIT_CALLS.has(name)) return this.waitCall(proc, event);
    if (SIGACTION_CALLS.has(name)) return this.sigactionCall(proc, event);
    if (name === 'prctl') return this.prctlCall(proc, event);
    if (name === 'getppid') return this.getppidCall(proc, event);
  }

  private site(proc: ProcessNode, event: SyscallEvent): CallSite {
    return { event, executable: proc.executable, argv: proc.argv };
  }

  /** The call's site, linked to where the process's control flow came from (CallSite.after), which it now is. */
  private flowSite(proc: ProcessNode, event: SyscallEvent): CallSite {
    const site = this.site(proc, event);
    const leader = (event.pid ?? proc.pid) === proc.pid && proc.threadCount === 1;
    site.after = leader ? proc.flow ?? null : null;
    // Its records came before its parent's clone returned: where it started is known only then.
    if (leader && proc.flow === undefined && !proc.linked) this.flowBeforeLink.set(proc, site);
    if (leader) proc.flow = site;
    return site;
  }

  private forkCall(proc: ProcessNode, event: SyscallEvent): void {
    const childPid = Number(event.result);
    if (event.result === '-1' && event.errno) {
      const site = this.flowSite(proc, event);
      const known = this.forkFailures.get(proc);
      if (known) known.times++;
      else this.forkFailures.set(proc, { times: 1, errno: event.errno, firstTime: event.time, site });
      this.touch(proc);
      return;
    }
    if (!Number.isInteger(childPid) || childPid <= 0) return; // ERESTARTNOINTR: restarted, no child yet
    // fork and vfork never share the thread group or the parent.
    const flags = event.name === 'fork' || event.name === 'vfork' ? NO_CLONE_FLAGS : this.cloneFlags(event.args);
    const time = event.entryTime ?? event.time;
    // With threads, their forks can come between the main thread's: flowSite follows no more.
    if (flags.thread) return this.threadCreated(proc, childPid);
    const parent = flags.parent ? proc.owner : proc;
    let child = this.byPid.get(childPid);
    if (child && !child.linked && child.reaped === null) {
      // Its records (even its whole life) came before the parent's clone returned: same process.
    } else {
      if (child && child.alive) {
        this.warnAt(event, `clone returned pid ${childPid}, which the trace still had as running; treating it as a new process`);
      } else if (child && child.reaped === null) {
        // The kernel reuses a pid only after reaping: someone outside the trace did it.
        this.reap(child, time, null, null, 'adopter', false, null);
      }
      child = this.newProcess(childPid, time, proc);
    }
    if (!child.linked) {
      // Records seen before the clone returned were the child's own; what it had not
      // replaced by exec yet it inherited from the parent.
      const execed = child.execs.length > 0;
      if (!execed) {
        child.command = proc.command;
        child.argv = proc.argv;
        child.image = proc.image;
      }
      if (!child.ownSigchld) child.sigchld = execed ? afterExec(proc.sigchld) : proc.sigchld;
    }
    // It existed from the moment the clone was entered, even if its first record came first.
    if (time < child.start) child.start = time;
    child.linked = true;
    child.parent = parent;
    child.owner = parent;
    child.forkSite = this.flowSite(proc, event);
    // The child starts where the call returns in it: its first fork came from there, if it made one already.
    const first = this.flowBeforeLink.get(child);
    if (first) {
      first.after = child.forkSite;
      this.flowBeforeLink.delete(child);
    }
    if (child.flow === undefined) child.flow = child.forkSite;
    // A vfork-style child (posix_spawn, system) execs before its parent's clone returns.
    if (child.execs.length > 0) child.forkSite.childExec = childExecOf(child.execs[0].path, child.execs[0].argv);
    if (event.name === 'clone3') this.clone3AwaitingNextCall.set(event.pid ?? proc.pid, child.forkSite);
    if (parent) (parent.children ??= new Set()).add(child);
    if (child.exit) {
      // It exited before we knew its parent: it is that parent's zombie now.
      child.ownerAtExit = parent;
      this.settleExit(child, child.exit.time);
    }
    this.touch(child);
    this.touch(proc);
  }

  /** CLONE_THREAD and CLONE_PARENT in a clone's arguments; the parser gives a repeated text as the same string. */
  private cloneFlags(args: string): CloneFlags {
    if (args !== this.lastCloneArgs) {
      const flags = fieldValue(args, 'flags');
      this.lastCloneArgs = args;
      this.lastCloneFlags = { thread: hasFlag(flags, 'CLONE_THREAD'), parent: hasFlag(flags, 'CLONE_PARENT') };
    }
    return this.lastCloneFlags;
  }

  private threadCreated(proc: ProcessNode, tid: number): void {
    const early = this.byTid.get(tid);
    let exited = false;
    if (early && early !== proc && !early.linked) {
      // A thread whose exit was seen already is not live (else its process never exits), nor a zombie.
      exited = early.exit !== null;
      if (exited && !early.reaped) this.zombiesNow--;
      // The thread's first record came before clone returned; it was never a process.
      const at = this.processes.indexOf(early);
      if (at >= 0) this.processes.splice(at, 1);
      this.flowBeforeLink.delete(early);
      this.running.delete(early);
      if (this.byPid.get(tid) === early) this.byPid.delete(tid);
      const n = this.reuseCount.get(tid) ?? 1;
      if (n <= 1) this.reuseCount.delete(tid);
      else this.reuseCount.set(tid, n - 1);
      // What the thread forked or reaped meanwhile, its process did (else a parentId named no process).
      for (const p of this.processes) {
        if (p.parent === early) p.parent = proc;
        if (p.ownerAtExit === early) p.ownerAtExit = proc;
        if (p.owner === early) p.owner = proc;
        if (p.reaped?.by === early) {
          p.reaped.by = proc;
          p.reaped.byPid = proc.pid;
        }
        if (p.pendingReap?.waiter === early) p.pendingReap.waiter = proc;
      }
      if (early.children) for (const c of early.children) (proc.children ??= new Set()).add(c);
      if (exited) this.undoOrphaning(early, proc);
      const failed = this.forkFailures.get(early);
      if (failed) {
        this.forkFailures.delete(early);
        const known = this.forkFailures.get(proc);
        if (known) known.times += failed.times;
        else this.forkFailures.set(proc, failed);
      }
    }
    this.byTid.set(tid, proc);
    if (!exited) proc.liveTids.add(tid);
    proc.threadCount++;
    this.touch(proc);
  }

  /**
   * A thread's exit, taken for its process's before the clone returned, orphaned what
   * it had forked. Only the thread ended: those children are its process's, never
   * adopted, and an exit settled by the supposed adopter is settled again by that process.
   */
  private undoOrphaning(thread: ProcessNode, proc: ProcessNode): void {
    for (const p of this.processes) {
      const adoption = p.adoptions[p.adoptions.length - 1];
      if (!adoption || adoption.formerParent !== thread) continue;
      p.adoptions = p.adoptions.length === 1 ? NONE : p.adoptions.slice(0, -1);
      adoption.adopter?.children?.delete(p);
      p.owner = proc;
      (proc.children ??= new Set()).add(p);
      if (p.exit && p.exit.time >= adoption.time && p.ownerAtExit === adoption.adopter) p.ownerAtExit = proc;
      // Reaped by init (or auto-reaped by the adopter) only because of the adoption: undone.
      const reaped = p.reaped;
      if (reaped && reaped.how !== 'wait' && reaped.by === adoption.adopter && reaped.time >= adoption.time) {
        p.reaped = null;
        if (p.exit) {
          this.zombiesNow++;
          this.settleExit(p, p.exit.time);
          if (p.isZombie && this.zombiesNow > this.maxZombies) this.maxZombies = this.zombiesNow;
        }
      }
      this.touch(p);
    }
  }

  private execCall(proc: ProcessNode, event: SyscallEvent, tid: number): void {
    if (event.result !== '0') return;
    const args = splitArgs(event.args);
    // execveat(dirfd, path, argv, envp, flags) has the path second.
    const pathArg = event.name === 'execveat' ? args[1] : args[0];
    const argvArg = event.name === 'execveat' ? args[2] : args[1];
    const path = (pathArg === undefined ? null : decodeString(pathArg)?.value) ?? '?';
    const argv = (argvArg === undefined ? null : decodeStringArray(argvArg)?.values) ?? [];
    if (proc.execs.length === 0 && proc.forkSite) proc.forkSite.childExec = childExecOf(path, argv);
    proc.execs = appended(proc.execs, { time: event.time, path, argv });
    proc.flow = 'exec';
    proc.image = path;
    proc.command = basename(path);
    proc.argv = argv;
    proc.sigchld = afterExec(proc.sigchld);
    // Other threads die in exec; the exec'ing thread now has the leader's pid.
    for (const t of proc.liveTids.values()) if (t !== proc.pid && t !== tid) this.byTid.delete(t);
    proc.liveTids.clear();
    proc.liveTids.add(proc.pid);
    this.touch(proc);
  }

  private waitCall(proc: ProcessNode, event: SyscallEvent): void {
    const site: CallSite = { event, executable: proc.executable, argv: proc.argv, reapedExecedChild: false };
    proc.lastWait = site;
    const run = this.handlerRuns.get(proc);
    const inHandler = run !== undefined && run.tid === (event.pid ?? proc.pid);
    const reapedPid = this.reapedBy(event);
    if (inHandler) {
      run.lastWait = site;
      if (reapedPid === null) {
        if (event.result === '0' || event.errno === 'ECHILD') run.drained = true;
      }
    }
    if (reapedPid === null) return;
    const child = this.byPid.get(reapedPid);
    if (!child) {
      this.warnAt(event, `${event.name} reaped pid ${reapedPid}, which the trace never saw start`);
      return;
    }
    site.reapedExecedChild = child.execs.length > 0;
    if (!child.exit) {
      if (!child.pendingReap) child.pendingReap = { waiter: proc, site, time: event.time, status: waitStatus(event) };
      if (inHandler) run.reaped++;
      return;
    }
    if (child.reaped) {
      this.warnAt(event, `${event.name} reaped pid ${reapedPid}, already reaped at ${child.reaped.time}`);
      return;
    }
    // A wait printed on one line carries its entry time; it returned after the exit.
    this.reap(child, Math.max(event.time, child.exit.time), proc, proc.pid, 'wait', true, site);
    if (inHandler) run.reaped++;
  }

  /** The pid a wait call reaped, or null (nothing, stopped/continued, WNOWAIT, error). */
  private reapedBy(event: SyscallEvent): number | null {
    if (event.name === 'waitid') {
      if (event.result !== '0') return null;
      const args = splitArgs(event.args);
      if ((args[3] ?? '').includes('WNOWAIT')) return null;
      const info = args[2] ?? '';
      const code = fieldValue(info, 'si_code');
      if (code !== 'CLD_EXITED' && code !== 'CLD_KILLED' && code !== 'CLD_DUMPED') return null;
      const pid = leadingInt(fieldValue(info, 'si_pid') ?? '');
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    }
    const pid = Number(event.result);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    // Split only when it may matter: most waits report an exit.
    if (event.args.includes('WIFSTOPPED') || event.args.includes('WIFCONTINUED')) {
      const status = splitArgs(event.args)[1] ?? '';
      if (status.includes('WIFSTOPPED') || status.includes('WIFCONTINUED')) return null;
    }
    return pid;
  }

  private sigactionCall(proc: ProcessNode, event: SyscallEvent): void {
    if (event.result !== '0' && event.name !== 'signal') return;
    const args = splitArgs(event.args);
    if (args[0] !== 'SIGCHLD' || args[1] === undefined || args[1] === 'NULL') return;
    let handler: string;
    let flags = new Set<string>();
    if (event.name === 'signal') {
      handler = args[1];
    } else {
      handler = fieldValue(args[1], 'sa_handler') ?? args[1].replace(/^\{/, '').split(',')[0];
      flags = flagSet(fieldValue(args[1], 'sa_flags'));
    }
    proc.sigchld = {
      action: handler === 'SIG_IGN' ? 'ignore' : handler === 'SIG_DFL' ? 'default' : 'handler',
      restart: flags.has('SA_RESTART'),
      nocldwait: flags.has('SA_NOCLDWAIT'),
      site: this.site(proc, event),
    };
    proc.ownSigchld = true;
    this.touch(proc);
  }

  private prctlCall(proc: ProcessNode, event: SyscallEvent): void {
    const args = splitArgs(event.args);
    if (args[0] === 'PR_SET_CHILD_SUBREAPER' && event.result === '0') proc.subreaper = args[1] !== '0';
  }

  private getppidCall(proc: ProcessNode, event: SyscallEvent): void {
    // After an adoption, getppid() names the adopter even when it is outside the trace.
    const ppid = Number(event.result);
    const adoption = proc.adoptions[proc.adoptions.length - 1];
    if (!adoption || adoption.adopter || !Number.isInteger(ppid) || ppid <= 0) return;
    adoption.pid = ppid;
    this.touch(proc);
  }

  // --- signals -------------------------------------------------------------------

  private signal(proc: ProcessNode, event: SignalEvent): void {
    if (event.signal !== 'SIGCHLD' || event.info === 'stopped') return;
    const tid = event.pid ?? proc.pid;
    const interrupted = this.interruptedByTid.get(tid) ?? null;
    this.interruptedByTid.delete(tid);
    const previous = this.handlerRuns.get(proc);
    if (previous) {
      this.endHandler(proc, previous);
      this.handlerRuns.delete(proc);
    }
    const covered = proc.exitsSinceDelivery;
    proc.exitsSinceDelivery = NONE;
    if (proc.sigchld.action !== 'handler') {
      if (interrupted && !proc.sigchld.site) this.unknownDispositionEintr.set(tid, { proc, call: interrupted });
      return;
    }
    if (interrupted) {
      // The kernel's rule: with a handler, ERESTARTSYS restarts only under SA_RESTART;
      // ERESTARTNOHAND and ERESTART_RESTARTBLOCK never do; ERESTARTNOINTR always does.
      const errno = interrupted.errno;
      const eintr = (errno === 'ERESTARTSYS' && !proc.sigchld.restart) || errno === 'ERESTARTNOHAND' || errno === 'ERESTART_RESTARTBLOCK';
      if (eintr) this.recordEintr(proc, interrupted);
    }
    this.handlerRuns.set(proc, { tid, start: event.time, reaped: 0, drained: false, lastWait: null, covered });
  }

  private recordEintr(proc: ProcessNode, call: SyscallEvent): void {
    const key = `${proc.id}\u0000${call.name}`;
    const known = this.eintr.get(key);
    if (known) {
      known.times++;
      return;
    }
    this.eintr.set(key, {
      process: proc,
      call: call.name,
      times: 1,
      firstTime: call.time,
      site: this.site(proc, call),
      restartWouldHelp: call.errno === 'ERESTARTSYS',
      sigaction: proc.sigchld.site,
    });
    this.touch(proc);
  }

  private endHandler(proc: ProcessNode, run: HandlerRun): void {
    if (run.reaped === 0 || run.drained) return;
    // It reaped and returned without looping: exits its one signal stood for are left behind.
    // (A child that exited during the handler raised a new SIGCHLD and is not counted.)
    const left = run.covered.filter((c) => c.isZombie && c.owner === proc);
    if (left.length === 0) return;
    let record = this.coalescing.get(proc);
    if (!record) {
      record = { times: 0, firstTime: run.start, leftBehind: new Set(), handlerWait: run.lastWait };
      this.coalescing.set(proc, record);
    }
    record.times++;
    for (const c of left) record.leftBehind.add(c);
    this.touch(proc);
  }

  // --- exits, zombies, reaping, adoption -----------------------------------------

  private taskExit(proc: ProcessNode, event: ExitEvent): void {
    const tid = event.pid ?? proc.pid;
    this.interruptedByTid.delete(tid);
    proc.liveTids.delete(tid);
    if (tid === proc.pid) proc.leaderExit = event;
    else this.byTid.delete(tid);
    if (proc.liveTids.size > 0 || !proc.alive) return;
    const final = proc.leaderExit ?? event;
    proc.leaderExit = null;
    this.processExit(proc, event.time, final.code, final.signal, final.core);
  }

  private superseded(proc: ProcessNode, event: SupersededEvent): void {
    if (event.byTid !== proc.pid) {
      proc.liveTids.delete(event.byTid);
      this.byTid.delete(event.byTid);
    }
    this.touch(proc);
  }

  private processExit(proc: ProcessNode, time: Seconds, code: number | null, signal: string | null, core: boolean): void {
    proc.exit = { time, code, signal, core };
    this.running.delete(proc);
    proc.zombieFrom = time;
    proc.ownerAtExit = proc.owner;
    this.zombiesNow++;
    this.handlerRuns.delete(proc);
    if (proc.children) for (const child of [...proc.children]) this.reparent(child, proc, time);
    // A process whose parent's clone has not returned yet waits for it to be settled.
    if (proc.linked) this.settleExit(proc, time);
    if (proc.isZombie && this.zombiesNow > this.maxZombies) this.maxZombies = this.zombiesNow;
    this.touch(proc);
  }

  /** Who reaps a process that just exited, if anyone does so at once. */
  private settleExit(proc: ProcessNode, time: Seconds): void {
    const owner = proc.owner;
    const pending = proc.pendingReap;
    if (pending) {
      proc.pendingReap = null;
      this.reap(proc, Math.max(time, pending.time), pending.waiter, pending.waiter.pid, 'wait', true, pending.site);
    } else if (!owner) {
      if (proc.launchedByTracer) this.reap(proc, time, null, null, 'tracer', true, null);
      else this.reap(proc, time, null, null, proc.adoptions.length > 0 ? 'adopter' : 'wait', false, null);
    } else if (owner.sigchld.action === 'ignore' || owner.sigchld.nocldwait) {
      this.reap(proc, time, owner, owner.pid, 'auto', true, null);
    } else if (owner.sigchld.action === 'handler') {
      owner.exitsSinceDelivery = appended(owner.exitsSinceDelivery, proc);
    }
  }

  private reparent(child: ProcessNode, formerParent: ProcessNode, time: Seconds): void {
    formerParent.children?.delete(child);
    let adopter: ProcessNode | null = null;
    for (let a = formerParent.owner; a; a = a.owner) {
      if (a.subreaper && a.alive) {
        adopter = a;
        break;
      }
    }
    child.owner = adopter;
    child.adoptions = appended(child.adoptions, { time, adopter, pid: adopter?.pid ?? null, command: adopter?.command ?? null, formerParent, wasZombie: child.isZombie });
    if (adopter) {
      (adopter.children ??= new Set()).add(child);
      if (child.isZombie && (adopter.sigchld.action === 'ignore' || adopter.sigchld.nocldwait)) {
        this.reap(child, time, adopter, adopter.pid, 'auto', true, null);
      }
    } else {
      this.onAdoption?.(child.pid);
      // init (or a subreaper outside the trace) reaps adopted zombies at once, unseen.
      if (child.isZombie) this.reap(child, time, null, null, 'adopter', false, null);
    }
    this.touch(child);
  }

  private reap(child: ProcessNode, time: Seconds, by: ProcessNode | null, byPid: number | null, how: ReapRecord['how'], seen: boolean, site: CallSite | null): void {
    if (child.reaped) return;
    if (how === 'adopter' && byPid === null) {
      const adoption = child.adoptions[child.adoptions.length - 1];
      if (adoption) byPid = adoption.pid;
    }
    // The wait's site matters only for a zombie that lingered (the finding that points at it);
    // keeping every wait event alive was a sixth of the memory of a 30,000-process model.
    const lingered = child.exit !== null && time - child.exit.time > this.lingerThreshold;
    child.reaped = { time, by, byPid, how, seen, site: lingered ? site : null };
    if (child.exit) this.zombiesNow--;
    child.owner?.children?.delete(child);
    this.touch(child);
    if (how === 'adopter' && !seen && by === null) this.onInferredReap?.(child);
  }
}

/** What a child ran first, for CallSite.childExec: `sh -c …` (system(), popen()) or another program. */
function childExecOf(path: string, argv: readonly string[]): 'shell' | 'program' {
  return basename(path) === 'sh' && argv[1] === '-c' ? 'shell' : 'program';
}

/** The exit a wait reported: `[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]`, or waitid's si_status. */
function waitStatus(event: SyscallEvent): ExitStatus {
  const args = splitArgs(event.args);
  if (event.name === 'waitid') {
    const info = args[2] ?? '';
    const code = fieldValue(info, 'si_code');
    const status = fieldValue(info, 'si_status') ?? '';
    if (code === 'CLD_EXITED') return { code: leadingInt(status), signal: null, core: false };
    return { code: null, signal: status || null, core: code === 'CLD_DUMPED' };
  }
  const text = args[1] ?? '';
  const exited = /WEXITSTATUS\(s\) == (\d+)/.exec(text);
  if (exited) return { code: Number(exited[1]), signal: null, core: false };
  const killed = /WTERMSIG\(s\) == (SIG[A-Z0-9]+|\d+)/.exec(text);
  return { code: null, signal: killed ? killed[1] : null, core: text.includes('WCOREDUMP') };
}
