// The SiteResolver: picks the path per event (an interpreter's, the precise `-k` one, the
// static one, then following the flow) and caches the answers per call signature.
// Synchronous for the SiteLocator contract and never throws: every failure becomes a note
// the user can act on.
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PRECISE_HOW, type Located, type SiteLocator, type SiteRole } from '../core/diagnostics';
import type { SyscallEvent } from '../core/events';
import type { CallSite } from '../core/model';
import { none, type Answer } from './answer';
import { Binaries, type BinaryFile } from './binaries';
import { BinutilsCache, type ToolStats } from './binutilsCache';
import { FlowFollower } from './flowFollower';
import { glibcVersion } from './glibcVersion';
import { InterpretedPath, type CandidateLocation } from './interpreted';
import { describeFunctions, PROCESS_MAKERS, staticQuery, type StaticFacts, type StaticQuery } from './libcCalls';
import { PrecisePath } from './precise';
import { StaticPath } from './staticPath';

export interface SiteResolverOptions {
  /** Where relative executable paths from the trace are resolved (the traced program's cwd). */
  cwd?: string;
  /** The workspace: searched for candidates of interpreted programs, and a base for relative source paths. */
  workspaceRoot?: string;
  /** The program, for call sites whose executable the trace does not show. */
  program?: string;
  /** LD_LIBRARY_PATH of the traced program: where its own shared libraries may be. */
  libraryPath?: string;
  objdump?: string;
  addr2line?: string;
  /**
   * How strace printed the bracketed `-k` value: libunwind prints the file offset of the
   * return address, libdw the link-time address of (return address - 1). Only matters
   * when a frame has no usable symbol and the two differ; default: read `strace -V`.
   */
  unwinder?: 'libunwind' | 'libdw';
  /** Executables with more machine code than this are not disassembled (default 32 MiB). */
  maxTextBytes?: number;
  /** Per tool run (default 30 s). */
  timeoutMs?: number;
}

/** What the resolver did, and the objdump and addr2line runs (ToolStats) it took. */
export interface SiteResolverStats extends ToolStats {
  /** locate() calls. */
  lookups: number;
  /** locate() calls answered from the cache. */
  cacheHits: number;
  /** Wall time spent working out answers in locate() and in prepare(), tools included (cache hits are not timed). */
  ms: number;
}

export { PRECISE_HOW };

export class SiteResolver {
  readonly stats: SiteResolverStats = {
    lookups: 0,
    cacheHits: 0,
    objdumpRuns: 0,
    objdumpMs: 0,
    addr2lineRuns: 0,
    addr2lineAddresses: 0,
    addr2lineMs: 0,
    ms: 0,
  };
  private readonly binaries: Binaries;
  private readonly binutils: BinutilsCache;
  private readonly interpreted: InterpretedPath;
  private readonly precise: PrecisePath;
  private readonly staticPath: StaticPath;
  private readonly flow: FlowFollower;
  private results = new WeakMap<SyscallEvent, Map<SiteRole, Answer>>();
  /** Answers for calls without `-k` frames, by program, then by static signature. */
  private readonly bySignature = new Map<string, Map<string, Answer>>();
  /** The last StaticQuery read and what it was read from (see queryOf). */
  private lastQuery: { name: string; args: string; role: SiteRole; notSpawnCleanup?: boolean; childExec?: string; query: StaticQuery } | null = null;

