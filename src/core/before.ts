// What an attach finds already there, read from /proc by the tracer and handed in as
// plain data: the process, its threads, its living descendants and the zombies they
// hold. Seeded into the model before the first event, so the trace starts from them:
// their start times are negative (seconds before the attach, the trace's origin), a
// zombie's exit time is unknown (its interval is marked `before`), and a wait that reaps
// one later closes its interval like any other. Their forks were not seen: each gets a
// stand-in fork site in its parent's executable (CallSite.beforeTrace).
import type { Seconds } from './events';
import type { CallSite, ExitStatus, ProcessModel, ProcessNode } from './model';

export interface ExistingProcess {
  pid: number;
  ppid: number;
  /** Its threads' ids, the leader's included (just [pid] for a zombie). */
  tids: number[];
  /** What the views call it: the executable's base name, else its comm. */
  command: string;
  argv: string[];
  /** The executable (/proc/PID/exe), null when unreadable (a zombie's). */
  exe: string | null;
  /** When it started, absolute (epoch seconds, like strace's -ttt). */
  start: Seconds;
  /** Its exit status, when it is a zombie already; null while it runs. */
  zombie: ExitStatus | null;
  /** Its SIGCHLD disposition, from /proc/PID/status's SigIgn and SigCgt. */
  sigchld: 'default' | 'ignore' | 'handler';
  /** Its start in clock ticks since boot, as /proc gives it: the same for the same process when read again. */
  startTicks?: number;
  /** A tracer (strace) followed it when /proc was read (its TracerPid). */
  traced?: boolean;
  /**
   * Forked as strace attached, before strace reached its parent: strace never follows it,
   * so its calls, exit and children are not in the trace (only a wait that reaps it is).
   */
  untraced?: boolean;
}

/**
 * Seeds `model` (still empty) with what was there at `attachTime`, which becomes the
 * trace's origin. `existing` is the attached process first, then its descendants in
 * any order: each is linked to its parent when that is among them.
 */
export function seedBefore(model: ProcessModel, attachTime: Seconds, existing: readonly ExistingProcess[]): ProcessNode[] {
  model.origin = attachTime;
  model.seeded = true;
  model.lastTime = attachTime;
  const byPid = new Map(existing.map((e) => [e.pid, e]));
  const nodes = new Map<number, ProcessNode>();
  const seeded: ProcessNode[] = [];
  // Parents before children, whatever the order given; a cycle (pid reuse mid-scan) ends the walk.
  const visiting = new Set<number>();
  const add = (e: ExistingProcess): ProcessNode => {
    const known = nodes.get(e.pid);
    if (known) return known;
    visiting.add(e.pid);
    const parentFacts = byPid.get(e.ppid);
    const parent = parentFacts && !visiting.has(parentFacts.pid) ? add(parentFacts) : null;
    visiting.delete(e.pid);
    const proc = model.newProcess(e.pid, Math.min(e.start, attachTime), null);
    proc.linked = true;
    proc.before = e.untraced ? 'untraced' : 'running';
    proc.parent = proc.owner = parent;
    if (parent) {
      (parent.children ??= new Set()).add(proc);
      parent.unfoldedChildren++;
    }
    // Its threads are its own: their calls are the process's.
    for (const tid of e.zombie ? [e.pid] : e.tids) {
      model.byTid.set(tid, proc);
      proc.liveTids.add(tid);
    }
    proc.threadCount = Math.max(1, proc.liveTids.size);
    proc.command = e.command;
    proc.argv = e.argv;
    proc.image = e.exe;
    if (parent && parentFacts?.exe) proc.forkSite = forkedBefore(parentFacts, e);
    nodes.set(e.pid, proc);
    seeded.push(proc);
    return proc;
  };
  for (const e of existing) add(e);
  for (const e of existing) {
    const proc = nodes.get(e.pid);
    if (!proc || !e.zombie) continue;
    // Exited at some unknown time before: the attach is the latest it can have been.
    proc.before = 'zombie';
    model.processExit(proc, attachTime, e.zombie.code, e.zombie.signal, e.zombie.core);
  }
  // Only now: a handler's bookkeeping must not count the zombies found as exits of this trace's.
  // Whether the handler has SA_RESTART is not in /proc: taken as set, so no EINTR is reported that was not seen.
  for (const e of existing) {
    const proc = nodes.get(e.pid);
    if (proc && e.sigchld !== 'default') proc.sigchld = { action: e.sigchld, restart: true, nocldwait: false, site: null };
  }
  return seeded;
}

/**
 * The fork that made `child`, which the trace never saw: a stand-in call by its parent,
 * marked beforeTrace, for the resolver to answer from the parent's executable alone.
 */
function forkedBefore(parent: ExistingProcess, child: ExistingProcess): CallSite {
  return {
    event: { kind: 'syscall', line: 0, pid: parent.pid, time: child.start, name: 'fork', args: '', result: String(child.pid), errno: null },
    executable: parent.exe,
    argv: parent.argv,
    beforeTrace: true,
  };
}
