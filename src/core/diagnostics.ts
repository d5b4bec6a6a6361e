// Findings derived from the model, each in plain words: what happened, and the fix.
import { count, unique } from './args';
import type { CallSite, ProcessModel, ProcessNode } from './model';
import type { DiagnosticJson, RelatedJson, SourceLocation } from '../shared/schema';

export type SiteRole = 'fork' | 'wait' | 'sigaction' | 'interrupted';

/**
 * The three ways to ask for the precise mode: the setting, a launch configuration, the
 * CLI. Every note that says the precise mode would pin the line ends with it, and its
 * Located says so as data (preciseWouldPin), which views read to offer that trace.
 */
export const PRECISE_HOW = '(strace -k: the forkTrace.stackMode setting, "stackMode": "precise" in a launch configuration, or forktrace --stack-mode precise)';

export interface Located {
  location: SourceLocation | null;
  /** Why there is no location, when there is none. */
  note: string | null;
  /** True when there is no location and a trace in the precise mode (strace -k) would give it. */
  preciseWouldPin?: boolean;
  /**
   * The library functions the call may have gone through (`popen`, `posix_spawn`,
   * `fork`, …): the one at the line, or every candidate's. Absent: not known.
   */
  via?: readonly string[];
}

/** Maps a traced call to its source line; the tracer supplies one that knows binaries. */
export type SiteLocator = (site: CallSite, role: SiteRole) => Located;

export const NO_LOCATOR: SiteLocator = () => ({
  location: null,
  note: 'no source locations were resolved for this trace',
});

/**
 * The fix for children made by a library function that owns their reaping: popen()'s
 * child is waited for by pclose(), and reaping it elsewhere makes pclose() fail;
 * posix_spawn() returns a pid for waitpid(). Null when `via` names no such function
 * for certain (then the general advice stands).
 */
function madeByAdvice(via: ReadonlySet<string> | null, one: boolean): string | null {
  if (!via || via.size === 0) return null;
  const them = one ? 'it' : 'them';
  const kinds = new Set([...via].map((f) => (f === 'posix_spawnp' ? 'posix_spawn' : f)));
  const popen = (who: string): string =>
    `pclose() closes the stream popen() returned and waits for its child: call it on every such stream. A SIGCHLD handler that reaps ${who} would make pclose() fail with ECHILD.`;
  const spawn = (who: string): string =>
    `posix_spawn() does not wait: call waitpid() with the pid it returned, or reap ${who} in a SIGCHLD handler that loops while (waitpid(-1, &status, WNOHANG) > 0).`;
  const made = one ? 'This child was made by' : 'These children were made by';
  if (kinds.size === 1 && kinds.has('popen')) return `${made} popen(). ${popen(them)}`;
  if (kinds.size === 1 && kinds.has('posix_spawn')) return `${made} posix_spawn(). ${spawn(them)}`;
  // Each child came from one of the two (which one, the default trace may not know).
  if (kinds.size === 2 && kinds.has('popen') && kinds.has('posix_spawn')) return `${one ? 'It' : 'They'} came from popen() or posix_spawn(). ${popen("popen()'s child")} ${spawn("posix_spawn()'s children")}`;
  return null;
}

/** The library functions that made these children: null when one child's is not known. */
function madeBy(children: readonly ProcessNode[], at: (site: CallSite | null, role: SiteRole) => Located): Set<string> | null {
  const out = new Set<string>();
  for (const c of children) {
    const via = c.forkSite ? at(c.forkSite, 'fork').via : undefined;
    if (!via || via.length === 0) return null;
    for (const f of via) out.add(f);
  }
  return out;
}

/** A double fork's middle process exits this soon after forking the daemon. */
const DOUBLE_FORK_WINDOW = 1;
const MAX_LISTED_PIDS = 8;

