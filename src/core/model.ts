// The process model: design.md §2 applied one event at a time. Processes are thread
// groups; a reused pid is a new process; a zombie lasts from exit to the parent's
// reaping wait; orphans go to the nearest living subreaper, else outside the trace.
// This class finds each record's process and reads the calls; Reaping settles exits
// and the SigchldTracker follows the SIGCHLD handlers.
import { decodeString, decodeStringArray, splitArgs } from './args';
import { basename } from '../shared/words';
import {
  childExecOf,
  CloneFlagsReader,
  EXEC_CALLS,
  FORK_CALLS,
  installedSigchld,
  NO_CLONE_FLAGS,
  reapedPid,
  waitsForOne,
  SIGACTION_CALLS,
  WAIT_CALLS,
  waitStatus,
} from './calls';
import type { ExitEvent, ParseWarning, Seconds, SupersededEvent, SyscallEvent, TraceEvent } from './events';
import { afterExec, appended, callSite, ChangedProcesses, isSelfOrAncestor, ProcessNode, type CallSite } from './processNode';
import { Reaping } from './reaping';
import { Folding, type FoldHost } from './folding';
import { KeptProcesses } from './keptProcesses';
import { RecordingCheck, type UnforkedProcesses } from './recording';
import { NO_SKIPPED_CALLS, type SkippedCalls } from './textReader';
import type { SiteLocator } from './findings/context';
import { SigchldTracker, type CoalescingRecord, type EintrRecord } from './sigchld';

// The model's records live with what keeps them; the code that reads the model imports them from here.
export { MODEL_CALLS } from './calls';
export type { Adoption, CallSite, ExecRecord, ExitRecord, ExitStatus, FlowAnchor, ReapRecord, SigchldDisposition } from './processNode';
export { ProcessNode, TidSet } from './processNode';
export { DEFAULT_KEEP_REAPED, FoldedGroup } from './folding';
export type { CoalescingRecord, EintrRecord } from './sigchld';

/** fork/clone calls that failed (EAGAIN at the process limit, ENOMEM, …): no child was made. */
export interface ForkFailureRecord {
  times: number;
  errno: string;
  firstTime: Seconds;
  site: CallSite;
}

export interface ModelOptions {
  /** Report zombies that lasted longer than this before being reaped (seconds). */
  lingerThreshold?: number;
  /**
   * Reaped processes kept in full detail (the most recent ones); older uneventful ones are
   * folded into counts per parent and fork site (folding.ts). Absent or Infinity: keep all.
   */
  keepReaped?: number;
  /** Names the fork site of a process being folded (its group's key); without it, one group per parent. */
  locate?: SiteLocator;
}

export class ProcessModel {
  readonly warnings: ParseWarning[] = [];
  readonly forkFailures = new Map<ProcessNode, ForkFailureRecord>();
  readonly lingerThreshold: number;
  origin: Seconds = NaN;
  lastTime: Seconds = NaN;
  ended = false;
  /** Bumped on every change, so views can tell whether to redraw. */
  version = 0;
  /** Processes changed since the last `takeChanged()`. */
  private readonly changes = new ChangedProcesses();
  private readonly sigchld = new SigchldTracker(this.changes);
  private readonly reaping: Reaping;
  private readonly kept = new KeptProcesses(this.changes);
  readonly folding: Folding;
  private readonly foldHost: FoldHost;

