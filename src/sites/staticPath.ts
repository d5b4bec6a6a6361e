// The static path, for calls without `-k` frames (the default fast mode): `objdump -d`
// of the executable and its own libraries, once, lists every call to the functions that
// can make the syscall; one addr2line run per binary maps them to lines. One distinct
// line is a fact; several are candidates, never a guess.
import { basename } from 'node:path';
import { unique } from '../core/args';
import { PRECISE_HOW } from '../core/diagnostics';
import type { SyscallEvent } from '../core/events';
import { MISSING_BINUTILS, namesOf, noDebugNote, none, type Answer } from './answer';
import type { BinaryFile } from './binaries';
import { isLibrarySource, type CallInstruction } from './binutils';
import type { BinutilsCache, ResolvedAddress } from './binutilsCache';
import type { Disassembly } from './disassembly';
import type { CandidateLocation } from './interpreted';
import { describeFunctions, GO_FUNCTIONS, pidClassOf, type StaticQuery } from './libcCalls';

/** The wait functions whose first argument is the pid asked for, and third the options. */
const WAITPID_LIKE = new Set(['waitpid', 'wait4']);

/** How far the static path follows callers out of a language's library (Go: 7 calls from forkExec's clone to Cmd.Start's caller). */
const MAX_CLIMB = 12;

const PIN_EACH = `trace in precise mode ${PRECISE_HOW} to pin down each call`;

/** What the notes call a fork the trace did not see (CallSite.beforeTrace). */
const BEFORE = 'the fork before the attach';

/** A call instruction the disassembly found, in the binary that holds it (the executable or one of its own libraries). */
interface FoundCall {
  bin: BinaryFile;
  call: CallInstruction;
}

/** A call site, once addr2line resolved it. */
interface StaticSite {
  address: number;
  r: ResolvedAddress | null;
  /** Reached by climbing out of a library function that makes processes (a spawn's own cleanup wait). */
  viaSpawn?: boolean;
}

interface FoundSite extends StaticSite {
  bin: BinaryFile;
}

/** A binary that objdump could not read, and why. */
interface Unread {
  bin: BinaryFile;
  why: string;
}

export class StaticPath {
  /** Answers by executable and StaticQuery key. */
  private readonly answers = new Map<string, Answer>();

  constructor(private readonly binutils: BinutilsCache) {}

  /**
   * `before`: the call was not traced (a fork before an attach, CallSite.beforeTrace): the
   * notes say so, and offer no precise trace, which could not see it either.
   */
  locate(exe: BinaryFile, event: SyscallEvent, query: StaticQuery, before = false): Answer {
    // The syscall's name is in the query's key because the notes name it: without it the
    // answer for a clone3 could say "this clone", depending on which was located first.
    const key = `${exe.real}\0${before ? 'before\0' : ''}${query.key}`;
    const cached = this.answers.get(key);
    if (cached) return cached;
    const result = this.compute(exe, event, query, before);
    this.answers.set(key, result);
    return result;
  }

  clear(): void {
    this.answers.clear();
  }

  private compute(exe: BinaryFile, event: SyscallEvent, query: StaticQuery, before: boolean): Answer {
    const { objdump, addr2line } = this.binutils.paths();
    if (!objdump || !addr2line) return none(MISSING_BINUTILS);
    // The executable and its own shared libraries: a call in the project's libworker.so is the program's too.
    const bins = [exe, ...this.binutils.librariesOf(exe)];
    const unread: Unread[] = [];
    for (const bin of bins) {
      const why = this.disassemble(bin, objdump, addr2line);
      if (why === null) continue;
      if (bin === exe)
        return before
          ? none(`${basename(exe.path)} could not be disassembled (${why}), so the line of ${BEFORE} is not known.`)
          : none(`${basename(exe.path)} could not be disassembled (${why}), so the ${event.name} has no source line; ${PIN_EACH}.`, true);
      unread.push({ bin, why });
    }
    const calls = narrowByArguments(this.callsFor(bins, event.name, query.functions), query);
    if (calls.length === 0) return noCallAnswer(bins, unread, event.name, query.functions, before);
    let sites = this.sitesOf(bins, calls, addr2line);
    if (query.notSpawnCleanup) {
      // Go's forkExec and Rust's spawn wait for their child only when its exec failed.
      const own = sites.filter((s) => !s.viaSpawn);
      if (own.some((s) => s.r?.location)) sites = own;
    }
    const withLine = sites.filter((s) => s.r?.location);
    if (withLine.length === 0 && unread.length === 0) {
      const lead = sites.find((s) => s.r?.fn) ?? sites[0];
      return none(noDebugNote(lead?.bin ?? exe, lead?.r?.fn ?? null));
    }
    // A static binary contains libc itself: its internal calls (no line info) are not the user's.
    if (!exe.elf?.dynamic) sites = withLine;
    return answerFrom(exe, bins, event.name, calls, sites, unread, before);
  }