export function diagnose(model: ProcessModel, locate: SiteLocator, rel: (t: number) => number | null): DiagnosticJson[] {
  const out: DiagnosticJson[] = [];
  const at = (site: CallSite | null, role: SiteRole): Located =>
    site ? locate(site, role) : { location: null, note: 'the call was not in the trace' };

  const { leaks, orphans, lingering } = findingsByProcess(model);
  for (const [owner, { atEnd, viaAdopter }] of leaks) {
    const children = [...atEnd, ...viaAdopter];
    const coalesced = model.coalescing.get(owner);
    let why: string;
    let fix: string;
    let where: Located;
    if (coalesced) {
      why = 'Its SIGCHLD handler reaps one child per signal, and signals of one kind do not queue, so children that exit together are left behind.';
      fix = 'Loop in the handler: while (waitpid(-1, &status, WNOHANG) > 0) ;';
      where = at(coalesced.handlerWait, 'wait');
    } else if (owner.lastWait) {
      why = `It calls ${owner.lastWait.event.name}, but never for ${children.length === 1 ? 'this child' : 'these children'}.`;
      fix = madeByAdvice(madeBy(children, at), children.length === 1) ?? 'Reap every child: loop while (waitpid(-1, &status, WNOHANG) > 0) in a SIGCHLD handler or in the main loop.';
      where = at(owner.lastWait, 'wait');
    } else {
      why = 'It never calls wait(), waitpid() or waitid().';
      where = at(children[0].forkSite, 'fork');
      fix = madeByAdvice(madeBy(children, at), children.length === 1) ?? 'Reap children: install a SIGCHLD handler that loops while (waitpid(-1, &status, WNOHANG) > 0), or, if exit statuses are not needed, set SIGCHLD to SIG_IGN (or SA_NOCLDWAIT) and the kernel reaps them.';
    }
    const one = children.length === 1;
    const until = atEnd.length > 0 && viaAdopter.length === 0
      ? `stayed ${one ? 'a zombie' : 'zombies'} until the trace ended`
      : atEnd.length === 0
        ? `stayed ${one ? 'a zombie' : 'zombies'} until ${name(owner)} exited and ${adopterWords(viaAdopter[0])} reaped ${one ? 'it' : 'them'}`
        : 'stayed zombies (some until the trace ended, some until an adopter reaped them)';
    // Not Math.min(...spread): past ~120,000 arguments that throws RangeError.
    const first = children.reduce((t, c) => Math.min(t, c.exit?.time ?? NaN), Infinity);
    out.push({
      kind: 'zombie-leak',
      severity: 'error',
      pids: [owner.pid, ...children.map((c) => c.pid)],
      message: `${name(owner)} never reaped ${count(children.length, 'child process', 'child processes')} (${pidList(children)}): ${one ? 'it' : 'they'} ${until}. ${why} ${fix}`,
      location: where.location,
      locationNote: where.location ? null : where.note,
      locationPreciseWouldPin: !where.location && where.preciseWouldPin === true,
      related: relatedForkSite(children[0], at),
      time: rel(first),
    });
  }

  for (const [proc, record] of model.coalescing) {
    const where = at(record.handlerWait, 'wait');
    const left = [...record.leftBehind];
    const related: RelatedJson[] = [];
    if (proc.sigchld.site) related.push({ message: 'the SIGCHLD handler is installed here', location: at(proc.sigchld.site, 'sigaction').location });
    out.push({
      kind: 'sigchld-coalesced',
      severity: 'warning',
      pids: [proc.pid, ...left.map((c) => c.pid)],
      message: `The SIGCHLD handler of ${name(proc)} reaped one child and returned ${count(record.times, 'time', 'times')} while other children had already exited (${pidList(left)} left as ${left.length === 1 ? 'a zombie' : 'zombies'}). Signals of one kind do not queue: one SIGCHLD can stand for several exits. Loop: while (waitpid(-1, &status, WNOHANG) > 0) ;`,
      location: where.location,
      locationNote: where.location ? null : where.note,
      locationPreciseWouldPin: !where.location && where.preciseWouldPin === true,
      related,
      time: rel(record.firstTime),
    });
  }

  for (const record of model.eintr.values()) {
    const where = at(record.site, 'interrupted');
    const sigactionAt = record.sigaction ? at(record.sigaction, 'sigaction').location : null;
    const sigactionWords = sigactionAt ? ` (sigaction at ${sigactionAt.file}:${sigactionAt.line})` : '';
    const fix = record.restartWouldHelp
      ? `Add SA_RESTART to sa_flags where the handler is installed${sigactionWords}, or retry ${record.call} when errno == EINTR.`
      : `${record.call} fails with EINTR even with SA_RESTART: retry it when errno == EINTR${sigactionWords}.`;
    out.push({
      kind: 'eintr-no-restart',
      severity: 'warning',
      pids: [record.process.pid],
      message: `${record.call} in ${name(record.process)} was interrupted by SIGCHLD and failed with EINTR ("Interrupted system call") ${count(record.times, 'time', 'times')}: the SIGCHLD handler was installed without SA_RESTART. ${fix}`,
      location: where.location,
      locationNote: where.location ? null : where.note,
      locationPreciseWouldPin: !where.location && where.preciseWouldPin === true,
      related: record.sigaction ? [{ message: 'the handler is installed here without SA_RESTART', location: sigactionAt }] : [],
      time: rel(record.firstTime),
    });
  }

  for (const [proc, record] of model.forkFailures) {
    const where = at(record.site, 'fork');
    const why = record.errno === 'EAGAIN'
      ? 'EAGAIN: the process limit was reached (RLIMIT_NPROC, the pids cgroup, or the system\'s pid_max), often because exited children were never reaped and still count'
      : record.errno === 'ENOMEM'
        ? 'ENOMEM: the kernel could not allocate the new process'
        : record.errno;
    out.push({
      kind: 'fork-failed',
      severity: 'warning',
      pids: [proc.pid],
      message: `fork failed ${count(record.times, 'time', 'times')} in ${name(proc)} with ${why}. No child was created: check fork()'s return value, back off and retry, and reap children so they stop counting against the limit.`,
      location: where.location,
      locationNote: where.location ? null : where.note,
      locationPreciseWouldPin: !where.location && where.preciseWouldPin === true,
      related: [],
      time: rel(record.firstTime),
    });
  }

  // One finding per group, not per orphan: a server that double-forks each connection
  // makes thousands of orphans, all for the same reason.
  for (const group of orphanGroups(orphans)) {
    // The orphan whose adopter is named, when the trace could read one.
    const p = group.orphans.find((o) => o.adoptions[0].pid !== null) ?? group.orphans[0];
    const adoption = p.adoptions[0];
    const former = adoption.formerParent;
    const one = group.orphans.length === 1;
    const adopters = unique(group.orphans.map((o) => o.adoptions[0].pid).filter((x): x is number => x !== null));
    // Two adopters outside the trace: a subreaper among the trace's ancestors died meanwhile.
    const adopter = adopters.length > 1 ? 'their adopters outside the trace' : adopterWords(p);
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
      if (exited.length > 0) later += ` ${howMany(exited.length)} exited, and their adopter, outside the trace, reaped ${exited.length === 1 ? 'it' : 'them'} unseen.`;
      if (held.length > 0) later += ` ${howMany(held.length)} exited and ${held.length === 1 ? 'is still a zombie' : 'are still zombies'}: their adopter, outside the trace, has not reaped ${held.length === 1 ? 'it' : 'them'} (/proc shows ${held.length === 1 ? 'it' : 'them'}).`;
    }
    // pid 1 holding zombies: in a container, a program run as pid 1 is no init.
    if (held.length > 0 && adopters.includes(1)) {
      later += ` If init never reaps ${held.length === 1 ? 'it' : 'them'} (a container whose pid 1 is not an init: run it with docker run --init, or tini), every orphan of the program stays a zombie.`;
    }
    let message: string;
    if (one) {
      message = group.deliberate
        ? `${name(p)} was orphaned on purpose: a double fork. Its parent ${name(former)} forked it and exited at once, so ${adopterWords(p)} adopted it and the original program never has to reap it.${later}`
        : `${name(p)} was orphaned when its parent ${name(former)} exited, and ${adopterWords(p)} adopted it.${later}`;
    } else {
      message = group.deliberate
        ? `${name(group.by)} double-forked ${group.orphans.length} processes on purpose (${pidList(group.orphans)}): each one's parent forked it and exited at once, so ${adopter} adopted them and the original program never has to reap them.${later}`
        : `${group.orphans.length} children of ${name(group.by)} (${pidList(group.orphans)}) were orphaned when it exited, and ${adopter} adopted them.${later}`;
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
    });
  }

  for (const [reaper, list] of lingering) {
    const longest = list.reduce((a, b) => (span(b) > span(a) ? b : a));
    const where = at(longest.reaped?.site ?? null, 'wait');
    out.push({
      kind: 'zombie-lingering',
      severity: 'info',
      pids: [reaper.pid, ...list.map((c) => c.pid)],
      message: `${count(list.length, 'child', 'children')} of ${name(reaper)} stayed ${list.length === 1 ? 'a zombie' : 'zombies'} longer than ${model.lingerThreshold} s before being reaped (longest: pid ${longest.pid}, ${span(longest).toFixed(3)} s). Reap sooner: wait from a SIGCHLD handler instead of later in the program.`,
      location: where.location,
      locationNote: where.location ? null : where.note,
      locationPreciseWouldPin: !where.location && where.preciseWouldPin === true,
      related: [],
      time: rel(list.reduce((t, c) => Math.min(t, c.exit?.time ?? NaN), Infinity)),
    });
  }
  return out;
}

