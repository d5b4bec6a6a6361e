// The SiteResolver: picks the precise or the static path per event and caches per binary
// and per address. Synchronous for the SiteLocator contract and never throws: every
// failure becomes a note the user can act on.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, normalize, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { unique } from '../core/args';
import { PRECISE_HOW, type Located, type SiteLocator, type SiteRole } from '../core/diagnostics';
import type { SyscallEvent } from '../core/events';
import type { CallSite, FlowAnchor } from '../core/model';
import type { SourceLocation } from '../shared/schema';
import { which } from '../tracer/strace';
import { addr2lineCommand, chooseEntry, gotTarget, isLibrarySource, objdumpCommand, parseAddr2line, parseObjdump, runAsync, runSync, type AddrFrame, type CallInstruction, type RunResult, type ToolRun } from './binutils';
import { EM_X86_64, readElf, readFunctionSymbols, readGotSlots, type ElfFile } from './elf';
import { afterCalls, nextPoints, NON_LOCAL_JUMPS, parseFunctionFlow, programGraph, type FlowPoint, type FunctionFlow, type ProgramGraph } from './flow';
import { ownLibraries } from './libraries';
import { interpretedNote, interpreterLanguage, readHead, scriptOf, searchFiles, shebangLanguage, workspaceCandidates, type CandidateLocation, type Language } from './interpreted';
import { describeFunctions, isKnownTarget, normalizeTarget, pidClassOf, PROCESS_MAKERS, staticQuery, type StaticFacts, type StaticQuery } from './libcCalls';
import { isSystemObject, parseStackFrame, type StackFrame } from './stackFrames';

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

export interface SiteResolverStats {
  /** locate() calls. */
  lookups: number;
  /** locate() calls answered from the cache. */
  cacheHits: number;
  objdumpRuns: number;
  objdumpMs: number;
  addr2lineRuns: number;
  addr2lineAddresses: number;
  addr2lineMs: number;
  /** Wall time spent working out answers in locate() and in prepare(), tools included (cache hits are not timed). */
  ms: number;
}

interface ResolvedAddress {
  /** The inline chain, innermost first. */
  chain: AddrFrame[];
  /** The line to show: innermost entry in the user's own source (see chooseEntry). */
  location: SourceLocation | null;
  /** A function name, even without debug info. */
  fn: string | null;
}

export { PRECISE_HOW };

/** What a lookup answers: the location or why not, and the candidates. */
interface Answer {
  located: Located;
  candidates: CandidateLocation[];
  /**
   * The call sites a static answer chose from, when they are all direct calls in the
   * executable itself: what following the process's control flow can narrow (flow.ts).
   */
  sites?: ExeSite[];
}

interface ExeSite {
  address: number;
  location: SourceLocation | null;
  target: string;
}

/** The program's control flow from main, when it is sound to follow (see programFlow). */
interface ProgramFlow {
  graph: ProgramGraph;
  /** Addresses of every call in the program that may make a process. */
  makers: Set<number>;
  /** nextPoints() by the points it started from. */
  reach: Map<string, FlowPoint[]>;
}

interface StaticSite {
  address: number;
  r: ResolvedAddress | null;
  /** Reached by climbing out of a library function that makes processes (a spawn's own cleanup wait). */
  viaSpawn?: boolean;
}

/** The wait functions whose first argument is the pid asked for, and third the options. */
const WAITPID_LIKE = new Set(['waitpid', 'wait4']);

/** How far the static path follows callers out of a language's library (Go: 7 calls from forkExec's clone to Cmd.Start's caller). */
const MAX_CLIMB = 12;

/** Go's own functions that make these syscalls, for binaries that do not call libc for them. */
const GO_FUNCTIONS: Record<string, string[]> = {
  clone: ['syscall.forkExec'],
  clone3: ['syscall.forkExec'],
  fork: ['syscall.forkExec'],
  vfork: ['syscall.forkExec'],
  wait4: ['syscall.Wait4'],
  waitid: ['syscall.Waitid'],
};

/** Following the flow through more functions than this between main and the forks is not tried. */
const MAX_FLOW_FUNCTIONS = 16;
/** Nor is reading a whole program with more machine code than this (1 MiB) to see who refers to them. */
const MAX_FLOW_TEXT_BYTES = 1 << 20;

/** Go's own process-making and waiting functions, by name. */
const GO_FUNCTIONS_BY_NAME: Record<string, true> = Object.fromEntries(Object.values(GO_FUNCTIONS).flat().map((f) => [f, true]));

interface ProgramFrame {
  bin: Binary;
  frame: StackFrame;
  address: number;
  /** The binary was rebuilt since the trace: the frame no longer matches it. */
  stale: boolean;
}

interface StaticAnalysis {
  calls: Map<string, CallInstruction[]>;
  ms: number;
}

interface Binary {
  /** The path as given (absolute). */
  path: string;
  real: string;
  /** Why it cannot be used, in words. */
  problem: string | null;
  elf: ElfFile | null;
  /** `#!` line of a script. */
  shebang: string | null;
  addresses: Map<number, ResolvedAddress>;
  analysis: StaticAnalysis | { error: string } | null;
  symbols: Map<string, number> | null;
  /** Function symbols by start address, for functionAt. */
  starts?: Array<[string, number]>;
  /** GOT slots (and other relocated pointers) by the function address they hold; null when unreadable. */
  gotSlots?: Map<number, number[]> | null;
  /** Functions that make processes: they call fork, posix_spawn… (or are Go's forkExec). */
  spawners?: Set<string>;
  /** The interpreter's language, once known (null: compiled code). */
  language?: Language | null;
  /** An executable's own shared libraries (see ownLibraries), once read. */
  libraries?: Binary[];
  /** Every disassembled call by address, for callTargetAt. */
  callIndex?: Array<{ address: number; target: string }>;
  /** main()'s control flow once read; null when it cannot narrow anything. */
  flow?: ProgramFlow | null;
}

