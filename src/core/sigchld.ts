// SIGCHLD as the traced program met it (design.md §2): each run of its handler, from
// delivery to rt_sigreturn; the exits one delivery stood for, since signals of one kind
// do not queue (SIGCHLD coalescing); and the slow calls it interrupted (EINTR without
// SA_RESTART). The model tells it what happened; the findings read what it recorded.
import { WAIT_CALLS } from './calls';
import { interpreterOfName } from '../shared/interpreters';
import type { Seconds, SignalEvent, SyscallEvent } from './events';
import { appended, callSite, NONE, type CallSite, type ChangedProcesses, type ProcessNode } from './processNode';

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
  /**
   * An interpreter's: its C handler returned without a wait, and the script's handler
   * runs now, after rt_sigreturn, up to the next call that is not a wait.
   */
  deferred: boolean;
  /**
   * The signal cut a call short that is not a wait: only then are waits after rt_sigreturn
   * taken as a script handler's. A wait it cut short restarts after it, and a signal that
   * came as a wait returned finds the program's own wait loop going on.
   */
  cutCall: boolean;
}

/**
 * Interpreters that run a script's signal handler later, at a safe point after their C
 * handler returned (Python; Perl's safe signals): the script's waits follow rt_sigreturn.
 * The language, by the executable's name; null for any other program. (Ruby and PHP defer
 * too, but were not traced here: their handlers are read as C handlers.)
 */
export function deferredHandlerLanguage(executable: string | null): 'python' | 'perl' | null {
  const language = executable === null ? null : interpreterOfName(executable);
  return language === 'python' || language === 'perl' ? language : null;
}

/** Calls a script handler's run may make around its waits: Perl blocks SIGCHLD while it dispatches. */
const AROUND_DEFERRED_WAITS = new Set(['rt_sigprocmask']);

export interface CoalescingRecord {
  times: number;
  firstTime: Seconds;
  leftBehind: Set<ProcessNode>;
  handlerWait: CallSite | null;
}

export interface EintrRecord {
  process: ProcessNode;
  call: string;
  times: number;
  firstTime: Seconds;
  site: CallSite;
  /** ERESTARTNOHAND calls (select, poll, …) fail with EINTR even with SA_RESTART. */
  restartWouldHelp: boolean;
  /** Whether the handler has SA_RESTART: null when the trace never showed it installed (and the call's errno does not tell). */
  handlerRestart: boolean | null;
  sigaction: CallSite | null;
}

export class SigchldTracker {
  /** Handlers that reaped and returned without looping, leaving exits behind. */
  readonly coalescing = new Map<ProcessNode, CoalescingRecord>();
  /** Calls that failed with EINTR, by process and call name. */
  readonly eintr = new Map<string, EintrRecord>();
  private readonly handlerRuns = new Map<ProcessNode, HandlerRun>();
  private readonly interruptedByTid = new Map<number, SyscallEvent>();
  /** A slow call SIGCHLD interrupted in a process whose disposition the log never showed: rt_sigreturn tells. */
  private readonly unknownDispositionEintr = new Map<number, { proc: ProcessNode; call: SyscallEvent }>();
  private sigreturnTraced = false;
  /** Handler runs with `deferred` set, in handlerRuns. */
  private deferredRuns = 0;
  /** The processes of `eintr`'s records, rebuilt when a record is added (records are never removed). */
  private eintrProcesses = new Set<ProcessNode>();
  private eintrSize = 0;

  constructor(private readonly changes: ChangedProcesses) {}

  /**
   * Other calls matter only while a handler may end without a traced rt_sigreturn, or
   * an interrupted call waits for its signal.
   */
  get wantsEveryCall(): boolean {
    return (this.handlerRuns.size > 0 && (!this.sigreturnTraced || this.deferredRuns > 0)) || this.interruptedByTid.size > 0;
  }

  /**
   * A call thread `tid` of `proc` made, before the model reads it: it may end the handler
   * running on that thread. False when the model has nothing more to read in it: an
   * rt_sigreturn, or a call a signal interrupted (its signal tells what the program saw).
   */
  syscall(proc: ProcessNode, event: SyscallEvent, tid: number): boolean {
    const name = event.name;
    const run = this.handlerRuns.get(proc);
    if (name === 'rt_sigreturn' || name === 'sigreturn') {
      this.sigreturnTraced = true;
      const unknown = this.unknownDispositionEintr.get(tid);
      this.unknownDispositionEintr.delete(tid);
      // The program saw EINTR: the handler lacked SA_RESTART, though the log never showed it installed.
      if (unknown && event.errno === 'EINTR') this.recordEintr(unknown.proc, unknown.call);
      if (run && run.tid === tid && !run.deferred) {
        if (run.lastWait === null && run.cutCall && deferredHandlerLanguage(proc.executable)) {
          // The interpreter's C handler only noted the signal: the script's handler runs next.
          run.deferred = true;
          this.deferredRuns++;
        } else this.endRun(proc, run);
      }
      return false;
    }
    if (run && run.tid === tid && !WAIT_CALLS.has(name) && (run.deferred ? !AROUND_DEFERRED_WAITS.has(name) : !this.sigreturnTraced)) {
      // No rt_sigreturn in this log, or a script's handler: it ended by the next call that is not a wait.
      this.endRun(proc, run);
    }
    if (event.errno !== null && event.errno.startsWith('ERESTART')) {
      this.interruptedByTid.set(tid, event);
      return false;
    }
    this.interruptedByTid.delete(tid);
    return true;
  }