  constructor(private readonly options: SiteResolverOptions = {}) {
    const { cwd, workspaceRoot, libraryPath, objdump, addr2line } = options;
    this.binaries = new Binaries(cwd);
    this.binutils = new BinutilsCache(this.binaries, this.stats, {
      cwd,
      workspaceRoot,
      libraryPath,
      objdump,
      addr2line,
      maxTextBytes: options.maxTextBytes ?? 32 * 1024 * 1024,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    this.interpreted = new InterpretedPath({ cwd, workspaceRoot });
    this.precise = new PrecisePath(this.binaries, this.binutils, options.unwinder);
    this.staticPath = new StaticPath(this.binutils);
    this.flow = new FlowFollower(this.binutils, (call) => this.lookupStatic(call, 'fork').sites);
  }

  /** A SiteLocator for buildSnapshot / TraceSession.snapshot. */
  locator(): SiteLocator {
    return (site, role) => this.locate(site, role);
  }

  /** Where this call is in the source, or why that is not known. Never throws. */
  locate(site: CallSite, role: SiteRole): Located {
    const located = this.lookup(site, role).located;
    const exePath = site?.executable ?? this.options.program ?? '';
    const runtime = exePath ? this.binaries.get(exePath).runtime() : null;
    return runtime ? { ...located, runtime } : located;
  }

  /**
   * Every line that may have made this call, labelled as candidates: the disassembly's
   * call sites when there are several, or workspace matches for interpreted programs.
   */
  candidates(site: CallSite, role: SiteRole): CandidateLocation[] {
    return this.lookup(site, role).candidates;
  }

  /**
   * Does the slow work ahead of time without blocking: disassembles the executables and
   * resolves the `-k` frames of the given call sites, one addr2line run per binary.
   * Strings are executable paths. Never rejects.
   */
  async prepare(items: Iterable<CallSite | string>): Promise<void> {
    const t0 = performance.now();
    try {
      glibcVersion(); // read once, here rather than in the first snapshot's first lookup
      const tools = this.binutils.paths();
      const executables = new Set<string>();
      const frames = new Map<BinaryFile, Set<number>>();
      for (const item of items) {
        const exe = typeof item === 'string' ? item : (item.executable ?? this.options.program ?? null);
        if (exe) executables.add(exe);
        if (typeof item === 'string') continue;
        for (const stack of stacksOf(item)) {
          for (const pick of this.precise.programFrames(stack)) {
            if (pick.bin.problem || !pick.bin.elf) continue;
            const set = frames.get(pick.bin) ?? new Set<number>();
            set.add(pick.address);
            frames.set(pick.bin, set);
          }
        }
      }
      const jobs: Array<Promise<void>> = [];
      for (const exe of executables) {
        const bin = this.binaries.get(exe);
        if (bin.problem || !bin.elf || !tools.objdump || bin.language()) continue;
        for (const b of [bin, ...this.binutils.librariesOf(bin)]) if (!this.binutils.analysisOf(b)) jobs.push(this.binutils.analyzeAsync(b, tools.objdump));
      }
      for (const [bin, set] of frames) {
        const missing = [...set].filter((a) => this.binutils.resolved(bin, a) === undefined);
        if (missing.length > 0 && tools.addr2line) jobs.push(this.binutils.resolveAsync(bin, missing, tools.addr2line));
      }
      await Promise.all(jobs);
    } catch {
      // prepare is only an optimisation: locate() reports problems
    }
    this.stats.ms += performance.now() - t0;
  }

  /** Forgets every binary (call after rebuilding the program). */
  clear(): void {
    this.results = new WeakMap();
    this.bySignature.clear();
    this.binaries.clear();
    this.binutils.clear();
    this.interpreted.clear();
    this.staticPath.clear();
    this.flow.clear();
  }

  private lookup(site: CallSite, role: SiteRole): Answer {
    if (site?.beforeTrace) return this.lookupBefore(site);
    const answer = this.lookupStatic(site, role);
    if (role !== 'fork' || answer.located.location !== null || !answer.sites || site.after === undefined) return answer;
    return this.flow.follow(this.binaries.get(site.executable ?? this.options.program ?? ''), site, answer) ?? answer;
  }

  /**
   * A fork the trace did not see (CallSite.beforeTrace): the line is a fact only when the
   * parent's program (with its own libraries) has a single call that makes processes.
   */
  private lookupBefore(site: CallSite): Answer {
    this.stats.lookups++;
    const t0 = performance.now();
    let result: Answer;
    try {
      result = this.computeBefore(site);
    } catch (err) {
      result = none(`The line of the fork before the attach could not be worked out: ${(err as Error).message}`);
    }
    this.stats.ms += performance.now() - t0;
    return result;
  }

  private computeBefore(site: CallSite): Answer {
    const exePath = site.executable;
    if (!exePath) return none('The fork was before the attach, and the program that made it is not known, so its line is not known.');
    const exe = this.binaries.get(exePath);
    if (exe.language())
      return none(`The fork was before the attach, by an interpreter (${basename(exe.path)}): which line of its script made it is not known.`);
    if (exe.problem) return none(exe.problem);
    if (!exe.elf) return none(`${exe.path} is not an ELF executable, so the line of the fork before the attach is not known.`);
    const answer = this.staticPath.locate(exe, site.event, BEFORE_QUERY, true);
    if (!answer.located.location) return answer;
    const via = answer.located.via && answer.located.via.length > 0 ? ` (${describeFunctions([...answer.located.via])})` : '';
    return {
      ...answer,
      located: { ...answer.located, inferred: `the fork was before the attach; this is the only call in ${basename(exe.path)} that makes processes${via}` },
    };
  }

  /** The answer before following the flow: cached by static signature, or per call when it has `-k` frames or failed. */
  private lookupStatic(site: CallSite, role: SiteRole): Answer {
    this.stats.lookups++;
    if (!site || typeof site.event !== 'object' || site.event === null) {
      return { located: { location: null, note: 'The call was not in the trace.' }, candidates: [] };
    }
    const shared = this.sharedAnswers(site);
    const query = shared ? this.queryOf(site, role) : null;
    const known = (query && shared?.get(query.key)) ?? this.results.get(site.event)?.get(role);
    if (known) {
      this.stats.cacheHits++;
      return known;
    }
    const t0 = performance.now();
    let result: Answer;
    let failed = false;
    try {
      result = this.compute(site, role, query);
    } catch (err) {
      failed = true;
      result = { located: { location: null, note: `The source line could not be worked out: ${(err as Error).message}` }, candidates: [] };
    }
    if (shared && query && !failed) {
      shared.set(query.key, result);
    } else {
      // A failure (addr2line died) is kept for this call only: the next call tries again.
      let perEvent = this.results.get(site.event);
      if (!perEvent) this.results.set(site.event, (perEvent = new Map()));
      perEvent.set(role, result);
    }
    this.stats.ms += performance.now() - t0;
    return result;
  }

  /**
   * Where answers for this call are shared, by static signature: a call without `-k`
   * frames is located only by its program and its StaticQuery, so the 30,000
   * forks of a fork-per-connection server are resolved once; an interpreter's calls, by
   * program and command line (which names the script). Undefined for calls with frames
   * (each has its own stack).
   */
  private sharedAnswers(site: CallSite): Map<string, Answer> | undefined {
    const event = site.event;
    if (event.stack && event.stack.length > 0) return undefined;
    // A malformed event is located on its own, where compute() turns what it throws into a note.
    if (typeof event.name !== 'string' || typeof event.args !== 'string') return undefined;
    const exePath = site.executable ?? this.options.program ?? '';
    const key = exePath && this.binaries.get(exePath).language() ? `${exePath}\0${(site.argv ?? []).join('\0')}` : exePath;
    let answers = this.bySignature.get(key);
    if (!answers) this.bySignature.set(key, (answers = new Map()));
    return answers;
  }

  /** The interpreter's path, else the precise one for each `-k` stack, else the static one. `query`: the call's StaticQuery when lookup read it already. */
  private compute(site: CallSite, role: SiteRole, query: StaticQuery | null): Answer {
    const exePath = site.executable ?? this.options.program ?? null;
    const exe = exePath ? this.binaries.get(exePath) : null;
    const lang = exe?.language();
    if (exe && lang) return this.interpreted.locate(exe, lang, site, role);
    for (const stack of stacksOf(site)) {
      const precise = this.precise.locate(stack);
      if (precise) return { located: precise, candidates: [] };
    }
    if (!exePath || !exe) {
      return none(
        `The trace does not show which program made this call (no exec of it is in the trace: it was running before the trace began, or strace's -e trace= left execve out), so its source line is unknown. Start the program under Fork Trace, or trace in precise mode ${PRECISE_HOW}.`,
        true,
      );
    }
    if (exe.problem) return none(exe.problem);
    if (!exe.elf) return none(`${exe.path} is not an ELF executable, so its calls cannot be located.`);
    return this.staticPath.locate(exe, site.event, query ?? this.queryOf(site, role));
  }

  /**
   * The call's StaticQuery, read again only when what it depends on changed: the 30,000
   * forks of a fork-per-connection server share their name and argument text (one string,
   * from the parser), and reading the query for each was most of what locating cost.
   */
  private queryOf(site: CallSite, role: SiteRole): StaticQuery {
    const facts = staticFacts(site, role);
    const last = this.lastQuery;
    const { name, args } = site.event;
    if (
      last !== null &&
      last.args === args &&
      last.name === name &&
      last.role === role &&
      last.notSpawnCleanup === facts.notSpawnCleanup &&
      last.childExec === facts.childExec
    )
      return last.query;
    const query = staticQuery(site.event, role, facts);
    this.lastQuery = { name, args, role, notSpawnCleanup: facts.notSpawnCleanup, childExec: facts.childExec, query };
    return query;
  }
}

/** What a fork before the attach can have been: a call to any function that makes processes. */
const BEFORE_QUERY: StaticQuery = {
  functions: [...PROCESS_MAKERS],
  signal: null,
  waitPid: null,
  waitOptions: null,
  notSpawnCleanup: false,
  key: 'fork\0before-trace',
};

/** The `-k` stacks to try, in order: the call's own, then (for a clone3 that strace cannot unwind) its thread's next call's. */
function stacksOf(site: CallSite): string[][] {
  return [site.event.stack, site.following?.stack].filter((s): s is string[] => s !== undefined && s.length > 0);
}

/**
 * What the rest of the trace says of this call: a wait that reaped a child which exec'd
 * (a library spawn's wait after a failed exec was not it), and what a forked child ran.
 */
function staticFacts(site: CallSite, role: SiteRole): StaticFacts {
  return {
    notSpawnCleanup: role === 'wait' && site.reapedExecedChild === true,
    ...(role === 'fork' && site.childExec ? { childExec: site.childExec } : {}),
  };
}
