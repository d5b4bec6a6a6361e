// orphan-adopted: processes that outlived their parent, one finding per group of orphans.
import { unique } from '../args';
import type { ProcessNode } from '../model';
import type { DiagnosticJson } from '../../shared/schema';
import { adopterWords, pidList, processName } from '../../shared/words';
import { lastAdopter, relatedForkSite, type FindingContext } from './context';

/** A double fork's middle process exits this soon after forking the daemon. */
const DOUBLE_FORK_WINDOW = 1;

/**
 * One finding per group, not per orphan: a server that double-forks each connection
 * makes thousands of orphans, all for the same reason.
 */
export function orphansAdopted({ at, rel }: FindingContext, orphans: readonly ProcessNode[]): DiagnosticJson[] {
  const out: DiagnosticJson[] = [];
  for (const group of orphanGroups(orphans)) {
    // The orphan whose adopter is named, when the trace could read one.
    const p = group.orphans.find((o) => o.adoptions[0].pid !== null) ?? group.orphans[0];
    const adoption = p.adoptions[0];
    const former = adoption.formerParent;
    const one = group.orphans.length === 1;
    const adopters = unique(group.orphans.map((o) => o.adoptions[0].pid).filter((x): x is number => x !== null));
    // Two adopters outside the trace: a subreaper among the trace's ancestors died meanwhile.
    const adopter = adopters.length > 1 ? 'their adopters outside the trace' : adopterWords(lastAdopter(p));
    const exited = group.orphans.filter((o) => o.exit && o.reaped && !o.reaped.seen);
    // Zombies an adopter outside the trace has not reaped (a live trace reads /proc).
    const held = group.orphans.filter((o) => o.isZombie && o.owner === null);
    let later = '';
    const exitedAt = p.exit ? rel(p.exit.time) : null;
    const exitedWhen = exitedAt === null ? '' : ` at ${exitedAt.toFixed(3)} s`;
    if (one && exited.length === 1) {
      later = ` It exited${exitedWhen} and its adopter, outside the trace, reaped it unseen.`;
    } else if (one && held.length === 1) {
      later = ` It exited${exitedWhen} and is still a zombie: its adopter, outside the trace, has not reaped it (/proc shows it).`;
    } else {
      const howMany = (n: number): string => (n === group.orphans.length ? (n === 2 ? 'Both' : 'All') : String(n));
      if (exited.length > 0)
        later += ` ${howMany(exited.length)} exited, and their adopter, outside the trace, reaped ${exited.length === 1 ? 'it' : 'them'} unseen.`;
      if (held.length > 0)
        later += ` ${howMany(held.length)} exited and ${held.length === 1 ? 'is still a zombie' : 'are still zombies'}: their adopter, outside the trace, has not reaped ${held.length === 1 ? 'it' : 'them'} (/proc shows ${held.length === 1 ? 'it' : 'them'}).`;
    }
    // pid 1 holding zombies: in a container, a program run as pid 1 is no init.
    if (held.length > 0 && adopters.includes(1)) {
      later += ` If init never reaps ${held.length === 1 ? 'it' : 'them'} (a container whose pid 1 is not an init: run it with docker run --init, or tini), every orphan of the program stays a zombie.`;
    }
    let message: string;
    if (one) {
      message = group.deliberate
        ? `${processName(p)} was orphaned on purpose: a double fork. Its parent ${processName(former)} forked it and exited at once, so ${adopterWords(lastAdopter(p))} adopted it and the original program never has to reap it.${later}`
        : `${processName(p)} was orphaned when its parent ${processName(former)} exited, and ${adopterWords(lastAdopter(p))} adopted it.${later}`;
    } else {
      message = group.deliberate
        ? `${processName(group.by)} double-forked ${group.orphans.length} processes on purpose (${pidList(group.orphans)}): each one's parent forked it and exited at once, so ${adopter} adopted them and the original program never has to reap them.${later}`
        : `${group.orphans.length} children of ${processName(group.by)} (${pidList(group.orphans)}) were orphaned when it exited, and ${adopter} adopted them.${later}`;
    }
    const formers = unique(group.orphans.map((o) => o.adoptions[0].formerParent.pid));
    out.push({
      kind: 'orphan-adopted',
      severity: 'info',
      pids: one ? [p.pid, former.pid, ...adopters] : [...group.orphans.map((o) => o.pid), ...formers, ...adopters],
      message,
      location: null,
      locationNote: null,
      locationPreciseWouldPin: false,
      related: relatedForkSite(p, at),
      time: rel(group.orphans.reduce((t, o) => Math.min(t, o.adoptions[0].time), Infinity)),
      fixes: [],
      fixNote: null,
    });
  }
  return out;
}

interface OrphanGroup {
  /** The double forks' original program, or the parent whose exit orphaned them. */
  by: ProcessNode;
  deliberate: boolean;
  orphans: ProcessNode[];
}

/**
 * Orphans grouped by why: deliberate double forks by the program that made them (the
 * middle process's parent), accidental orphans by the parent whose exit left them;
 * and by who adopted them.
 */
function orphanGroups(orphans: readonly ProcessNode[]): OrphanGroup[] {
  const groups = new Map<string, OrphanGroup>();
  for (const p of orphans) {
    const adoption = p.adoptions[0];
    const former = adoption.formerParent;
    const forked = p.forkSite?.event.time ?? p.start;
    const deliberate = p.parent === former && former.exit !== null && former.exit.time - forked <= DOUBLE_FORK_WINDOW && former.reaped?.how === 'wait';
    const by = deliberate && former.parent ? former.parent : former;
    // An adopter inside the trace is part of the story; one outside is the same for every
    // orphan of the trace (the trace's own ancestors), named for some and not others.
    const key = `${deliberate}\0${by.id}\0${adoption.adopter?.id ?? 'outside'}`;
    const group = groups.get(key);
    if (group) group.orphans.push(p);
    else groups.set(key, { by, deliberate, orphans: [p] });
  }
  return [...groups.values()];
}