interface ProcessFindings {
  /** zombie-leak: by the process that should have reaped. */
  leaks: Map<ProcessNode, { atEnd: ProcessNode[]; viaAdopter: ProcessNode[] }>;
  /** orphan-adopted: adopted while alive (adopted zombies are leaks). */
  orphans: ProcessNode[];
  /** zombie-lingering: reaped by a wait, but late; by reaper. */
  lingering: Map<ProcessNode, ProcessNode[]>;
}

/** The processes behind three kinds of finding, in one pass: a 30,000-process model is read once, not three times. */
function findingsByProcess(model: ProcessModel): ProcessFindings {
  const found: ProcessFindings = { leaks: new Map(), orphans: [], lingering: new Map() };
  for (const p of model.processes) {
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
  return found;
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
    const deliberate =
      p.parent === former &&
      former.exit !== null &&
      former.exit.time - forked <= DOUBLE_FORK_WINDOW &&
      former.reaped?.how === 'wait';
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

function relatedForkSite(p: ProcessNode, at: (site: CallSite | null, role: SiteRole) => Located): RelatedJson[] {
  if (!p.forkSite) return [];
  const location = at(p.forkSite, 'fork').location;
  return location ? [{ message: `pid ${p.pid} was forked here`, location }] : [];
}

function span(p: ProcessNode): number {
  return p.reaped && p.exit ? p.reaped.time - p.exit.time : 0;
}

export function name(p: ProcessNode): string {
  return `${p.command} (pid ${p.pid})`;
}

function adopterWords(p: ProcessNode): string {
  const a = p.adoptions[p.adoptions.length - 1];
  if (!a) return 'its adopter';
  if (a.adopter) return `the subreaper ${name(a.adopter)}`;
  if (a.pid === 1) return a.command ? `init (${a.command}, pid 1)` : 'init (pid 1)';
  if (a.pid !== null) return `${a.command ?? 'a subreaper'} (pid ${a.pid}, outside the trace)`;
  return 'init or a subreaper outside the trace';
}

function pidList(ps: ProcessNode[]): string {
  const shown = ps.slice(0, MAX_LISTED_PIDS).map((p) => p.pid).join(', ');
  const more = ps.length - MAX_LISTED_PIDS;
  return `${ps.length === 1 ? 'pid' : 'pids'} ${shown}${more > 0 ? ` and ${more} more` : ''}`;
}