  /** Disassembles the binary unless that was done; why it could not be, else null. */
  private disassemble(bin: BinaryFile, objdump: string, addr2line: string): string | null {
    if (!this.binutils.analysisOf(bin)) this.binutils.analyzeSync(bin, objdump, addr2line);
    const analysis = this.binutils.analysisOf(bin);
    if (!analysis) return 'unknown error';
    return 'error' in analysis ? analysis.error : null;
  }

  /** Every call to these functions in the binaries that were disassembled, in their order. */
  private callsFor(bins: BinaryFile[], syscall: string, functions: string[]): FoundCall[] {
    const calls: FoundCall[] = [];
    for (const bin of bins) {
      const analysis = this.binutils.analysisOf(bin);
      if (!analysis || 'error' in analysis) continue;
      // Go makes its syscalls itself, not through libc: its own functions stand in for libc's.
      const own = (GO_FUNCTIONS[syscall] ?? []).filter((f) => analysis.calls.has(f));
      for (const f of [...functions, ...own]) for (const call of analysis.calls.get(f) ?? []) calls.push({ bin, call });
    }
    return calls;
  }

  /** The calls' lines, one addr2line run per binary, with calls inside a language's library traded for its callers'. */
  private sitesOf(bins: BinaryFile[], calls: FoundCall[], addr2line: string): FoundSite[] {
    const sites: FoundSite[] = [];
    for (const bin of bins) {
      const addresses = unique(calls.filter((c) => c.bin === bin).map((c) => c.call.address));
      if (addresses.length === 0) continue;
      const resolved = this.binutils.resolveSync(bin, addresses, addr2line);
      const analysis = this.binutils.analysisOf(bin) as Disassembly;
      const found = this.outOfLibraries(
        bin,
        analysis,
        addresses.map((a) => ({ address: a, r: resolved.get(a) ?? null })),
        addr2line,
      );
      for (const site of found) sites.push({ ...site, bin });
    }
    return sites;
  }

  /**
   * Calls made inside a language's own library (Rust's std forks in Command::spawn, Go's
   * in syscall.forkExec) are not where the user's fix goes: the callers of the function
   * holding each such call are followed, through the library, to the program's own
   * lines. A library call with no direct caller (reached through a pointer) stays.
   */
  private outOfLibraries(bin: BinaryFile, analysis: Disassembly, sites: StaticSite[], addr2line: string): StaticSite[] {
    const out: StaticSite[] = [];
    const climbed = new Set<string>();
    let frontier = sites;
    for (let depth = 0; frontier.length > 0; depth++) {
      // A caller's address, and whether the way up to it passed through a library's spawn.
      const callers = new Map<number, boolean>();
      for (const site of frontier) {
        const location = site.r?.location;
        const fn = location && isLibrarySource(location.file) && depth < MAX_CLIMB ? bin.functionAt(site.address) : null;
        const from = fn === null ? [] : analysis.callersOf(bin, fn);
        if (from.length === 0) {
          out.push(site);
          continue;
        }
        const viaSpawn = site.viaSpawn === true || analysis.spawners(bin).has(fn!.name);
        const key = `${viaSpawn}\0${fn!.name}`;
        if (climbed.has(key)) continue;
        climbed.add(key);
        for (const c of from) callers.set(c.address, viaSpawn && callers.get(c.address) !== false);
      }
      const next = [...callers.keys()];
      const resolved = this.binutils.resolveSync(bin, next, addr2line);
      frontier = next.map((a) => ({ address: a, r: resolved.get(a) ?? null, viaSpawn: callers.get(a) }));
    }
    return out;
  }
}

/** The calls whose loaded constants fit the call traced; all of them when none does (a set-up the disassembly does not show). */
function narrowByArguments(calls: FoundCall[], { signal, waitPid, waitOptions }: StaticQuery): FoundCall[] {
  // sigaction(SIGCHLD, …) loads 17 into %edi right before the call; drop sites that load another constant.
  if (signal !== null) calls = narrowed(calls, ({ call }) => call.firstArg === null || call.firstArg === signal);
  // waitpid(-1, …) loads -1 into %edi: not the site of a wait for one pid, nor the reverse.
  if (waitPid !== null)
    calls = narrowed(calls, ({ call }) => call.firstArg === null || !WAITPID_LIKE.has(call.target) || pidClassOf(call.firstArg | 0) === waitPid);
  // waitpid(-1, &st, WNOHANG) loads 1 into %edx: not the site of a blocking wait, nor the reverse.
  if (waitOptions !== null)
    calls = narrowed(calls, ({ call }) => call.thirdArg == null || !WAITPID_LIKE.has(call.target) || call.thirdArg >>> 0 === waitOptions);
  return calls;
}