  /**
   * A wait `proc` made: in a handler, it tells whether the handler loops. `foundNone`:
   * it reaped nothing (0, an error, a stop); `reaped`: it reaped a child, now or once
   * that child's exit is read.
   */
  waited(proc: ProcessNode, event: SyscallEvent, site: CallSite, foundNone: boolean, reaped: boolean): void {
    const run = this.handlerRuns.get(proc);
    if (run === undefined || run.tid !== (event.pid ?? proc.pid)) return;
    run.lastWait = site;
    if (foundNone) {
      if (event.result === '0' || event.errno === 'ECHILD') run.drained = true;
    } else if (reaped) {
      run.reaped++;
    }
  }

  /** A child of `owner`, whose SIGCHLD has a handler, exited: `owner`'s next SIGCHLD stands for it. */
  childExited(owner: ProcessNode, child: ProcessNode): void {
    owner.exitsSinceDelivery = appended(owner.exitsSinceDelivery, child);
  }

  signal(proc: ProcessNode, event: SignalEvent): void {
    if (event.signal !== 'SIGCHLD' || event.info === 'stopped') return;
    const tid = event.pid ?? proc.pid;
    const interrupted = this.interruptedByTid.get(tid) ?? null;
    this.interruptedByTid.delete(tid);
    const previous = this.handlerRuns.get(proc);
    const covered = proc.exitsSinceDelivery;
    proc.exitsSinceDelivery = NONE;
    // A script's handler is not a C handler: the signal is not blocked while it runs, so a
    // new delivery's C handler runs in the middle of it, and the script's handler goes on.
    const within = previous !== undefined && previous.deferred && previous.tid === tid;
    if (within) previous.covered = [...previous.covered, ...covered];
    else if (previous) this.endRun(proc, previous);
    if (proc.sigchld.action !== 'handler') {
      if (interrupted && !proc.sigchld.site) this.unknownDispositionEintr.set(tid, { proc, call: interrupted });
      return;
    }
    if (interrupted) {
      // The kernel's rule: with a handler, ERESTARTSYS restarts only under SA_RESTART;
      // ERESTARTNOHAND and ERESTART_RESTARTBLOCK never do; ERESTARTNOINTR always does.
      const errno = interrupted.errno;
      if (errno === 'ERESTARTSYS' && !proc.sigchld.site) {
        // Installed before the trace (an attach): whether with SA_RESTART, rt_sigreturn's result tells.
        this.unknownDispositionEintr.set(tid, { proc, call: interrupted });
      } else {
        const eintr = (errno === 'ERESTARTSYS' && !proc.sigchld.restart) || errno === 'ERESTARTNOHAND' || errno === 'ERESTART_RESTARTBLOCK';
        if (eintr) this.recordEintr(proc, interrupted);
      }
    }
    if (!within)
      this.handlerRuns.set(proc, {
        tid,
        start: event.time,
        reaped: 0,
        drained: false,
        lastWait: null,
        covered,
        deferred: false,
        cutCall: interrupted !== null && !WAIT_CALLS.has(interrupted.name),
      });
  }

  /** A thread ended: a call it left interrupted never returns. */
  taskExited(tid: number): void {
    this.interruptedByTid.delete(tid);
  }

  /** A process ended: so did the handler it was running. */
  processExited(proc: ProcessNode): void {
    this.dropRun(proc);
  }

  /** A folded process: nothing here may hold it any more. */
  forget(proc: ProcessNode): void {
    this.dropRun(proc);
    if (this.unknownDispositionEintr.get(proc.pid)?.proc === proc) this.unknownDispositionEintr.delete(proc.pid);
    proc.exitsSinceDelivery = NONE;
  }

  /** Whether a recorded finding names it: an EINTR record's process, a coalescing handler's owner or a child it left behind. */
  names(proc: ProcessNode): boolean {
    if (this.coalescing.has(proc)) return true;
    const parent = proc.parent;
    if (parent && this.coalescing.get(parent)?.leftBehind.has(proc)) return true;
    if (this.eintr.size === 0) return false;
    if (this.eintrSize !== this.eintr.size) {
      this.eintrSize = this.eintr.size;
      this.eintrProcesses = new Set([...this.eintr.values()].map((r) => r.process));
    }
    return this.eintrProcesses.has(proc);
  }

  /**
   * The trace is over. A handler still running was cut off by its end (a stop, a detach, a
   * log cut short) before it could loop again: that proves no coalescing, so it is dropped.
   */
  finish(): void {
    this.handlerRuns.clear();
    this.deferredRuns = 0;
  }

  private endRun(proc: ProcessNode, run: HandlerRun): void {
    this.endHandler(proc, run);
    this.dropRun(proc);
  }

  private dropRun(proc: ProcessNode): void {
    if (this.handlerRuns.get(proc)?.deferred) this.deferredRuns--;
    this.handlerRuns.delete(proc);
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
      site: callSite(proc, call),
      restartWouldHelp: call.errno === 'ERESTARTSYS',
      // ERESTARTSYS ends in EINTR only without SA_RESTART; otherwise the sigaction the trace saw says.
      handlerRestart: call.errno === 'ERESTARTSYS' ? false : proc.sigchld.site ? proc.sigchld.restart : null,
      sigaction: proc.sigchld.site,
    });
    this.changes.touch(proc);
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
    this.changes.touch(proc);
  }
}