  /** Read and written by before.ts too, which seeds what an attach found. */
  readonly byTid = new Map<number, ProcessNode>();
  private readonly byPid = new Map<number, ProcessNode>();
  /** Processes not exited yet: scanning byPid for them on every unprefixed line was O(pids seen). */
  private readonly running = new Set<ProcessNode>();
  private readonly reuseCount = new Map<number, number>();
  /** Pids strace announced as attached: new tasks, never the unnamed root. */
  private readonly announced = new Set<number>();
  /** The first process, while strace printed no pid for it yet. */
  private unnamedRoot: ProcessNode | null = null;
  /** A clone3 that made a process, by the tid that made it, until that thread's next call. */
  private readonly clone3AwaitingNextCall = new Map<number, CallSite>();
  /** The first fork-family call of a process not yet linked to its parent's clone: it came right after that clone. */
  private readonly flowBeforeLink = new Map<ProcessNode, CallSite>();
  /** Tasks a getpid() or tgkill() named as threads of a pid that had no record yet, by that pid (threadOf). */
  private readonly claims = new Map<number, number[]>();
  /** Processes no clone has named yet, by their first record: at the end, those still unnamed came from outside the log's forks. */
  private readonly unforked = new Map<ProcessNode, TraceEvent>();
  /** The log's first record was no exec: strace attached (-p), or the log's head is cut off. */
  private beganMidRun = false;
  /** Seeded with what an attach found in /proc (before.ts): the trace began mid-run. */
  seeded = false;
  /** What the parser reads past, as it reads: how the log began, before the model sees a record (see readsPast). */
  private skippedSoFar: Readonly<SkippedCalls> = NO_SKIPPED_CALLS;
  private readonly cloneFlags = new CloneFlagsReader();
  private maxWarnings = 1000;
  private droppedWarnings = 0;
  /** What the records say about how strace was run (-f, -qq, -Z). */
  private readonly recording = new RecordingCheck();
  /** Set at the end when the log cannot give a process tree at all (strace -Z): why, and what to do. */
  unusable: string | null = null;

  constructor(options: ModelOptions = {}) {
    this.lingerThreshold = options.lingerThreshold ?? 1;
    this.reaping = new Reaping(this.lingerThreshold, this.changes, this.sigchld);
    this.folding = new Folding(options.keepReaped ?? Infinity, options.locate ?? null);
    this.reaping.onReapedByParent = (p) => this.folding.reaped(p);
    this.foldHost = {
      lingerThreshold: this.lingerThreshold,
      inFinding: (p) => this.forkFailures.has(p) || this.sigchld.names(p),
      release: (p) => {
        if (this.byPid.get(p.pid) === p) this.byPid.delete(p.pid);
        if (this.byTid.get(p.pid) === p) {
          this.byTid.delete(p.pid);
          this.clone3AwaitingNextCall.delete(p.pid);
        }
        this.flowBeforeLink.delete(p);
        this.unforked.delete(p);
        this.sigchld.forget(p);
        this.kept.folded();
      },
    };
  }

  /** The processes kept in full detail, in the order they appeared (folded ones are counts in `folding`). */
  get processes(): ProcessNode[] {
    return this.kept.all;
  }

  /** Every process ever seen: those kept and those folded. */
  get processCount(): number {
    return this.kept.size + this.folding.foldedCount;
  }

  /** SIGCHLD handlers that reaped once and returned, leaving zombies behind. */
  get coalescing(): Map<ProcessNode, CoalescingRecord> {
    return this.sigchld.coalescing;
  }

  /** Calls SIGCHLD interrupted that failed with EINTR. */
  get eintr(): Map<string, EintrRecord> {
    return this.sigchld.eintr;
  }

  /** Processes exited and not reaped, now. */
  get zombiesNow(): number {
    return this.reaping.zombiesNow;
  }

  /** The most zombies at once so far. */
  get maxZombies(): number {
    return this.reaping.maxZombies;
  }

  /** Called when a process is adopted by someone outside the trace (a live trace reads /proc). */
  get onAdoption(): ((pid: number) => void) | null {
    return this.reaping.onAdoption;
  }

  set onAdoption(listener: ((pid: number) => void) | null) {
    this.reaping.onAdoption = listener;
  }

  /**
   * Called when a zombie is taken as reaped by an adopter outside the trace: that reaping
   * is inferred, and a live trace can check it in /proc (adopterHolds, adopterReaped).
   */
  get onInferredReap(): ((proc: ProcessNode) => void) | null {
    return this.reaping.onInferredReap;
  }

