// A process as the model knows it (design.md §2: one thread group, one life of a pid)
// and the records it keeps: its execs, exit, reaping, adoptions and call sites.
import type { ExitEvent, Seconds, SyscallEvent } from './events';

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
  /**
   * A call the trace never saw: the process was forked before the trace began (an attach
   * found it in /proc), so `event` is a stand-in fork by its parent and `executable` the
   * parent's. Its line is known only when that executable has a single call that makes
   * processes (the resolver says which, as Located.inferred).
   */
  beforeTrace?: true;
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

/** An empty list shared by every process that has none (most have no execs, adoptions…). */
export const NONE: readonly never[] = Object.freeze([]);

/** `list` with `item` at its end: a new array in place of the shared empty one, else the same one. */
export function appended<T>(list: readonly T[], item: T): readonly T[] {
  if (list === NONE) return [item];
  (list as T[]).push(item);
  return list;
}

/**
 * Whether `a` is `proc` or above it, as its forking parent's or its reaper's ancestor. A
 * process never forks one of these, nor has one as a thread: a damaged log that says so
 * must not make a cycle (a walk up the reapers, as an orphan's adoption takes, never ends).
 */
export function isSelfOrAncestor(a: ProcessNode, proc: ProcessNode): boolean {
  for (let p: ProcessNode | null = proc; p; p = p.parent) if (p === a) return true;
  for (let p: ProcessNode | null = proc.owner; p; p = p.owner) if (p === a) return true;
  return false;
}

const DEFAULT_SIGCHLD: SigchldDisposition = Object.freeze({ action: 'default', restart: false, nocldwait: false, site: null });

/** exec resets handled signals to SIG_DFL and clears every sa_flags; SIG_IGN stays. */
export function afterExec(d: SigchldDisposition): SigchldDisposition {
  return { action: d.action === 'ignore' ? 'ignore' : 'default', restart: false, nocldwait: false, site: d.site };
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
  /**
   * Its children that exited since its last SIGCHLD delivery: what one pending SIGCHLD
   * stands for. SigchldTracker's alone; a field, since a Map lookup on every exit and
   * every delivery made the model a sixth slower.
   */
  exitsSinceDelivery: readonly ProcessNode[] = NONE;
  /** Never changed in place: shared with the children that inherit it. */
  sigchld: SigchldDisposition = DEFAULT_SIGCHLD;
  subreaper = false;
  /** It set its own SIGCHLD disposition (so inheriting the parent's must not overwrite it). */
  ownSigchld = false;
  /** Unreaped children it owns now (alive or zombie); null until it has had one. */
  children: Set<ProcessNode> | null = null;
  forkSite: CallSite | null = null;
  /** Its main thread's latest fork-family call, or exec (see CallSite.after); undefined until it made one or was linked. */
  flow: FlowAnchor | undefined = undefined;
  /** Its latest wait call (any result), for locating where reaping belongs. */
  lastWait: CallSite | null = null;
  /**
   * When it last began a wait that could pass a zombie child by: one that reaped nothing
   * (WNOHANG found none ready), or one for a given pid. A zombie that exited before it was
   * passed by; one its parent has not waited so since may still be reaped (findings/byProcess).
   */
  passedByAt: Seconds = -Infinity;
  /** True once a traced process created it or it was the first one seen. */
  linked = false;
  /**
   * Its calls' sites made before it was linked, while its program was not known yet (a
   * child that runs before its parent's clone returns): they take the parent's program then.
   */
  sitesBeforeLink: CallSite[] | null = null;
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
  /** Its place in the order processes appeared (1, 2, …): lists of them stay in this order. */
  serial = 0;
  /** Its children the model still holds one by one (not folded): while any is, it is not folded either. */
  unfoldedChildren = 0;
  /** Folded into a FoldedGroup: the model no longer holds it (see folding.ts). */
  folded = false;
  /**
   * What an attach found it as, read from /proc (before.ts): already running, or already
   * a zombie (its exit time unknown); or `untraced`: there before a trace that began
   * mid-run, never traced (strace -p follows only the pids it is given, and -f only the
   * children made after it attached), known only from the wait that reaped it, so its exit
   * time is unknown too. Null for everything the trace saw begin.
   */
  before: 'running' | 'zombie' | 'untraced' | null = null;

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

/** A call's site as the process made it: what it ran then. */
export function callSite(proc: ProcessNode, event: SyscallEvent): CallSite {
  const site: CallSite = { event, executable: proc.executable, argv: proc.argv };
  if (site.executable === null && !proc.linked) {
    const early = (proc.sitesBeforeLink ??= []);
    // A process no clone ever names (strace -p of a second pid) is never linked: bounded.
    if (early.length < MAX_SITES_BEFORE_LINK) early.push(site);
  }
  return site;
}

/** The window before a child is linked is a few calls long (its parent's clone is about to return). */
const MAX_SITES_BEFORE_LINK = 64;

/** The processes changed since a view last took them: each listed once per round. */
export class ChangedProcesses {
  private list: ProcessNode[] = [];
  private round = 1;

  touch(proc: ProcessNode): void {
    if (proc.changedIn === this.round) return;
    proc.changedIn = this.round;
    this.list.push(proc);
  }

  take(): ProcessNode[] {
    const out = this.list.filter((p) => !p.folded);
    this.list = [];
    this.round++;
    return out;
  }

  /** Forgets folded processes: a trace no view takes changes from would otherwise list every process. */
  dropFolded(): void {
    this.list = this.list.filter((p) => !p.folded);
  }
}
