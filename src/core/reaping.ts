// Exits and who reaps them (design.md §2): a zombie lasts from its exit to its
// reaping; an exiting process's children move to the nearest living subreaper, else
// to an adopter outside the trace, which reaps unseen. Counts the zombies as it goes.
import type { Seconds } from './events';
import { NONE, appended, type CallSite, type ChangedProcesses, type ProcessNode, type ReapRecord } from './processNode';
import type { SigchldTracker } from './sigchld';

export class Reaping {
  /** Processes exited and not reaped, now. */
  zombiesNow = 0;
  /**
   * The most zombies at once so far. A process no clone has named yet (a `-p` log's task
   * that was there before it, or a child whose parent's clone has not returned) counts only
   * once a clone names it: the first are reaped unseen when they exit (ProcessModel.finish),
   * and an attached JVM's 20 threads, each drawn as a process, ending together are no 20 zombies.
   */
  maxZombies = 0;
  /** Exited processes, not reaped, that no clone has named yet: left out of maxZombies. */
  private readonly unplaced = new Set<ProcessNode>();
  /** Called when a process is adopted by someone outside the trace (a live trace reads /proc). */
  onAdoption: ((pid: number) => void) | null = null;
  /**
   * Called when a zombie is taken as reaped by an adopter outside the trace: that reaping
   * is inferred, and a live trace can check it in /proc (adopterHolds, adopterReaped).
   */
  onInferredReap: ((proc: ProcessNode) => void) | null = null;
  /** Called when a process is reaped by its parent (a wait, or the kernel at once): folding may take it later. */
  onReapedByParent: ((proc: ProcessNode) => void) | null = null;

  constructor(
    private readonly lingerThreshold: number,
    private readonly changes: ChangedProcesses,
    private readonly sigchld: SigchldTracker,
  ) {}

  /** The last thread of `proc` is gone: it is a zombie until reaped, and its children are orphans. */
  processExit(proc: ProcessNode, time: Seconds, code: number | null, signal: string | null, core: boolean): void {
    proc.exit = { time, code, signal, core };
    proc.zombieFrom = time;
    proc.ownerAtExit = proc.owner;
    this.zombiesNow++;
    if (proc.children) {
      for (const child of [...proc.children]) {
        // Its wait already reaped it: only its exit record has not been read (a -ff file read
        // later, or a log without -f that never shows a child's exit). Nobody adopts it.
        if (child.pendingReap?.waiter === proc) continue;
        this.reparent(child, proc, time);
      }
    }
    // A process whose parent's clone has not returned yet waits for it to be settled.
    if (proc.linked) this.settleExit(proc, time);
    else this.unplaced.add(proc);
    this.noteMax();
    this.changes.touch(proc);
  }

  /** A clone named `proc`, which had exited: a zombie it leaves counts now. */
  placed(proc: ProcessNode): void {
    if (this.unplaced.delete(proc)) this.noteMax();
  }

  private noteMax(): void {
    const counted = this.zombiesNow - this.unplaced.size;
    if (counted > this.maxZombies) this.maxZombies = counted;
  }

  /** Who reaps a process that just exited, if anyone does so at once. */
  settleExit(proc: ProcessNode, time: Seconds): void {
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
      this.sigchld.childExited(owner, proc);
    }
  }

  reap(child: ProcessNode, time: Seconds, by: ProcessNode | null, byPid: number | null, how: ReapRecord['how'], seen: boolean, site: CallSite | null): void {
    if (child.reaped) return;
    if (how === 'adopter' && byPid === null) {
      const adoption = child.adoptions[child.adoptions.length - 1];
      if (adoption) byPid = adoption.pid;
    }
    // The wait's site matters only for a zombie that lingered (the finding that points at it);
    // keeping every wait event alive was a sixth of the memory of a 30,000-process model.
    const lingered = child.exit !== null && time - child.exit.time > this.lingerThreshold;
    child.reaped = { time, by, byPid, how, seen, site: lingered ? site : null };
    if (child.exit) {
      this.zombiesNow--;
      this.unplaced.delete(child);
    }
    child.owner?.children?.delete(child);
    this.changes.touch(child);
    if (how === 'adopter' && !seen && by === null) this.onInferredReap?.(child);
    else if (seen && by !== null && by === child.parent && (how === 'wait' || how === 'auto')) this.onReapedByParent?.(child);
  }

  /** A thread's exit, taken for a process's until its clone returned, made no zombie. */
  threadExitTakenBack(thread: ProcessNode): void {
    if (thread.exit !== null && !thread.reaped) {
      this.zombiesNow--;
      this.unplaced.delete(thread);
    }
  }

  /** What a thread taken for a process forked or reaped, its process did (else a parentId named no process). */
  threadWasProcess(thread: ProcessNode, proc: ProcessNode, processes: readonly ProcessNode[]): void {
    for (const p of processes) {
      if (p.parent === thread) {
        p.parent = proc;
        proc.unfoldedChildren++;
      }
      if (p.ownerAtExit === thread) p.ownerAtExit = proc;
      if (p.owner === thread) p.owner = proc;
      if (p.reaped?.by === thread) {
        p.reaped.by = proc;
        p.reaped.byPid = proc.pid;
      }
      if (p.pendingReap?.waiter === thread) p.pendingReap.waiter = proc;
    }
  }

  /**
   * A thread's exit, taken for its process's before the clone returned, orphaned what
   * it had forked. Only the thread ended: those children are its process's, never
   * adopted, and an exit settled by the supposed adopter is settled again by that process.
   */
  undoOrphaning(thread: ProcessNode, proc: ProcessNode, processes: readonly ProcessNode[]): void {
    for (const p of processes) {
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
          this.noteMax();
        }
      }
      this.changes.touch(p);
    }
  }

  /**
   * What a live trace read from /proc: this zombie, taken as reaped by its adopter outside
   * the trace, is still there. It is a zombie again; false when that changed nothing.
   */
  adopterHolds(proc: ProcessNode): boolean {
    if (!proc.exit || !proc.reaped || proc.reaped.how !== 'adopter' || proc.reaped.seen) return false;
    proc.reaped = null;
    this.zombiesNow++;
    this.noteMax();
    this.changes.touch(proc);
    return true;
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
    child.adoptions = appended(child.adoptions, {
      time,
      adopter,
      pid: adopter?.pid ?? null,
      command: adopter?.command ?? null,
      formerParent,
      wasZombie: child.isZombie,
    });
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
    this.changes.touch(child);
  }
}
