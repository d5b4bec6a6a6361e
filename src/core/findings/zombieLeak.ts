// zombie-leak: children their own parent never reaped, grouped by that parent.
import type { ProcessNode } from '../model';
import type { DiagnosticJson, SourceLocation } from '../../shared/schema';
import { adopterWords, count, pidList, processName, sentence } from '../../shared/words';
import type { ProcessFindings } from './byProcess';
import { lastAdopter, locationFields, relatedForkSite, type At, type FindingContext, type Located } from './context';
import type { FixRequest } from './fixRequest';
import { deferredHandlerLanguage } from '../sigchld';

export function zombieLeaks({ model, at, rel, fix: fixFor }: FindingContext, leaks: ProcessFindings['leaks']): DiagnosticJson[] {
  const out: DiagnosticJson[] = [];
  for (const [owner, { atEnd, viaAdopter }] of leaks) {
    const children = [...atEnd, ...viaAdopter];
    // Zombies an attach found were forked before it: a child the trace saw forked has the
    // line; else one found there, whose line is inferred when its parent's program has one fork call.
    const traced = children.find((c) => c.forkSite && !c.forkSite.beforeTrace) ?? children.find((c) => c.forkSite) ?? children[0];
    const coalesced = model.coalescing.get(owner);
    let why: string;
    let fix: string;
    let where: Located;
    let request: FixRequest;
    const made = madeBy(children, at);
    if (coalesced) {
      why = 'Its SIGCHLD handler reaps one child per signal, and signals of one kind do not queue, so children that exit together are left behind.';
      fix = `Loop in the handler: ${reapLoopWords(owner)}`;
      where = at(coalesced.handlerWait, 'wait');
      request = reapLoopRequest(where, coalesced.handlerWait?.executable ?? null);
    } else if (owner.lastWait) {
      why = `It calls ${owner.lastWait.event.name}, but never for ${children.length === 1 ? 'this child' : 'these children'}.`;
      where = at(owner.lastWait, 'wait');
      fix =
        madeByAdvice(made, children.length === 1) ??
        languageAdvice(where, owner) ??
        'Reap every child: loop while (waitpid(-1, &status, WNOHANG) > 0) in a SIGCHLD handler or in the main loop.';
      request = libraryChildRequest(children, made, at) ?? {
        kind: 'none',
        reason: `${processName(owner)} already waits for some children (${owner.lastWait.event.name}): which wait should also reap these is the program's decision, so no edit is offered.`,
      };
    } else {
      where =
        traced.forkSite || !traced.before
          ? at(traced.forkSite, 'fork')
          : { location: null, note: 'they were forked before the attach, so the fork is not in the trace' };
      // How a line the trace did not see was found, where the message is read (Problems, the CLI).
      const inferred = where.location && where.inferred ? ` ${sentence(where.inferred)}.` : '';
      const inLanguage = languageAdvice(where, owner);
      why = `${inLanguage ? 'It never waits for a child (no wait4 or waitid in the trace).' : 'It never calls wait(), waitpid() or waitid().'}${inferred}`;
      fix =
        madeByAdvice(made, children.length === 1) ??
        inLanguage ??
        'Reap children: install a SIGCHLD handler that loops while (waitpid(-1, &status, WNOHANG) > 0), or, if exit statuses are not needed, set SIGCHLD to SIG_IGN (or SA_NOCLDWAIT) and the kernel reaps them.';
      request = libraryChildRequest(children, made, at) ?? forkRequest(children, made, at);
    }
    const one = children.length === 1;
    const until =
      atEnd.length > 0 && viaAdopter.length === 0
        ? `stayed ${one ? 'a zombie' : 'zombies'} until the trace ended`
        : atEnd.length === 0
          ? `stayed ${one ? 'a zombie' : 'zombies'} until ${processName(owner)} exited and ${adopterWords(lastAdopter(viaAdopter[0]))} reaped ${one ? 'it' : 'them'}`
          : 'stayed zombies (some until the trace ended, some until an adopter reaped them)';
    // Not Math.min(...spread): past ~120,000 arguments that throws RangeError.
    const first = children.reduce((t, c) => Math.min(t, c.exit?.time ?? NaN), Infinity);
    out.push({
      kind: 'zombie-leak',
      severity: 'error',
      pids: [owner.pid, ...children.map((c) => c.pid)],
      message: `${processName(owner)} never reaped ${count(children.length, 'child process', 'child processes')} (${pidList(children)}): ${one ? 'it' : 'they'} ${until}. ${why} ${fix}`,
      ...locationFields(where),
      related: relatedForkSite(traced, at),
      time: rel(first),
      ...fixFor(request),
    });
  }
  return out;
}

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
  if (kinds.size === 2 && kinds.has('popen') && kinds.has('posix_spawn'))
    return `${one ? 'It' : 'They'} came from popen() or posix_spawn(). ${popen("popen()'s child")} ${spawn("posix_spawn()'s children")}`;
  return null;
}

/**
 * The reaping a Go or Rust program does through its own library, for a line in a `.go` or
 * `.rs` file or a program built by Go or Rust; a Python or Perl script's, when an
 * interpreter runs `owner`: waitpid(&status) and sigaction are C's words. Null for C.
 */