  set onInferredReap(listener: ((proc: ProcessNode) => void) | null) {
    this.reaping.onInferredReap = listener;
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

  /** Processes changed since the last call (a view calls it after a whole snapshot, to start its deltas; folding's too). */
  takeChanged(): ProcessNode[] {
    this.folding.take();
    return this.changes.take();
  }

  livePids(): number[] {
    const out: number[] = [];
    for (const p of this.running) if (p.alive && p.pid > 0) out.push(p.pid);
    return out;
  }

  processByPid(pid: number): ProcessNode | undefined {
    return this.byPid.get(pid);
  }

  apply(event: TraceEvent): void {
    this.recording.observe(event);
    if (!Number.isNaN(event.time)) {
      // A call begun before the first record read (unfinished, read once it resumed) began the log.
      const began = beganAt(event);
      if (Number.isNaN(this.origin) || began < this.origin) this.origin = began;
      // A call still open at the end is told then, with the time it began.
      if (!(event.time < this.lastTime)) this.lastTime = event.time;
    }
    if (event.kind === 'message') {
      if (event.attachedPid !== null) this.announced.add(event.attachedPid);
      // The only record of an idle process attached to may be the call it sat in.
      if (event.inCall && event.pid !== null && !this.byTid.has(event.pid))
        this.taskOwner({ ...event, time: Number.isNaN(event.time) ? this.lastTime : event.time });
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
        this.sigchld.signal(proc, event);
        break;
    }
    if (this.folding.due) this.folding.settle(this.foldHost);
  }

  /** The parser's record of the calls it reads past, which it fills as it reads. */
  readsPast(skipped: Readonly<SkippedCalls>): void {
    this.skippedSoFar = skipped;
  }

  /**
   * The trace is over: whatever is a zombie now stays counted as one at the end.
   * `skipped`: whether the calls the parser read no event from succeeded or failed.
   */
  finish(skipped: SkippedCalls = NO_SKIPPED_CALLS): void {
    let unseenExit: { event: TraceEvent; count: number } | null = null;
    for (const p of this.processes) {
      if (!p.pendingReap || p.exit) continue;
      // The wait's status is the only record of this exit.
      const { status, time, site } = p.pendingReap;
      this.warnAt(site.event, `${site.event.name} reaped pid ${p.pid}, but the trace never showed it exit`);
      if (!unseenExit) unseenExit = { event: site.event, count: 0 };
      else if (site.event.line < unseenExit.event.line) unseenExit.event = site.event;
      unseenExit.count++;
      this.processExit(p, time, status.code, status.signal, status.core);
    }
    const unforked = this.settleUnforked(this.recording.onlyProcessCalls(skipped));
    const verdict = this.recording.verdict(this.processCount, unseenExit, skipped, unforked);
    // First among the warnings: it says why the others came, and the CLI shows the first ten.
    this.warnings.unshift(...verdict.warnings);
    this.unusable = verdict.unusable;
    for (const p of this.processes) {
      // Exited, and no traced clone ever named it: its parent is outside the trace (strace -p).
      // A run strace started (another run appended with -A): strace reaped it, as it does a root.
      if (p.exit && !p.linked && !p.reaped) this.reaping.reap(p, p.exit.time, null, null, p.launchedByTracer ? 'tracer' : 'wait', p.launchedByTracer, null);
    }
    this.sigchld.finish();
    if (this.folding.due) this.folding.settle(this.foldHost);
    this.ended = true;
    this.version++;
  }

  /**
   * Processes that appear in the log with no fork that returned them, first record first.
   * In a log that begins mid-run (strace -p), they were there when it began: present before
   * the trace. Not in one `narrowed` by -e trace= to process calls: their fork was left out.
   */
  private settleUnforked(narrowed: boolean): UnforkedProcesses {
    const firsts: TraceEvent[] = [];
    const pids: number[] = [];
    for (const [p, first] of this.unforked) {
      if (p.linked || p.launchedByTracer) continue;
      firsts.push(first);
      pids.push(p.pid);
      if (this.beganMidRun && !narrowed && p.before === null) {
        p.before = 'running';
        if (this.origin < p.start) p.start = this.origin;
        this.changes.touch(p);
      }
    }
    this.unforked.clear();
    return { beganMidRun: this.beganMidRun, narrowed, pids, first: firsts[0] ?? null };
  }

  /**
   * Other calls matter only while a handler may end without a traced rt_sigreturn, or
   * an interrupted call waits for its signal.
   */
  get wantsEveryCall(): boolean {
    return this.sigchld.wantsEveryCall;
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
    this.changes.touch(proc);
  }

  /**
   * What a live trace read from /proc: this zombie, taken as reaped by its adopter outside
   * the trace, is still there. It is a zombie again, until adopterReaped.
   */
  adopterHolds(proc: ProcessNode): void {
    if (this.reaping.adopterHolds(proc)) this.version++;
  }

  /** …and by `time` it was gone: its adopter reaped it then, or before (unseen). */
  adopterReaped(proc: ProcessNode, time: Seconds): void {
    if (!proc.isZombie || proc.adoptions.length === 0) return;
    this.markTime(time);
    this.reaping.reap(proc, Math.max(time, proc.exit!.time), null, null, 'adopter', false, null);
    this.version++;
  }

  // --- tasks and processes -------------------------------------------------------

  /** `1234` for the first process with a pid, `1234.2` for the next one that reuses it. */
  private nextId(pid: number): string {
    const n = this.reuseCount.get(pid) ?? 0;
    this.reuseCount.set(pid, n + 1);
    return n === 0 ? String(pid) : `${pid}.${n + 1}`;
  }

  newProcess(pid: number, time: Seconds, template: ProcessNode | null): ProcessNode {
    const proc = new ProcessNode(this.nextId(pid), pid, time, template?.command ?? '?', template ? template.argv : []);
    if (template) {
      // fork copies dispositions; the subreaper attribute is not inherited.
      proc.sigchld = template.sigchld;
      proc.image = template.image;
    }
    this.kept.add(proc);
    this.running.add(proc);
    this.byPid.set(pid, proc);
    this.byTid.set(pid, proc);
    this.changes.touch(proc);
    return proc;
  }

  /** The process a record belongs to, creating what the record proves exists. */
  private taskOwner(event: TraceEvent): ProcessNode | null {
    if (event.pid === null) return this.unprefixedOwner(event);
    const known = this.byTid.get(event.pid);
    // A record other than a call may come from a tid no longer listed live (the thread that
    // exec'd, before its `superseded` line), but never from a process that is gone: then the
    // pid was reused, and the record is the new process's (its parent's clone may not have returned).
    if (known && (known.liveTids.has(event.pid) || (event.kind !== 'syscall' && known.alive))) return this.noteComm(known, event);
    if (this.unnamedRoot && !this.announced.has(event.pid)) {
      // strace printed no pid while one task existed; the first unannounced pid is the root's.
      return this.noteComm(this.nameRoot(this.unnamedRoot, event.pid), event);
    }
    // A pid never seen, or one whose process is gone: a new process, whose parent's
    // clone may not have returned yet (its first record can come first).
    // It ran from the start of its first call, which may have resumed long after.
    const proc = this.newProcess(event.pid, beganAt(event), null);
    if (this.kept.everAdded === 1) this.markRoot(proc, event);
    // Begun by an exec, as strace starts a program: another run appended to the log (-A), until a
    // clone claims it (a vfork child execs before its parent's vfork returns).
    else proc.launchedByTracer = isExec(event);
    if (!proc.linked && !proc.launchedByTracer) this.unforked.set(proc, event);
    // Threads whose getpid() or a tgkill named this pid before it had a record of its own.
    const waiting = this.claims.get(event.pid);
    if (waiting) {
      this.claims.delete(event.pid);
      for (const tid of waiting) this.threadOf(event.pid, tid);
    }
    return this.noteComm(proc, event);
  }

  private unprefixedOwner(event: TraceEvent): ProcessNode {
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
    const first = this.kept.first;
    if (first) return first;
    const root = this.newProcess(0, event.time, null);
    this.unnamedRoot = root;
    this.markRoot(root, event);
    return this.noteComm(root, event);
  }

  /** The root strace printed no pid for, now that its pid is known. */
  private nameRoot(root: ProcessNode, pid: number): ProcessNode {
    this.unnamedRoot = null;
    this.byTid.delete(root.pid);
    this.byPid.delete(root.pid);
    root.liveTids.delete(root.pid);
    this.reuseCount.delete(0);
    root.pid = pid;
    root.id = this.nextId(pid);
    root.liveTids.add(pid);
    this.byTid.set(pid, root);
    this.byPid.set(pid, root);
    return root;
  }

  /**
   * set_tid_address returns the caller's tid: every program calls it as it starts. Without
   * -f nothing else names the root's pid (its lines have none), so it is named here.
   */
  private tidAddressCall(proc: ProcessNode, event: SyscallEvent): void {
    const pid = Number(event.result);
    if (proc === this.unnamedRoot && event.pid === null && Number.isSafeInteger(pid) && pid > 0 && !this.byTid.has(pid)) this.nameRoot(proc, pid);
  }

  /**
   * The log's first process. Begun by an exec (or by a program's first call, its execve left
   * out), strace started it: its parent is strace, which reaps it. Begun by any other record,
   * the log starts mid-run (strace -p, or its head cut off): like every process no clone
   * names, its parent is not known, and a traced wait may reap it.
   */
  private markRoot(root: ProcessNode, event: TraceEvent): void {
    // A log that begins with a program's first call (brk(NULL)) began with the program too: -e trace= left its execve out.
    root.launchedByTracer = isExec(event) || this.skippedSoFar.programStart > 0;
    root.linked = root.launchedByTracer;
    this.beganMidRun = !root.launchedByTracer;
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
    // rt_sigreturn, or a call a signal interrupted: SIGCHLD bookkeeping only.
    if (!this.sigchld.syscall(proc, event, tid)) return;
    if (FORK_CALLS.has(name)) return this.forkCall(proc, event);
    if (EXEC_CALLS.has(name)) return this.execCall(proc, event, tid);
    if (WAIT_CALLS.has(name)) return this.waitCall(proc, event);
    if (SIGACTION_CALLS.has(name)) return this.sigactionCall(proc, event);
    if (name === 'prctl') return this.prctlCall(proc, event);
    if (name === 'getppid') return this.getppidCall(proc, event);
    if (name === 'set_tid_address') return this.tidAddressCall(proc, event);
    if (name === 'getpid') return this.threadOf(Number(event.result), tid);
    if (name === 'tgkill' && event.result === '0') {
      const [tgid, target] = splitArgs(event.args).map(Number);
      return this.threadOf(tgid, target);
    }
  }

  /** The call's site, linked to where the process's control flow came from (CallSite.after), which it now is. */
  private flowSite(proc: ProcessNode, event: SyscallEvent): CallSite {
    const site = callSite(proc, event);
    const leader = (event.pid ?? proc.pid) === proc.pid && proc.threadCount === 1;
    site.after = leader ? (proc.flow ?? null) : null;
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
      this.changes.touch(proc);
      return;
    }
    if (!Number.isInteger(childPid) || childPid <= 0) return; // ERESTARTNOINTR: restarted, no child yet
    // fork and vfork never share the thread group or the parent.
    const flags = event.name === 'fork' || event.name === 'vfork' ? NO_CLONE_FLAGS : this.cloneFlags.read(event.name, event.args);
    const time = beganAt(event);
    // With threads, their forks can come between the main thread's: flowSite follows no more.
    if (flags.thread) return this.threadCreated(proc, childPid);
    const parent = flags.parent ? proc.owner : proc;
    let child = this.byPid.get(childPid);
    if (child && !child.linked && child.reaped === null && !isSelfOrAncestor(child, proc)) {
      // Its records (even its whole life) came before the parent's clone returned: same process.
    } else {
      if (child && child.alive) {
        this.warnAt(event, `clone returned pid ${childPid}, which the trace still had as running; treating it as a new process`);
      } else if (child && child.reaped === null) {
        // The kernel reuses a pid only after reaping: someone outside the trace did it.
        this.reaping.reap(child, time, null, null, 'adopter', false, null);
      }
      child = this.newProcess(childPid, time, proc);
    }
    if (!child.linked) {
      child.launchedByTracer = false;
      this.unforked.delete(child);
      // Records seen before the clone returned were the child's own; what it had not
      // replaced by exec yet it inherited from the parent.
      const execed = child.execs.length > 0;
      if (!child.ownSigchld) child.sigchld = execed ? afterExec(proc.sigchld) : proc.sigchld;
      if (!execed) this.inherit(child, proc);
      // Its calls before an exec were made in the parent's program.
      else fillSites(child, proc);
    }
    // It existed from the moment the clone was entered, even if its first record came first.
    if (time < child.start) child.start = time;
    child.linked = true;
    if (child.parent !== parent) {
      if (child.parent) child.parent.unfoldedChildren--;
      if (parent) parent.unfoldedChildren++;
    }
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
      this.reaping.settleExit(child, child.exit.time);
      this.reaping.placed(child);
    }
    this.changes.touch(child);
    this.changes.touch(proc);
  }

  /**
   * A child that has not exec'd runs its parent's program. Its own children forked before
   * it was linked copied what it had then (nothing: `?`): they take it now, and its SIGCHLD
   * disposition unless they set their own, and so on down.
   */
  private inherit(child: ProcessNode, parent: ProcessNode): void {
    child.command = parent.command;
    child.argv = parent.argv;
    child.image = parent.image;
    fillSites(child, parent);
    for (const c of child.children ?? []) {
      if (c.execs.length > 0 || c.command !== '?') continue;
      if (!c.ownSigchld) c.sigchld = child.sigchld;
      this.inherit(c, child);
      this.changes.touch(c);
    }
  }

  private threadCreated(proc: ProcessNode, tid: number): void {
    const early = this.byTid.get(tid);
    let exited = false;
    // The thread's first record came before clone returned; it was never a process.
    if (early && !early.linked && !isSelfOrAncestor(early, proc)) exited = this.absorbThread(proc, early, tid);
    this.byTid.set(tid, proc);
    if (!exited) proc.liveTids.add(tid);
    proc.threadCount++;
    this.changes.touch(proc);
  }

  /**
   * `early`, drawn as a process of its own, was thread `tid` of `proc`: it leaves the picture,
   * and what it forked, reaped, failed to fork and set (its SIGCHLD disposition, which threads
   * share) is `proc`'s. True when its exit was seen already (the thread is not live).
   */
  private absorbThread(proc: ProcessNode, early: ProcessNode, tid: number): boolean {
    // A thread whose exit was seen already is not live (else its process never exits), nor a zombie.
    const exited = early.exit !== null;
    this.reaping.threadExitTakenBack(early);
    const at = this.processes.indexOf(early);
    if (at >= 0) this.processes.splice(at, 1);
    this.flowBeforeLink.delete(early);
    this.unforked.delete(early);
    this.running.delete(early);
    if (this.byPid.get(tid) === early) this.byPid.delete(tid);
    const n = this.reuseCount.get(tid) ?? 1;
    if (n <= 1) this.reuseCount.delete(tid);
    else this.reuseCount.set(tid, n - 1);
    this.reaping.threadWasProcess(early, proc, this.processes);
    if (early.children) for (const c of early.children) (proc.children ??= new Set()).add(c);
    if (exited) this.reaping.undoOrphaning(early, proc, this.processes);
    // Threads it was taken to have made are `proc`'s too (its own tid is the caller's to add).
    for (const t of early.liveTids.values()) {
      if (t === tid) continue;
      this.byTid.set(t, proc);
      proc.liveTids.add(t);
    }
    proc.threadCount += early.threadCount - 1;
    const failed = this.forkFailures.get(early);
    if (failed) {
      this.forkFailures.delete(early);
      const known = this.forkFailures.get(proc);
      if (known) known.times += failed.times;
      else this.forkFailures.set(proc, failed);
    }
    if (proc.command === '?' && early.command !== '?') proc.command = early.command;
    if (early.ownSigchld && !proc.ownSigchld) {
      proc.sigchld = early.sigchld;
      proc.ownSigchld = true;
    }
    proc.passedByAt = Math.max(proc.passedByAt, early.passedByAt);
    proc.lastWait ??= early.lastWait;
    for (const c of early.exitsSinceDelivery) proc.exitsSinceDelivery = appended(proc.exitsSinceDelivery, c);
    this.sigchld.forget(early);
    return exited;
  }

  /**
   * In a log that began mid-run (a hand-run `strace -f -p`), every task already there appears
   * with no clone, each drawn as a process. A record that names a task's thread group
   * (getpid() in a thread returns its process's pid; tgkill(TGID, TID) succeeds only for a
   * thread of TGID) proves it a thread: it joins its process, once that process's own task
   * is in the log too. A pid no task has is left alone: in another pid namespace (a container
   * traced from the host) getpid() returns a pid that is not strace's. Nothing else is guessed.
   */
  private threadOf(tgid: number, tid: number): void {
    if (!this.beganMidRun || this.seeded || !Number.isSafeInteger(tgid) || tgid <= 0 || tgid === tid) return;
    const early = this.byTid.get(tid);
    // Only a task the log shows with no clone, still drawn as a process of its own.
    if (!early || early.pid !== tid || !this.isStranger(early)) return;
    const proc = this.byTid.get(tgid);
    if (!proc) {
      // Settled if that task's first record comes (taskOwner); else never.
      const waiting = this.claims.get(tgid);
      if (!waiting) this.claims.set(tgid, [tid]);
      else if (!waiting.includes(tid)) waiting.push(tid);
      return;
    }
    if (proc === early || proc.pid !== tgid || !proc.alive || !this.isStranger(proc)) return;
    const exited = this.absorbThread(proc, early, tid);
    if (exited) {
      if (this.byTid.get(tid) === early) this.byTid.delete(tid);
    } else {
      this.byTid.set(tid, proc);
      proc.liveTids.add(tid);
    }
    proc.threadCount++;
    this.changes.touch(proc);
    this.version++;
  }

  /** A task the log shows with no clone that made it, nor an exec that started it. */
  private isStranger(proc: ProcessNode): boolean {
    return !proc.linked && !proc.launchedByTracer && this.unforked.has(proc);
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
    this.changes.touch(proc);
  }

  private waitCall(proc: ProcessNode, event: SyscallEvent): void {
    const site: CallSite = callSite(proc, event);
    site.reapedExecedChild = false;
    proc.lastWait = site;
    const pid = reapedPid(event);
    if (event.result !== '-1' && (pid === null || waitsForOne(event))) proc.passedByAt = Math.max(proc.passedByAt, beganAt(event));
    const reaped = pid !== null && this.reapByWait(proc, event, site, pid);
    this.sigchld.waited(proc, event, site, pid === null, reaped);
  }

  /** A wait returned child `pid`: it reaps it, now or once its exit is read; false when there was none to reap. */
  private reapByWait(proc: ProcessNode, event: SyscallEvent, site: CallSite, pid: number): boolean {
    const child = this.byPid.get(pid);
    if (!child) {
      if (this.beganMidRun || this.seeded) return this.untracedChildReaped(proc, event, site, pid);
      this.warnAt(event, `${event.name} reaped pid ${pid}, which the trace never saw start`);
      return false;
    }
    site.reapedExecedChild = child.execs.length > 0;
    if (!child.exit) {
      // Its exit is not in the trace (an attach found it forked untraced): the wait is all there is.
      if (child.before === 'untraced') return this.exitedUnseen(child, proc, event, site);
      if (!child.pendingReap) child.pendingReap = { waiter: proc, site, time: event.time, status: waitStatus(event) };
      return true;
    }
    if (child.reaped) {
      this.warnAt(event, `${event.name} reaped pid ${pid}, already reaped at ${child.reaped.time}`);
      return false;
    }
    // A wait printed on one line carries its entry time; it returned after the exit.
    this.reaping.reap(child, Math.max(event.time, child.exit.time), proc, proc.pid, 'wait', true, site);
    return true;
  }

  /**
   * In a trace that began mid-run, a wait returned a child the trace never saw: one that was
   * there before it and never traced (forked as strace attached, or while a hand-run
   * `strace -p` followed other pids). It was the waiter's child, and exited as the wait says.
   */
  private untracedChildReaped(proc: ProcessNode, event: SyscallEvent, site: CallSite, pid: number): true {
    const child = this.newProcess(pid, this.origin, null);
    child.before = 'untraced';
    child.parent = child.owner = proc;
    (proc.children ??= new Set()).add(child);
    proc.unfoldedChildren++;
    return this.exitedUnseen(child, proc, event, site);
  }

  /** An untraced child exited as `event`, a wait by `proc`, says (its exit time unknown), and that wait reaped it. */
  private exitedUnseen(child: ProcessNode, proc: ProcessNode, event: SyscallEvent, site: CallSite): true {
    const status = waitStatus(event);
    // Exited unseen (its exit settles nothing: no SIGCHLD of it was counted), then reaped by this wait.
    // Its tids are free: a record from one now is a new process's (pid reuse).
    for (const tid of child.liveTids.values()) if (this.byTid.get(tid) === child) this.byTid.delete(tid);
    child.liveTids.clear();
    this.running.delete(child);
    this.reaping.processExit(child, event.time, status.code, status.signal, status.core);
    child.linked = true;
    this.reaping.reap(child, event.time, proc, proc.pid, 'wait', true, site);
    return true;
  }

  private sigactionCall(proc: ProcessNode, event: SyscallEvent): void {
    const installed = installedSigchld(proc, event);
    if (installed === null) return;
    proc.sigchld = installed;
    proc.ownSigchld = true;
    this.changes.touch(proc);
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
    this.changes.touch(proc);
  }

  // --- exits (Reaping settles them) ---------------------------------------------

  private taskExit(proc: ProcessNode, event: ExitEvent): void {
    const tid = event.pid ?? proc.pid;
    this.sigchld.taskExited(tid);
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
    this.changes.touch(proc);
  }

  /** The last thread of `proc` is gone. */
  processExit(proc: ProcessNode, time: Seconds, code: number | null, signal: string | null, core: boolean): void {
    this.running.delete(proc);
    this.sigchld.processExited(proc);
    this.reaping.processExit(proc, time, code, signal, core);
  }
}

/** The calls a child made before it was linked (forks, waits, sigactions) were made in its parent's program. */
function fillSites(child: ProcessNode, parent: ProcessNode): void {
  for (const site of child.sitesBeforeLink ?? []) {
    if (site.executable !== null) continue;
    site.executable = parent.image;
    site.argv = parent.argv;
  }
  child.sitesBeforeLink = null;
}

/** An exec call's record (a root's first record when strace started the program). */
function isExec(event: TraceEvent): boolean {
  return event.kind === 'syscall' && EXEC_CALLS.has(event.name);
}

/** When a record's call began: a call printed in two parts (unfinished, then resumed) began at its first. */
function beganAt(event: TraceEvent): Seconds {
  return event.kind === 'syscall' && event.entryTime !== undefined ? event.entryTime : event.time;
}