/** A call the static path found, and the binary it is in (the executable or one of its own libraries). */
interface FoundSite extends StaticSite {
  bin: Binary;
}

export class SiteResolver {
  readonly stats: SiteResolverStats = {
    lookups: 0, cacheHits: 0, objdumpRuns: 0, objdumpMs: 0, addr2lineRuns: 0, addr2lineAddresses: 0, addr2lineMs: 0, ms: 0,
  };
  private readonly binaries = new Map<string, Binary>();
  private results = new WeakMap<SyscallEvent, Map<SiteRole, Answer>>();
  /** Per fork-family call: where following the flow says it was made (null: not narrowed). */
  private flowResults = new WeakMap<CallSite, FlowPoint[] | null>();
  private readonly staticResults = new Map<string, Answer>();
  /** Answers for calls without `-k` frames, by program, then by static signature. */
  private readonly bySignature = new Map<string, Map<string, Answer>>();
  private readonly sourcePaths = new Map<string, string>();
  private readonly searchCache = new Map<string, CandidateLocation[]>();
  private tools: { objdump: string | null; addr2line: string | null } | null = null;
  private unwinder: 'libunwind' | 'libdw' | null = null;
  private readonly timeout: number;
  private readonly maxTextBytes: number;

  constructor(private readonly options: SiteResolverOptions = {}) {
    this.timeout = options.timeoutMs ?? 30_000;
    this.maxTextBytes = options.maxTextBytes ?? 32 * 1024 * 1024;
  }

  /** A SiteLocator for buildSnapshot / TraceSession.snapshot. */
  locator(): SiteLocator {
    return (site, role) => this.locate(site, role);
  }