function languageAdvice(where: Located, owner: ProcessNode): string | null {
  const file = where.location?.file;
  if (file?.endsWith('.go') || (!file && where.runtime === 'go'))
    return 'Call Wait() on every exec.Cmd that Start() started (Run(), Output() and CombinedOutput() wait by themselves), and on every *os.Process that os.StartProcess returned.';
  if (file?.endsWith('.rs') || (!file && where.runtime === 'rust'))
    return 'Call wait() on every Child that Command::spawn() returned (status() and output() wait by themselves; dropping a Child never reaps it), and waitpid() on every pid that libc::fork() returned.';
  const script = deferredHandlerLanguage(owner.executable);
  return script ? SCRIPT_REAPING[script].every : null;
}

/**
 * The loop a SIGCHLD handler needs, in the words of the language the process runs: C's
 * waitpid loop, or a script's when an interpreter runs the handler.
 */
export function reapLoopWords(proc: ProcessNode): string {
  const script = deferredHandlerLanguage(proc.executable);
  return script ? SCRIPT_REAPING[script].loop : 'while (waitpid(-1, &status, WNOHANG) > 0) ;';
}

/** A script's reaping in its own words: of every child, and the handler's loop. */
const SCRIPT_REAPING: Record<'python' | 'perl', { every: string; loop: string }> = {
  python: {
    every:
      'Call wait() on every subprocess.Popen (run() and call() wait by themselves) and os.waitpid() on every pid os.fork() returned, or loop os.waitpid(-1, os.WNOHANG) in a SIGCHLD handler until it returns pid 0; with signal.signal(signal.SIGCHLD, signal.SIG_IGN) the kernel reaps them.',
    loop: 'call os.waitpid(-1, os.WNOHANG) until it returns pid 0 or raises ChildProcessError.',
  },
  perl: {
    every:
      "Call waitpid($pid, 0) for every pid fork returned, or in a $SIG{CHLD} handler, 1 while waitpid(-1, WNOHANG) > 0; with $SIG{CHLD} = 'IGNORE' the kernel reaps them.",
    loop: '1 while waitpid(-1, WNOHANG) > 0; (WNOHANG from POSIX).',
  },
};

/** The library functions that made these children: null when one child's is not known. */
function madeBy(children: readonly ProcessNode[], at: At): Set<string> | null {
  const out = new Set<string>();
  for (const c of children) {
    const via = c.forkSite ? at(c.forkSite, 'fork').via : undefined;
    if (!via || via.length === 0) return null;
    for (const f of via) out.add(f);
  }
  return out;
}

/** The handler's single wait, to become a loop; none when its line is not known. */
export function reapLoopRequest(where: Located, executable: string | null): FixRequest {
  return where.location
    ? { kind: 'reap-loop', wait: where.location, executable }
    : { kind: 'none', reason: noLineReason("the SIGCHLD handler's waitpid", where) };
}

function noLineReason(what: string, where: Located): string {
  return `the line of ${what} is not known${where.note ? ` (${where.note})` : ''}, so no edit can be computed.`;
}

/** The distinct lines that made the children, or why one is not known. */
function forkLines(children: readonly ProcessNode[], at: At): { lines: SourceLocation[]; executable: string | null } | { reason: string } {
  const lines = new Map<string, SourceLocation>();
  let executable: string | null = null;
  for (const c of children) {
    const where = at(c.forkSite, 'fork');
    if (!where.location) return { reason: noLineReason(`the call that made pid ${c.pid}`, where) };
    lines.set(`${where.location.file}:${where.location.line}`, where.location);
    executable ??= c.forkSite?.executable ?? null;
  }
  return { lines: [...lines.values()], executable };
}

/** pclose() for popen()'s children, waitpid() for posix_spawn()'s; null when a plain fork made them (or it is not known). */
function libraryChildRequest(children: readonly ProcessNode[], made: ReadonlySet<string> | null, at: At): FixRequest | null {
  if (!made || made.size === 0) return null;
  const kinds = new Set([...made].map((f) => (f === 'posix_spawnp' ? 'posix_spawn' : f)));
  if (kinds.size !== 1 || !(kinds.has('popen') || kinds.has('posix_spawn'))) {
    if (kinds.has('popen') || kinds.has('posix_spawn'))
      return {
        kind: 'none',
        reason: 'the children came from more than one kind of call (popen(), posix_spawn(), fork()), and the trace cannot tell which made which.',
      };
    return null;
  }
  const lines = forkLines(children, at);
  if ('reason' in lines) return { kind: 'none', reason: lines.reason };
  return kinds.has('popen')
    ? { kind: 'pclose', popens: lines.lines, executable: lines.executable }
    : { kind: 'waitpid-spawned', spawns: lines.lines, executable: lines.executable };
}

/** A reaping SIGCHLD handler (or SIG_IGN) for children made by fork(). */
function forkRequest(children: readonly ProcessNode[], made: ReadonlySet<string> | null, at: At): FixRequest {
  if (made && [...made].some((f) => f !== 'fork' && f !== 'vfork' && f !== 'clone'))
    return { kind: 'none', reason: `the children were made by ${[...made].join('(), ')}(), which no edit here knows how to reap.` };
  const lines = forkLines(children, at);
  if ('reason' in lines) return { kind: 'none', reason: lines.reason };
  return { kind: 'reap-children', forks: lines.lines, executable: lines.executable };
}