function narrowed<T>(calls: T[], fits: (call: T) => boolean): T[] {
  const matching = calls.filter(fits);
  return matching.length > 0 ? matching : calls;
}

/** No call to the functions was found: where else it may have come from. */
function noCallAnswer(bins: BinaryFile[], unread: Unread[], syscall: string, functions: string[], before: boolean): Answer {
  const what = before ? 'a function that makes processes' : describeFunctions(functions);
  const call = before ? BEFORE : `this ${syscall}`;
  const end = before ? 'its line is not known' : PIN_EACH;
  if (unread.length > 0) {
    const skipped = unread.map((u) => u.bin);
    const read = bins.filter((b) => !skipped.includes(b));
    return none(
      `No call to ${what} was found in ${namesOf(read)}, and ${namesOf(skipped)} ${skipped.length === 1 ? 'was' : 'were'} not disassembled (${unread[0].why}), so ${call} may have come from there; ${end}.`,
      !before,
    );
  }
  return none(
    `No call to ${what} was found in ${namesOf(bins)}, so ${call} probably came from a system library, a library loaded with dlopen(), or code the disassembly does not show; ${end}.`,
    !before,
  );
}

/** The line when the sites have one, else the candidates and a note that lists them. */
function answerFrom(exe: BinaryFile, bins: BinaryFile[], syscall: string, calls: FoundCall[], sites: FoundSite[], unread: Unread[], before: boolean): Answer {
  const { candidates, unknown } = linesOf(exe, sites, unread);
  // The library functions called at these sites (not for sites climbed out of a language's library).
  const targetAt = new Map(calls.map((c) => [`${c.bin.real}\0${c.call.address}`, c.call.target]));
  const targets = sites.map((s) => targetAt.get(`${s.bin.real}\0${s.address}`));
  const via = unread.length === 0 && targets.every((t) => t !== undefined) ? { via: unique(targets as string[]) } : {};
  // Direct calls in the executable alone are what following the flow can narrow.
  const own =
    unread.length === 0 && sites.every((s, i) => s.bin === exe && !s.viaSpawn && targets[i] !== undefined)
      ? { sites: sites.map((s, i) => ({ address: s.address, location: s.r?.location ?? null, target: targets[i] as string })) }
      : {};
  if (candidates.length === 1 && unknown.length === 0) {
    const only = candidates[0];
    return { located: { location: { file: only.file, line: only.line, function: only.function }, note: null, ...via }, candidates: [], ...own };
  }
  const total = candidates.length + unknown.length;
  const found = describeFunctions(unique(calls.map((c) => c.call.target)));
  const listed = [...candidates.map((c) => `${basename(c.file)}:${c.line}${c.function ? ` (${c.function})` : ''}`), ...unknown];
  const shown = listed.slice(0, 3).join(', ');
  const more = total > 3 ? ` and ${total - 3} more` : '';
  const holders = bins.filter((b) => sites.some((s) => s.bin === b));
  const inBins = namesOf(holders.length > 0 ? holders : [exe]);
  return {
    located: before
      ? {
          location: null,
          note: `The fork was before the attach, and ${inBins} ${holders.length > 1 ? 'have' : 'has'} ${total} calls that make processes (${found}), at ${shown}${more}: which one it was is not known.`,
          ...via,
        }
      : {
          location: null,
          note: `${total} call sites of ${found} in ${inBins} could have made this ${syscall}: ${shown}${more}. The default trace cannot tell them apart; ${PIN_EACH}.`,
          preciseWouldPin: true,
          ...via,
        },
    candidates,
    ...own,
  };
}

/** The sites' distinct lines (as candidates), and the sites and binaries without one, in words. */
function linesOf(exe: BinaryFile, sites: FoundSite[], unread: Unread[]): { candidates: CandidateLocation[]; unknown: string[] } {
  const distinct = new Map<string, CandidateLocation>();
  const unknown: string[] = [];
  for (const s of sites) {
    if (s.r?.location) {
      const loc = s.r.location;
      const k = `${loc.file}:${loc.line}`;
      if (!distinct.has(k)) distinct.set(k, { ...loc, certainty: 'candidate', source: 'disassembly' });
    } else {
      unknown.push(`${s.r?.fn ?? '?'}${s.bin === exe ? '' : ` in ${basename(s.bin.path)}`} at 0x${s.address.toString(16)} (no debug information)`);
    }
  }
  // A library that could not be read may hold the call: then no single line is a fact.
  unknown.push(...unread.map((u) => `${basename(u.bin.path)} (not disassembled: ${u.why})`));
  return { candidates: [...distinct.values()], unknown };
}