  /** Where this call is in the source, or why that is not known. Never throws. */
  locate(site: CallSite, role: SiteRole): Located {
    return this.lookup(site, role).located;
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
      const tools = this.toolPaths();
      const executables = new Set<string>();
      const frames = new Map<Binary, Set<number>>();
      for (const item of items) {
        const exe = typeof item === 'string' ? item : item.executable ?? this.options.program ?? null;
        if (exe) executables.add(exe);
        if (typeof item === 'string') continue;
        for (const stack of stacksOf(item)) {
          for (const pick of this.programFrames(stack)) {
            if (pick.bin.problem || !pick.bin.elf) continue;
            const set = frames.get(pick.bin) ?? new Set<number>();
            set.add(pick.address);
            frames.set(pick.bin, set);
          }
        }
      }
      const jobs: Array<Promise<void>> = [];
      for (const exe of executables) {
        const bin = this.binary(exe);
        if (bin.problem || !bin.elf || !tools.objdump || this.interpreted(bin)) continue;
        for (const b of [bin, ...this.librariesOf(bin)]) if (!b.analysis) jobs.push(this.analyzeAsync(b, tools.objdump));
      }
      for (const [bin, set] of frames) {
        const missing = [...set].filter((a) => !bin.addresses.has(a));
        if (missing.length > 0 && tools.addr2line) jobs.push(this.resolveAsync(bin, missing, tools.addr2line));
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
    this.flowResults = new WeakMap();
    this.binaries.clear();
    this.staticResults.clear();
    this.bySignature.clear();
    this.sourcePaths.clear();
    this.searchCache.clear();
  }

  // --- the two paths -----------------------------------------------------------------

  private lookup(site: CallSite, role: SiteRole): Answer {
    const answer = this.lookupStatic(site, role);
    if (role !== 'fork' || answer.located.location !== null || !answer.sites || site.after === undefined) return answer;
    return this.followFlow(site, answer) ?? answer;
  }

  private lookupStatic(site: CallSite, role: SiteRole): Answer {
    this.stats.lookups++;
    if (!site || typeof site.event !== 'object' || site.event === null) {
      return { located: { location: null, note: 'The call was not in the trace.' }, candidates: [] };
    }
    const shared = this.sharedAnswers(site);
    const query = shared ? staticQuery(site.event, role, staticFacts(site, role)) : null;
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
    const key = exePath && this.interpreted(this.binary(exePath)) ? `${exePath}\0${(site.argv ?? []).join('\0')}` : exePath;
    let answers = this.bySignature.get(key);
    if (!answers) this.bySignature.set(key, (answers = new Map()));
    return answers;
  }

  /** `query`: the call's StaticQuery when lookup read it already. */
  private compute(site: CallSite, role: SiteRole, query: StaticQuery | null): Answer {
    const exePath = site.executable ?? this.options.program ?? null;
    const exe = exePath ? this.binary(exePath) : null;
    if (exe) {
      const lang = this.interpreted(exe);
      if (lang) return this.interpretedResult(exe, lang, site, role);
    }
    const tools = this.toolPaths();
    for (const stack of stacksOf(site)) {
      const precise = this.precise(stack, tools.addr2line);
      if (precise) return { located: precise, candidates: [] };
    }
    if (!exePath || !exe) {
      return none(`The trace does not show which program made this call (it was running before the trace began), so its source line is unknown. Start the program under Fork Trace, or trace in precise mode ${PRECISE_HOW}.`, true);
    }
    if (exe.problem) return none(exe.problem);
    if (!exe.elf) return none(`${exe.path} is not an ELF executable, so its calls cannot be located.`);
    return this.staticLocate(exe, site.event, tools, query ?? staticQuery(site.event, role, staticFacts(site, role)));
  }

  /** The `-k` path; null when no frame is in the program's own code. */
  private precise(stack: string[], addr2line: string | null): Located | null {
    const frames = this.programFrames(stack);
    const pick = frames[0];
    if (!pick) return null;
    const { bin, frame, address, stale } = pick;
    if (this.interpreted(bin)) return null;
    if (stale) {
      return { location: null, note: `${basename(bin.path)} was rebuilt after this trace was recorded: the recorded stack (${frame.symbol}+0x${(frame.symbolOffset ?? 0).toString(16)}) no longer matches its symbols. Trace it again to see the line.` };
    }
    // strace -kk's own source position: used when addr2line cannot answer.
    const orStrace = (note: string): Located =>
      frame.source ? { location: { file: this.sourcePath(frame.source.file, bin), line: frame.source.line, function: frame.symbol }, note: null } : { location: null, note };
    if (bin.problem) return orStrace(`${bin.problem}${frame.symbol ? ` (The call was made in ${frame.symbol}.)` : ''}`);
    if (!addr2line) return orStrace(MISSING_BINUTILS);
    const resolved = this.resolveSync(bin, [address], addr2line).get(address);
    if (resolved?.location && isLibrarySource(resolved.location.file)) {
      // Inside the language's own library (Rust's std, Go's syscall package): the fix goes
      // on the program's line that called into it, further out on the same stack.
      const own = this.outerOwnLine(frames, addr2line);
      if (own) return { location: own, note: null };
    }
    if (resolved?.location) {
      const via = this.callTargetAt(bin, address, addr2line);
      return { location: resolved.location, note: null, ...(via ? { via: [via] } : {}) };
    }
    return orStrace(this.noDebugNote(bin, resolved?.fn ?? (bin.elf?.hasSymtab ? frame.symbol : null)));
  }

  /** The function called by the call instruction that holds this address (a `-k` return address - 1), from the disassembly. */
  private callTargetAt(bin: Binary, address: number, addr2line: string): string | null {
    const objdump = this.toolPaths().objdump;
    if (!bin.analysis && objdump) this.analyzeSync(bin, objdump, addr2line);
    const analysis = bin.analysis;
    if (!analysis || 'error' in analysis) return null;
    if (!bin.callIndex) {
      bin.callIndex = [...analysis.calls].flatMap(([target, calls]) => calls.map((c) => ({ address: c.address, target }))).sort((a, b) => a.address - b.address);
    }
    const index = bin.callIndex;
    const found = lastAtOrBelow(index, address, (c) => c.address);
    // The frame's address is the return address - 1, so it lies 4 to 6 bytes into the call
    // that made it: a direct call is 5 bytes, a call through the GOT 6, a prefixed one 7. A
    // known call further back is another call (this one went through a pointer).
    const into = found >= 0 ? address - index[found].address : -1;
    return into >= 4 && into <= 6 ? index[found].target : null;
  }

  /** The frames in the program's own binaries, innermost first, with the addresses to give addr2line. */
  private programFrames(stack: string[]): ProgramFrame[] {
    const out: ProgramFrame[] = [];
    for (const text of stack) {
      const frame = parseStackFrame(text);
      if (!frame || isSystemObject(frame.binary)) continue;
      const bin = this.binary(frame.binary);
      out.push({ bin, frame, ...(bin.elf ? this.frameAddress(bin, frame) : { address: frame.value, stale: false }) });
    }
    return out;
  }

  /** The innermost of these frames whose line is in the user's own source (one addr2line run per binary). */
  private outerOwnLine(frames: ProgramFrame[], addr2line: string): SourceLocation | null {
    const usable = frames.filter((f) => !f.stale && !f.bin.problem && f.bin.elf);
    const byBinary = new Map<Binary, number[]>();
    for (const f of usable) byBinary.set(f.bin, [...(byBinary.get(f.bin) ?? []), f.address]);
    for (const [bin, addresses] of byBinary) this.resolveSync(bin, addresses, addr2line);
    for (const f of usable) {
      const location = f.bin.addresses.get(f.address)?.location;
      if (location && !isLibrarySource(location.file)) return location;
    }
    return null;
  }

  /**
   * The link-time address inside the call instruction. symbol+offset is exact with either
   * unwinder (libunwind: offset of the return address; libdw: of return address - 1), so
   * minus one lands in the call either way. Without a symbol: the bracketed value is a
   * file offset (libunwind: mapped through PT_LOAD; for PIE text they are usually equal,
   * for -no-pie 0x1173 means 0x401173) or already a link-time address (libdw).
   */
  private frameAddress(bin: Binary, frame: StackFrame): { address: number; stale: boolean } {
    const elf = bin.elf as ElfFile;
    const v = frame.value;
    const inVaddr = elf.loads.find((l) => l.exec && v >= l.vaddr && v < l.vaddr + l.memsz);
    const inOffset = elf.loads.find((l) => l.exec && v >= l.offset && v < l.offset + l.filesz);
    const fromOffset = inOffset ? v - inOffset.offset + inOffset.vaddr : v;
    if (frame.symbol && frame.symbolOffset !== null) {
      const start = this.symbolsOf(bin).get(frame.symbol);
      if (start !== undefined && start >= 0) {
        const at = start + frame.symbolOffset;
        // Both numbers came from the traced binary: if today's symbols disagree, it was rebuilt.
        return { address: at - 1, stale: at !== fromOffset && at !== v };
      }
    }
    if (inVaddr && inOffset && fromOffset !== v) {
      // Ambiguous (a layout where file offsets and addresses differ): ask strace's build.
      return { address: (this.straceUnwinder() === 'libdw' ? v : fromOffset) - 1, stale: false };
    }
    return { address: (inOffset && !inVaddr ? fromOffset : v) - 1, stale: false };
  }

  private straceUnwinder(): 'libunwind' | 'libdw' {
    if (this.options.unwinder) return this.options.unwinder;
    if (this.unwinder === null) {
      const r = runSync({ cmd: 'strace', args: ['-V'] }, 5000);
      this.unwinder = /stack-trace=libdw/.test(r.stdout + r.stderr) ? 'libdw' : 'libunwind';
    }
    return this.unwinder;
  }

  private staticLocate(exe: Binary, event: SyscallEvent, tools: { objdump: string | null; addr2line: string | null }, query: StaticQuery): Answer {
    // The syscall's name is in the query's key because the notes name it: without it the
    // answer for a clone3 could say "this clone", depending on which was located first.
    const key = `${exe.real}\0${query.key}`;
    const cached = this.staticResults.get(key);
    if (cached) return cached;
    const result = this.staticCompute(exe, event, query, tools);
    this.staticResults.set(key, result);
    return result;
  }

  /**
   * `notSpawnCleanup`: the wait reaped a child that exec'd, so a wait inside a library's
   * spawn (made only after a failed exec) was not it, and is not offered.
   */
  private staticCompute(exe: Binary, event: SyscallEvent, query: StaticQuery, tools: { objdump: string | null; addr2line: string | null }): Answer {
    const { functions, signal, waitPid, waitOptions, notSpawnCleanup } = query;
    const what = describeFunctions(functions);
    const precise = `trace in precise mode ${PRECISE_HOW} to pin down each call`;
    if (!tools.objdump || !tools.addr2line) return none(MISSING_BINUTILS);
    // The executable and its own shared libraries: a call in the project's libworker.so is the program's too.
    const bins = [exe, ...this.librariesOf(exe)];
    const unanalysed: Array<{ bin: Binary; why: string }> = [];
    let calls: Array<{ bin: Binary; call: CallInstruction }> = [];
    for (const bin of bins) {
      if (!bin.analysis) this.analyzeSync(bin, tools.objdump, tools.addr2line);
      const analysis = bin.analysis;
      if (!analysis || 'error' in analysis) {
        const why = analysis ? analysis.error : 'unknown error';
        if (bin === exe) return none(`${basename(exe.path)} could not be disassembled (${why}), so the ${event.name} has no source line; ${precise}.`, true);
        unanalysed.push({ bin, why });
        continue;
      }
      // Go makes its syscalls itself, not through libc: its own functions stand in for libc's.
      const own = (GO_FUNCTIONS[event.name] ?? []).filter((f) => analysis.calls.has(f));
      for (const f of [...functions, ...own]) for (const call of analysis.calls.get(f) ?? []) calls.push({ bin, call });
    }
    // sigaction(SIGCHLD, …) loads 17 into %edi right before the call; drop sites that load another constant.
    if (signal !== null) calls = narrowed(calls, ({ call }) => call.firstArg === null || call.firstArg === signal);
    // waitpid(-1, …) loads -1 into %edi: not the site of a wait for one pid, nor the reverse.
    if (waitPid !== null) calls = narrowed(calls, ({ call }) => call.firstArg === null || !WAITPID_LIKE.has(call.target) || pidClassOf(call.firstArg | 0) === waitPid);
    // waitpid(-1, &st, WNOHANG) loads 1 into %edx: not the site of a blocking wait, nor the reverse.
    if (waitOptions !== null) calls = narrowed(calls, ({ call }) => call.thirdArg == null || !WAITPID_LIKE.has(call.target) || call.thirdArg >>> 0 === waitOptions);
    if (calls.length === 0) {
      if (unanalysed.length > 0) {
        const skipped = unanalysed.map((u) => u.bin);
        const read = bins.filter((b) => !skipped.includes(b));
        return none(`No call to ${what} was found in ${namesOf(read)}, and ${namesOf(skipped)} ${skipped.length === 1 ? 'was' : 'were'} not disassembled (${unanalysed[0].why}), so this ${event.name} may have come from there; ${precise}.`, true);
      }
      return none(`No call to ${what} was found in ${namesOf(bins)}, so this ${event.name} probably came from a system library, a library loaded with dlopen(), or code the disassembly does not show; ${precise}.`, true);
    }
    let sites: FoundSite[] = [];
    for (const bin of bins) {
      const addresses = unique(calls.filter((c) => c.bin === bin).map((c) => c.call.address));
      if (addresses.length === 0) continue;
      const resolved = this.resolveSync(bin, addresses, tools.addr2line);
      const found = this.outOfLibraries(bin, bin.analysis as StaticAnalysis, addresses.map((a) => ({ address: a, r: resolved.get(a) ?? null })), tools.addr2line);
      for (const site of found) sites.push({ ...site, bin });
    }
    if (notSpawnCleanup) {
      // Go's forkExec and Rust's spawn wait for their child only when its exec failed.
      const own = sites.filter((s) => !s.viaSpawn);
      if (own.some((s) => s.r?.location)) sites = own;
    }
    const withLine = sites.filter((s) => s.r?.location);
    if (withLine.length === 0 && unanalysed.length === 0) {
      const lead = sites.find((s) => s.r?.fn) ?? sites[0];
      return none(this.noDebugNote(lead?.bin ?? exe, lead?.r?.fn ?? null));
    }
    // A static binary contains libc itself: its internal calls (no line info) are not the user's.
    if (!exe.elf?.dynamic) sites = withLine;
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
    unknown.push(...unanalysed.map((u) => `${basename(u.bin.path)} (not disassembled: ${u.why})`));
    const candidates = [...distinct.values()];
    // The library functions called at these sites (not for sites climbed out of a language's library).
    const targetAt = new Map(calls.map((c) => [`${c.bin.real}\0${c.call.address}`, c.call.target]));
    const targets = sites.map((s) => targetAt.get(`${s.bin.real}\0${s.address}`));
    const via = unanalysed.length === 0 && targets.every((t) => t !== undefined) ? { via: unique(targets as string[]) } : {};
    const own = unanalysed.length === 0 && sites.every((s, i) => s.bin === exe && !s.viaSpawn && targets[i] !== undefined)
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
    return {
      located: {
        location: null,
        note: `${total} call sites of ${found} in ${namesOf(holders.length > 0 ? holders : [exe])} could have made this ${event.name}: ${shown}${more}. The default trace cannot tell them apart; ${precise}.`,
        preciseWouldPin: true,
        ...via,
      },
      candidates,
      ...own,
    };
  }

  // --- following a process's control flow (flow.ts) ------------------------------------

  /**
   * A fork site the static path left ambiguous, narrowed by where the process's control
   * flow came from: its previous fork-family call, its own start after its parent's, or
   * main() after an exec. Null when that does not single out one line.
   */
  private followFlow(site: CallSite, answer: Answer): Answer | null {
    const exe = this.binary(site.executable ?? this.options.program ?? '');
    const program = this.programFlow(exe);
    if (!program) return null;
    const points = this.flowPoints(site, program);
    const at = new Set(points?.map((p) => p.at));
    const kept = (answer.sites ?? []).filter((s) => at.has(s.address));
    const lines = unique(kept.map((s) => (s.location ? `${s.location.file}:${s.location.line}` : '')));
    if (kept.length === 0 || lines.length !== 1 || lines[0] === '') return null;
    const key = `${exe.real}\0flow\0${kept.map((s) => s.address).join(',')}`;
    const known = this.staticResults.get(key);
    if (known) return known;
    const location = kept[0].location as SourceLocation;
    const result: Answer = { located: { location: { ...location }, note: null, via: unique(kept.map((s) => s.target)) }, candidates: [] };
    this.staticResults.set(key, result);
    return result;
  }

  /**
   * Where this fork-family call may have been made: its static answer's sites, kept to
   * those the program's flow reaches first from where the process was. Worked out
   * forward along the chain of CallSite.after, each answer kept per call (a server's
   * 30,000 forks are one chain, followed once).
   */
  private flowPoints(site: CallSite, program: ProgramFlow): FlowPoint[] | null {
    const chain: CallSite[] = [];
    let points: FlowPoint[] | null = null;
    for (let at: FlowAnchor | undefined = site; ; ) {
      if (at === 'exec') {
        points = [{ stack: [], at: program.graph.main.entry }];
        break;
      }
      if (at === null || at === undefined || at.executable !== site.executable) break;
      const known = this.flowResults.get(at);
      if (known !== undefined) {
        points = known && afterCalls(program.graph, known);
        break;
      }
      chain.push(at);
      at = at.after;
    }
    let result: FlowPoint[] | null = null;
    for (let i = chain.length - 1; i >= 0; i--) {
      const call = chain[i];
      const statics = new Set(this.lookupStatic(call, 'fork').sites?.map((s) => s.address));
      // None reachable: the disassembly does not show every way (code it cannot read).
      // The flow proves nothing then.
      const kept = points && statics.size > 0 ? this.reachFrom(program, points).filter((p) => statics.has(p.at)) : [];
      result = kept.length > 0 ? kept : null;
      this.flowResults.set(call, result);
      // Not narrowed: the process may be at any of the call's static sites, in any call of them.
      points = result ? afterCalls(program.graph, result) : null;
    }
    return chain.length > 0 ? result : (this.flowResults.get(site) ?? null);
  }

  private reachFrom(program: ProgramFlow, points: FlowPoint[]): FlowPoint[] {
    const key = points.map((p) => `${p.stack.join(',')}|${p.at}`).sort().join(' ');
    let reach = program.reach.get(key);
    if (!reach) program.reach.set(key, (reach = nextPoints(program.graph, points, program.makers)));
    return reach;
  }

  /**
   * The program's control flow from main, read once per executable, when following it is
   * sound: every call in the program that may make a process is in main or in functions
   * main reaches by direct calls alone (never through a pointer: not a signal handler or
   * a callback; PIE only, where any stored address of a function has a relocation), none
   * of them recursive, their jumps all direct, and nothing jumps non-locally (setjmp, C++
   * exceptions). The executable's own libraries are not followed: with any, null.
   */
  private programFlow(exe: Binary): ProgramFlow | null {
    if (exe.flow !== undefined) return exe.flow;
    exe.flow = null;
    const analysis = exe.analysis;
    const objdump = this.toolPaths().objdump;
    if (!analysis || 'error' in analysis || !objdump || !exe.elf || this.librariesOf(exe).length > 0) return null;
    const calls = analysis.calls;
    const opaque = (target: string) => NON_LOCAL_JUMPS.has(target) || target === 'main' || target.startsWith('*got') || target in GO_FUNCTIONS_BY_NAME;
    if ([...calls.keys()].some(opaque)) return null;
    const makers = new Set<number>();
    for (const target of [...PROCESS_MAKERS, 'wordexp']) for (const c of calls.get(target) ?? []) makers.add(c.address);
    // The functions between main and the process-making calls, by their direct callers.
    const between = new Map<string, number>();
    const todo = [...makers].map((a) => this.functionAt(exe, a));
    while (todo.length > 0) {
      const fn = todo.pop();
      if (!fn) return null;
      if (between.has(fn.name)) continue;
      between.set(fn.name, fn.start);
      if (fn.name === 'main') continue;
      const callers = calls.get(normalizeTarget(fn.name)) ?? [];
      if (callers.length === 0 || between.size > MAX_FLOW_FUNCTIONS) return null;
      todo.push(...callers.map((c) => this.functionAt(exe, c.address)));
    }
    if (!between.has('main')) between.set('main', -1);
    const others = [...between.keys()].filter((n) => n !== 'main');
    // One function: objdump reads main alone. More: the whole program, to see every reference to them.
    if (others.length > 0 && (exe.elf.type !== 'dyn' || !exe.elf.hasSymtab || exe.elf.textBytes > MAX_FLOW_TEXT_BYTES)) return null;
    const t0 = performance.now();
    const r = runSync({ cmd: objdump, args: ['-d', '--no-show-raw-insn', '-w', ...(others.length === 0 ? ['--disassemble=main'] : []), exe.real] }, this.timeout);
    this.stats.objdumpRuns++;
    this.stats.objdumpMs += performance.now() - t0;
    if (r.status !== 0) return null;
    const flows = ['main', ...others].map((name) => parseFunctionFlow(r.stdout, name));
    const parsed = flows.filter((f): f is FunctionFlow => !('problem' in f));
    if (parsed.length !== flows.length) return null;
    const graph = programGraph(parsed[0], parsed.slice(1));
    if ([...makers].some((a) => !graph.calls.has(a))) return null;
    if (others.length > 0 && !this.onlyCalledDirectly(exe, r.stdout, others.map((n) => ({ name: n, start: between.get(n) as number })), graph)) return null;
    exe.flow = { graph, makers, reach: new Map() };
    return exe.flow;
  }

  /**
   * These functions are entered only by the direct calls the flow follows: no instruction
   * but a call names them, no relocation stores their address (a handler, a callback, a
   * table), and no chain of calls among them comes back to one (recursion).
   */
  private onlyCalledDirectly(exe: Binary, disassembly: string, fns: Array<{ name: string; start: number }>, graph: ProgramGraph): boolean {
    // Unreadable relocations prove nothing: then they may hold any address.
    const slots = this.gotSlotsOf(exe);
    if (!slots || fns.some((f) => (slots.get(f.start) ?? []).length > 0)) return false;
    const names = new Set(fns.map((f) => f.name));
    for (const line of disassembly.split('\n')) {
      // A function's own label ends in `>:`, so only references end in `>`.
      const ref = /<([^>+]+)>\s*$/.exec(line);
      if (ref && names.has(ref[1]) && !/:\s+(?:(?:bnd|notrack)\s+)?call\s/.test(line)) return false;
    }
    // Recursion: a call among them that leads back.
    const callees = (name: string): string[] => {
      const fn = graph.byName.get(name);
      return fn ? [...fn.calls.values()].filter((c): c is string => c !== null && graph.byName.has(c)) : [];
    };
    const state = new Map<string, 'open' | 'done'>();
    const cycle = (name: string): boolean => {
      if (state.get(name) === 'done') return false;
      if (state.get(name) === 'open') return true;
      state.set(name, 'open');
      const found = callees(name).some(cycle);
      state.set(name, 'done');
      return found;
    };
    return !cycle('main');
  }

  /**
   * The executable's own shared libraries (not the system's), read once from its dynamic
   * section. Together they get the machine-code budget one binary has: the ones past it
   * are not disassembled (and say so), so a project that vendors big libraries is not
   * held up for minutes.
   */
  private librariesOf(exe: Binary): Binary[] {
    if (!exe.libraries) {
      const paths = exe.elf?.dynamic && !exe.problem ? ownLibraries(exe.real, exe.elf, { libraryPath: this.options.libraryPath, cwd: this.options.cwd }) : [];
      exe.libraries = paths.map((p) => this.binary(p)).filter((b) => b !== exe && !b.problem && b.elf !== null);
      let bytes = 0;
      for (const lib of exe.libraries) {
        bytes += lib.elf?.textBytes ?? 0;
        if (bytes > this.maxTextBytes && !lib.analysis) {
          lib.analysis = { error: `${basename(exe.path)}'s own libraries have more than the ${(this.maxTextBytes / 1048576).toFixed(0)} MiB of machine code the quick analysis reads` };
        }
      }
    }
    return exe.libraries;
  }

  /**
   * Calls made inside a language's own library (Rust's std forks in Command::spawn, Go's
   * in syscall.forkExec) are not where the user's fix goes: the callers of the function
   * holding each such call are followed, through the library, to the program's own
   * lines. A library call with no direct caller (reached through a pointer) stays.
   */
  private outOfLibraries(exe: Binary, analysis: StaticAnalysis, sites: StaticSite[], addr2line: string): StaticSite[] {
    const out: StaticSite[] = [];
    const climbed = new Set<string>();
    let frontier = sites;
    for (let depth = 0; frontier.length > 0; depth++) {
      // A caller's address, and whether the way up to it passed through a library's spawn.
      const callers = new Map<number, boolean>();
      for (const site of frontier) {
        const location = site.r?.location;
        const fn = location && isLibrarySource(location.file) && depth < MAX_CLIMB ? this.functionAt(exe, site.address) : null;
        const from = fn === null ? [] : this.callersOf(exe, analysis, fn);
        if (from.length === 0) {
          out.push(site);
          continue;
        }
        const viaSpawn = site.viaSpawn === true || this.spawnersOf(exe, analysis).has(fn!.name);
        const key = `${viaSpawn}\0${fn!.name}`;
        if (climbed.has(key)) continue;
        climbed.add(key);
        for (const c of from) callers.set(c.address, viaSpawn && callers.get(c.address) !== false);
      }
      const next = [...callers.keys()];
      const resolved = this.resolveSync(exe, next, addr2line);
      frontier = next.map((a) => ({ address: a, r: resolved.get(a) ?? null, viaSpawn: callers.get(a) }));
    }
    return out;
  }

  /** The functions holding a call that makes a process, and Go's forkExec, which makes them itself. */
  private spawnersOf(bin: Binary, analysis: StaticAnalysis): Set<string> {
    if (!bin.spawners) {
      bin.spawners = new Set(GO_FUNCTIONS.clone);
      for (const target of [...PROCESS_MAKERS, ...GO_FUNCTIONS.clone]) {
        for (const c of analysis.calls.get(target) ?? []) {
          const fn = this.functionAt(bin, c.address);
          if (fn) bin.spawners.add(fn.name);
        }
      }
    }
    return bin.spawners;
  }

  /** Calls to this function: by name, and through the GOT slots that hold its address. */
  private callersOf(bin: Binary, analysis: StaticAnalysis, fn: { name: string; start: number }): CallInstruction[] {
    const slots = this.gotSlotsOf(bin)?.get(fn.start) ?? [];
    return [...(analysis.calls.get(normalizeTarget(fn.name)) ?? []), ...slots.flatMap((slot) => analysis.calls.get(gotTarget(slot)) ?? [])];
  }

  /** The binary's relocated addresses (GOT slots and data pointers) by the address they hold, read once; null when they cannot be read. */
  private gotSlotsOf(bin: Binary): Map<number, number[]> | null {
    if (bin.gotSlots === undefined) {
      try {
        bin.gotSlots = bin.elf ? readGotSlots(bin.real, bin.elf) : new Map();
      } catch {
        bin.gotSlots = null;
      }
    }
    return bin.gotSlots;
  }

  /** The binary's function symbols, read once; none when they cannot be read. */
  private symbolsOf(bin: Binary): Map<string, number> {
    if (!bin.symbols) {
      try {
        bin.symbols = bin.elf ? readFunctionSymbols(bin.real, bin.elf) : new Map();
      } catch {
        bin.symbols = new Map();
      }
    }
    return bin.symbols;
  }

  /** The function symbol whose code holds this address (the nearest start at or below it). */
  private functionAt(bin: Binary, address: number): { name: string; start: number } | null {
    if (!bin.elf) return null;
    bin.starts ??= [...this.symbolsOf(bin)].filter(([, a]) => a > 0).sort((x, y) => x[1] - y[1]);
    const starts = bin.starts;
    const found = lastAtOrBelow(starts, address, (f) => f[1]);
    return found < 0 ? null : { name: starts[found][0], start: starts[found][1] };
  }

  private interpretedResult(exe: Binary, lang: Language, site: CallSite, role: SiteRole): Answer {
    // A script run by name (`./server.py`), else the one the interpreter's argv names (`python3 server.py`).
    const script = exe.shebang !== null ? exe.real : scriptOf(site.argv ?? [], this.options.cwd ?? process.cwd());
    let candidates: CandidateLocation[] = [];
    const root = script ?? this.options.workspaceRoot;
    if (root) {
      // Searched once per file or workspace: a forking script makes the same calls thousands of times.
      const key = `${root}\0${lang}\0${role}\0${site.event.name}`;
      candidates = this.searchCache.get(key) ?? (script ? searchFiles([script], lang, role, site.event.name) : workspaceCandidates(root, lang, role, site.event.name));
      this.searchCache.set(key, candidates);
    }
    const name = script ? basename(script) : basename(exe.path);
    return {
      located: { location: null, note: interpretedNote(name, script !== null, lang, role, site.event.name, candidates) },
      candidates,
    };
  }

  private interpreted(bin: Binary): Language | null {
    if (bin.language === undefined) {
      if (bin.shebang !== null) bin.language = shebangLanguage(bin.shebang) ?? 'other';
      else bin.language = bin.elf || bin.problem ? interpreterLanguage(bin.path) : null;
    }
    return bin.language;
  }

  // --- binaries, tools, addr2line -------------------------------------------------------

  private toolPaths(): { objdump: string | null; addr2line: string | null } {
    if (!this.tools) {
      const objdump = which(this.options.objdump ?? 'objdump');
      const addr2line = which(this.options.addr2line ?? 'addr2line') ?? (this.options.addr2line ? null : which('eu-addr2line'));
      this.tools = { objdump, addr2line };
    }
    return this.tools;
  }

  private binary(path: string): Binary {
    const known = this.binaries.get(path);
    if (known) return known;
    const abs = isAbsolute(path) ? path : resolve(this.options.cwd ?? process.cwd(), path);
    const bin: Binary = { path: abs, real: abs, problem: null, elf: null, shebang: null, addresses: new Map(), analysis: null, symbols: null };
    try {
      bin.real = realpathSync(abs);
      // Paths come from the trace or a log file, which may name anything: opening a FIFO
      // blocks forever and opening a device can act (a tape rewinds, a watchdog starts).
      // Only a regular file is read; objdump and addr2line are only ever given one.
      if (!statSync(bin.real).isFile()) {
        bin.problem = `${abs} is not a regular file, so its calls cannot be located.`;
        this.binaries.set(path, bin);
        return bin;
      }
      bin.elf = readElf(bin.real);
      if (!bin.elf) {
        const head = readHead(bin.real);
        if (head.startsWith('#!')) bin.shebang = head.slice(2).split('\n')[0].trim();
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      bin.problem = code === 'ENOENT' ? `${abs} does not exist on this machine (any more), so its calls cannot be located.` : `${abs} cannot be read (${code ?? (err as Error).message}).`;
    }
    this.binaries.set(path, bin);
    return bin;
  }

  /** Disassembles now, then resolves every call any role can ask about in one addr2line run. */
  private analyzeSync(bin: Binary, objdump: string, addr2line: string): void {
    const run = this.objdumpRun(bin, objdump);
    if (!run) return;
    const unresolved = this.finishAnalysis(bin, runSync(run, this.timeout));
    if (unresolved.length > 0) this.resolveSync(bin, unresolved, addr2line);
  }

  private async analyzeAsync(bin: Binary, objdump: string): Promise<void> {
    const run = this.objdumpRun(bin, objdump);
    if (!run) return;
    const r = await runAsync(run, this.timeout);
    if (bin.analysis) return; // a synchronous lookup got there first
    const unresolved = this.finishAnalysis(bin, r);
    const addr2line = this.toolPaths().addr2line;
    if (addr2line && unresolved.length > 0) await this.resolveAsync(bin, unresolved, addr2line);
  }

  /** The objdump run for this binary; null (and an analysis error) when it is too big to read. */
  private objdumpRun(bin: Binary, objdump: string): ToolRun | null {
    const bytes = bin.elf?.textBytes ?? 0;
    if (bytes > this.maxTextBytes) {
      bin.analysis = { error: `it has ${(bytes / 1048576).toFixed(0)} MiB of machine code, more than the ${(this.maxTextBytes / 1048576).toFixed(0)} MiB the quick analysis reads` };
      return null;
    }
    return objdumpCommand(objdump, bin.real);
  }

  /** Stores objdump's answer; returns the calls to known targets that addr2line has yet to resolve. */
  private finishAnalysis(bin: Binary, r: RunResult): number[] {
    this.stats.objdumpRuns++;
    this.stats.objdumpMs += r.ms;
    if (r.error || r.status !== 0) {
      const why = r.error ?? (r.stderr.trim().split('\n')[0] || `exit status ${r.status}`);
      bin.analysis = { error: why };
      return [];
    }
    let analysis: StaticAnalysis;
    try {
      analysis = { calls: parseObjdump(r.stdout, bin.elf?.machine === EM_X86_64), ms: r.ms };
    } catch (err) {
      bin.analysis = { error: (err as Error).message };
      return [];
    }
    bin.analysis = analysis;
    return knownAddresses(analysis).filter((a) => !bin.addresses.has(a));
  }

  private resolveSync(bin: Binary, addresses: number[], addr2line: string): Map<number, ResolvedAddress> {
    const missing = addresses.filter((a) => !bin.addresses.has(a));
    if (missing.length > 0) this.storeResolved(bin, missing, runSync(addr2lineCommand(addr2line, bin.real, missing), this.timeout));
    const out = new Map<number, ResolvedAddress>();
    for (const a of addresses) {
      const r = bin.addresses.get(a);
      if (r) out.set(a, r);
    }
    return out;
  }

  private async resolveAsync(bin: Binary, addresses: number[], addr2line: string): Promise<void> {
    const r = await runAsync(addr2lineCommand(addr2line, bin.real, addresses), this.timeout);
    this.storeResolved(bin, addresses.filter((a) => !bin.addresses.has(a)), r);
  }

  private storeResolved(bin: Binary, addresses: number[], r: RunResult): void {
    if (addresses.length === 0) return;
    this.stats.addr2lineRuns++;
    this.stats.addr2lineAddresses += addresses.length;
    this.stats.addr2lineMs += r.ms;
    if (r.error || r.status !== 0) throw new Error(`addr2line failed on ${bin.path}: ${r.error ?? r.stderr.trim().split('\n')[0]}`);
    const parsed = parseAddr2line(r.stdout, basename(this.toolPaths().addr2line ?? '').startsWith('eu-'));
    for (const a of addresses) {
      const chain = parsed.get(a) ?? [];
      const entry = chooseEntry(chain);
      const location = entry && entry.file && entry.line !== null ? { file: this.sourcePath(entry.file, bin), line: entry.line, function: entry.fn } : null;
      // Without .symtab, addr2line names the nearest exported symbol: not worth repeating.
      const trusted = !!(bin.elf?.hasSymtab || bin.elf?.hasDebugInfo);
      bin.addresses.set(a, { chain, location, fn: trusted ? entry?.fn ?? chain.find((c) => c.fn)?.fn ?? null : null });
    }
  }

  /**
   * addr2line already joins a relative DW_AT_name with DW_AT_comp_dir (it printed
   * `/tmp/b/../src/x.c` for a `gcc -g ../src/x.c` run in /tmp/b); a relative path is left
   * only when comp_dir itself is relative (-fdebug-prefix-map=…=.). Those are tried
   * against the binary's directory, the program's cwd and the workspace.
   */
  private sourcePath(file: string, bin: Binary): string {
    const key = `${dirname(bin.real)}\0${file}`;
    const known = this.sourcePaths.get(key);
    if (known) return known;
    let p = file;
    if (!isAbsolute(p)) {
      const bases = [dirname(bin.real), this.options.cwd, this.options.workspaceRoot].filter((b): b is string => !!b);
      p = bases.map((b) => resolve(b, file)).find((c) => existsSync(c)) ?? resolve(bases[0], file);
    }
    p = normalize(p);
    try {
      p = realpathSync(p);
    } catch {
      // a source file that is not on this machine: keep the absolute path
    }
    this.sourcePaths.set(key, p);
    return p;
  }

  private noDebugNote(bin: Binary, fn: string | null): string {
    const name = basename(bin.path);
    const inFn = fn ? ` (the call is in ${fn})` : '';
    const elf = bin.elf;
    if (elf && !elf.hasSymtab && !elf.hasDebugInfo) {
      return `${name} is stripped: it has no symbols and no debug information${inFn}, so the source line is unknown. Rebuild it with -g and without stripping (no -s, strip or install -s), then trace again.`;
    }
    if (elf && !elf.hasDebugInfo) {
      return `${name} was built without debug information${inFn}, so the source line is unknown. Rebuild it with -g (for example gcc -g -O0) and trace again.`;
    }
    return `${name} has no line information for this call${inFn}: that part was probably compiled without -g. Rebuild it with -g and trace again.`;
  }
}

const MISSING_BINUTILS = 'Source lines need objdump and addr2line from GNU binutils, which are not installed. Install them (sudo apt-get install binutils, or sudo dnf install binutils) and trace again.';

/** "server", "server and libworker.so", "server, liba.so and libb.so". */
function namesOf(bins: Binary[]): string {
  const names = bins.map((b) => basename(b.path));
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The calls whose loaded constants fit; all of them when none does (a set-up the disassembly does not show). */
function narrowed<T>(calls: T[], fits: (call: T) => boolean): T[] {
  const matching = calls.filter(fits);
  return matching.length > 0 ? matching : calls;
}

/** The index of the last item (sorted by `at`) at or below `address`; -1 when none is. */
function lastAtOrBelow<T>(sorted: readonly T[], address: number, at: (item: T) => number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (at(sorted[mid]) <= address) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** No line: why not, and whether a precise (-k) trace would give it (the note then says how to run one). */
function none(note: string, preciseWouldPin = false): Answer {
  return { located: preciseWouldPin ? { location: null, note, preciseWouldPin } : { location: null, note }, candidates: [] };
}

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

function knownAddresses(a: StaticAnalysis): number[] {
  const out: number[] = [];
  for (const [target, calls] of a.calls) if (isKnownTarget(target)) for (const c of calls) out.push(c.address);
  return unique(out);
}
