// The processes behind the per-process finding kinds, found in one pass over the model.
import type { ProcessModel, ProcessNode } from '../model';

export interface ProcessFindings {
  /** zombie-leak: by the process that should have reaped. */
  leaks: Map<ProcessNode, { atEnd: ProcessNode[]; viaAdopter: ProcessNode[] }>;
  /** orphan-adopted: adopted while alive (adopted zombies are leaks). */
  orphans: ProcessNode[];
  /** zombie-lingering: reaped by a wait, but late; by reaper. */
  lingering: Map<ProcessNode, ProcessNode[]>;
}

/** The processes behind three kinds of finding, in one pass: a 30,000-process model is read once, not three times. */
export function findingsByProcess(model: ProcessModel): ProcessFindings {
  const found: ProcessFindings = { leaks: new Map(), orphans: [], lingering: new Map() };
  /** The longest a child stayed a zombie before the process's own wait reaped it, by process. */
  const reapedWithin = new Map<ProcessNode, number>();
  for (const p of model.processes) {
    // Not one found at an attach, or known only from its wait: when it exited is not known.
    if (p.exit && p.reaped?.how === 'wait' && p.reaped.by && p.before === null) {
      const span = p.reaped.time - p.exit.time;
      // A log without timestamps (NaN times) gives no span: no grace can be measured from it.
      if (Number.isFinite(span) && span > (reapedWithin.get(p.reaped.by) ?? -1)) reapedWithin.set(p.reaped.by, span);
    }
    const owner = p.ownerAtExit;
    if (p.exit && owner) {
      // Still a zombie: of its parent, or of the adopter its parent's exit left it to (a
      // subreaper that does not reap it either, or one outside the trace, seen in /proc).
      const stillZombie = p.isZombie && (p.owner === owner || p.adoptions.some((a) => a.formerParent === owner));
      const adopterReaped = p.reaped !== null && p.reaped.how === 'adopter' && p.adoptions.some((a) => a.formerParent === owner);
      if (stillZombie || adopterReaped) {
        let group = found.leaks.get(owner);
        if (!group) found.leaks.set(owner, (group = { atEnd: [], viaAdopter: [] }));
        (stillZombie ? group.atEnd : group.viaAdopter).push(p);
      }
    }
    const adoption = p.adoptions[0];
    if (adoption && !adoption.wasZombie) found.orphans.push(p);
    if (p.exit && p.reaped && p.reaped.how === 'wait' && p.reaped.by && p.reaped.time - p.exit.time > model.lingerThreshold) {
      const list = found.lingering.get(p.reaped.by) ?? [];
      list.push(p);
      found.lingering.set(p.reaped.by, list);
    }
  }
  notYetDue(model, found.leaks, reapedWithin);
  return found;
}

/**
 * A zombie the trace ended on (stopped, detached, or a live picture now) is no leak yet while
 * its parent has not passed it by since it exited (no wait that found none ready, nor one for
 * another given pid: a reaping loop cut short by the end has not) and it has been one for no
 * longer than twice the longest its parent took to reap another (a busy machine delays a
 * reaping): a server that reaps each child 90 ms after its exit, detached 20 ms after one
 * exited, would reap it too. A parent that never reaped a child by a wait, one that passed
 * this one by, or one whose SIGCHLD handler left children behind, gets no grace.
 */
function notYetDue(model: ProcessModel, leaks: ProcessFindings['leaks'], reapedWithin: ReadonlyMap<ProcessNode, number>): void {
  for (const [owner, group] of leaks) {
    const within = reapedWithin.get(owner);
    if (within === undefined || group.atEnd.length === 0 || model.coalescing.has(owner)) continue;
    // An age that is not known to be within the grace (no timestamps) is due.
    const due = (c: ProcessNode): boolean => !c.exit || owner.passedByAt > c.exit.time || !(model.lastTime - c.exit.time <= 2 * within);
    group.atEnd = group.atEnd.filter(due);
    if (group.atEnd.length === 0 && group.viaAdopter.length === 0) leaks.delete(owner);
  }
}
