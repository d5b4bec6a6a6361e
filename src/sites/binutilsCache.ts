// objdump and addr2line, run at most once per binary and once per address: the slow part
// of every answer, shared by the precise, static and flow paths, synchronously when a
// lookup needs it now and in the background when prepare() has time.
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, normalize, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SourceLocation } from '../shared/schema';
import { which } from '../tracer/strace';
import type { Binaries, BinaryFile } from './binaries';
import {
  addr2lineCommand,
  chooseEntry,
  objdumpCommand,
  parseAddr2line,
  parseObjdump,
  runAsync,
  runSync,
  type AddrFrame,
  type RunResult,
  type ToolRun,
} from './binutils';
import { Disassembly, type Undisassembled } from './disassembly';
import { EM_X86_64 } from './elf';
import { ownLibraries } from './libraries';

export interface ResolvedAddress {
  /** The inline chain, innermost first. */
  chain: AddrFrame[];
  /** The line to show: innermost entry in the user's own source (see chooseEntry). */
  location: SourceLocation | null;
  /** A function name, even without debug info. */
  fn: string | null;
}

export interface ToolPaths {
  objdump: string | null;
  addr2line: string | null;
}

/** What the tools cost, counted into SiteResolverStats. */
export interface ToolStats {
  objdumpRuns: number;
  /** From each start to when this process saw its end: a busy event loop (a parse) counts too. */
  objdumpMs: number;
  addr2lineRuns: number;
  addr2lineAddresses: number;
  addr2lineMs: number;
}

export interface BinutilsOptions {
  /** Where the program ran, then the workspace: bases for relative source paths and library paths. */
  cwd?: string;
  workspaceRoot?: string;
  /** LD_LIBRARY_PATH of the traced program: where its own shared libraries may be. */
  libraryPath?: string;
  objdump?: string;
  addr2line?: string;
  /** Machine code one executable and its own libraries may have to be disassembled. */
  maxTextBytes: number;
  /** Per tool run. */
  timeoutMs: number;
}

export class BinutilsCache {
  private tools: ToolPaths | null = null;
  private readonly analyses = new Map<BinaryFile, Disassembly | Undisassembled>();
  private readonly addresses = new Map<BinaryFile, Map<number, ResolvedAddress>>();
  /** An executable's own shared libraries (see ownLibraries), once read. */
  private readonly libraries = new Map<BinaryFile, BinaryFile[]>();
  private readonly sourcePaths = new Map<string, string>();

  constructor(
    private readonly binaries: Binaries,
    private readonly stats: ToolStats,
    private readonly options: BinutilsOptions,
  ) {}

  /** Where objdump and addr2line are (elfutils' eu-addr2line will do), looked up once. */
  paths(): ToolPaths {
    if (!this.tools) {
      const objdump = which(this.options.objdump ?? 'objdump');
      const addr2line = which(this.options.addr2line ?? 'addr2line') ?? (this.options.addr2line ? null : which('eu-addr2line'));
      this.tools = { objdump, addr2line };
    }
    return this.tools;
  }

  /** The binary's disassembly, or why there is none; undefined until one was tried. */
  analysisOf(bin: BinaryFile): Disassembly | Undisassembled | undefined {
    return this.analyses.get(bin);
  }

  /** What addr2line said of this address, if it was asked. */
  resolved(bin: BinaryFile, address: number): ResolvedAddress | undefined {
    return this.addresses.get(bin)?.get(address);
  }

  /** Forgets every binary's answers; the tools' paths stay. */
  clear(): void {
    this.analyses.clear();
    this.addresses.clear();
    this.libraries.clear();
    this.sourcePaths.clear();
  }

  // --- objdump ---------------------------------------------------------------------------

  /** Disassembles now, then resolves every call any role can ask about in one addr2line run. */
  analyzeSync(bin: BinaryFile, objdump: string, addr2line: string): void {
    const run = this.objdumpRun(bin, objdump);
    if (!run) return;
    const unresolved = this.finishAnalysis(bin, runSync(run, this.options.timeoutMs));
    if (unresolved.length > 0) this.resolveSync(bin, unresolved, addr2line);
  }

  async analyzeAsync(bin: BinaryFile, objdump: string): Promise<void> {
    const run = this.objdumpRun(bin, objdump);
    if (!run) return;
    const r = await runAsync(run, this.options.timeoutMs);
    if (this.analyses.has(bin)) return; // a synchronous lookup got there first
    const unresolved = this.finishAnalysis(bin, r);
    const addr2line = this.paths().addr2line;
    if (addr2line && unresolved.length > 0) await this.resolveAsync(bin, unresolved, addr2line);
  }

  /**
   * The whole disassembly of an executable (or of main alone), unfiltered, for following
   * its control flow; null when objdump failed.
   */
  disassembleForFlow(exe: BinaryFile, objdump: string, mainOnly: boolean): string | null {
    const t0 = performance.now();
    const r = runSync(
      { cmd: objdump, args: ['-d', '--no-show-raw-insn', '-w', ...(mainOnly ? ['--disassemble=main'] : []), exe.real] },
      this.options.timeoutMs,
    );
    this.stats.objdumpRuns++;
    this.stats.objdumpMs += performance.now() - t0;
    return r.status === 0 ? r.stdout : null;
  }

  /**
   * The executable's own shared libraries (not the system's), read once from its dynamic
   * section. Together they get the machine-code budget one binary has: the ones past it
   * are not disassembled (and say so), so a project that vendors big libraries is not
   * held up for minutes.
   */
  librariesOf(exe: BinaryFile): BinaryFile[] {
    let libraries = this.libraries.get(exe);
    if (!libraries) {
      const paths = exe.elf?.dynamic && !exe.problem ? ownLibraries(exe.real, exe.elf, { libraryPath: this.options.libraryPath, cwd: this.options.cwd }) : [];
      libraries = paths.map((p) => this.binaries.get(p)).filter((b) => b !== exe && !b.problem && b.elf !== null);
      this.libraries.set(exe, libraries);
      const max = this.options.maxTextBytes;
      let bytes = 0;
      for (const lib of libraries) {
        bytes += lib.elf?.textBytes ?? 0;
        if (bytes > max && !this.analyses.has(lib)) {
          this.analyses.set(lib, {
            error: `${basename(exe.path)}'s own libraries have more than the ${(max / 1048576).toFixed(0)} MiB of machine code the quick analysis reads`,
          });
        }
      }
    }
    return libraries;
  }

  /** The objdump run for this binary; null (and an analysis error) when it is too big to read. */
  private objdumpRun(bin: BinaryFile, objdump: string): ToolRun | null {
    const bytes = bin.elf?.textBytes ?? 0;
    const max = this.options.maxTextBytes;
    if (bytes > max) {
      this.analyses.set(bin, {
        error: `it has ${(bytes / 1048576).toFixed(0)} MiB of machine code, more than the ${(max / 1048576).toFixed(0)} MiB the quick analysis reads`,
      });
      return null;
    }
    return objdumpCommand(objdump, bin.real);
  }

  /** Stores objdump's answer; returns the calls to known targets that addr2line has yet to resolve. */
  private finishAnalysis(bin: BinaryFile, r: RunResult): number[] {
    this.stats.objdumpRuns++;
    this.stats.objdumpMs += r.ms;
    if (r.error || r.status !== 0) {
      const why = r.error ?? (r.stderr.trim().split('\n')[0] || `exit status ${r.status}`);
      this.analyses.set(bin, { error: why });
      return [];
    }
    let analysis: Disassembly;
    try {
      analysis = new Disassembly(parseObjdump(r.stdout, bin.elf?.machine === EM_X86_64), r.ms);
    } catch (err) {
      this.analyses.set(bin, { error: (err as Error).message });
      return [];
    }
    this.analyses.set(bin, analysis);
    return analysis.knownAddresses().filter((a) => this.resolved(bin, a) === undefined);
  }

  // --- addr2line -------------------------------------------------------------------------

  /** Resolves the addresses not asked yet in one run; what addr2line said of each. Throws when addr2line fails. */
  resolveSync(bin: BinaryFile, addresses: number[], addr2line: string): Map<number, ResolvedAddress> {
    const missing = addresses.filter((a) => this.resolved(bin, a) === undefined);
    if (missing.length > 0) this.storeResolved(bin, missing, runSync(addr2lineCommand(addr2line, bin.real, missing), this.options.timeoutMs));
    const out = new Map<number, ResolvedAddress>();
    for (const a of addresses) {
      const r = this.resolved(bin, a);
      if (r) out.set(a, r);
    }
    return out;
  }

  async resolveAsync(bin: BinaryFile, addresses: number[], addr2line: string): Promise<void> {
    const r = await runAsync(addr2lineCommand(addr2line, bin.real, addresses), this.options.timeoutMs);
    this.storeResolved(
      bin,
      addresses.filter((a) => this.resolved(bin, a) === undefined),
      r,
    );
  }

  private storeResolved(bin: BinaryFile, addresses: number[], r: RunResult): void {
    if (addresses.length === 0) return;
    this.stats.addr2lineRuns++;
    this.stats.addr2lineAddresses += addresses.length;
    this.stats.addr2lineMs += r.ms;
    if (r.error || r.status !== 0) throw new Error(`addr2line failed on ${bin.path}: ${r.error ?? r.stderr.trim().split('\n')[0]}`);
    const parsed = parseAddr2line(r.stdout, basename(this.paths().addr2line ?? '').startsWith('eu-'));
    let known = this.addresses.get(bin);
    if (!known) this.addresses.set(bin, (known = new Map()));
    for (const a of addresses) {
      const chain = parsed.get(a) ?? [];
      const entry = chooseEntry(chain);
      const location = entry && entry.file && entry.line !== null ? { file: this.sourcePath(entry.file, bin), line: entry.line, function: entry.fn } : null;
      // Without .symtab, addr2line names the nearest exported symbol: not worth repeating.
      const trusted = !!(bin.elf?.hasSymtab || bin.elf?.hasDebugInfo);
      known.set(a, { chain, location, fn: trusted ? (entry?.fn ?? chain.find((c) => c.fn)?.fn ?? null) : null });
    }
  }

  /**
   * addr2line already joins a relative DW_AT_name with DW_AT_comp_dir (it printed
   * `/tmp/b/../src/x.c` for a `gcc -g ../src/x.c` run in /tmp/b); a relative path is left
   * only when comp_dir itself is relative (-fdebug-prefix-map=…=.). Those are tried
   * against the binary's directory, the program's cwd and the workspace.
   */
  sourcePath(file: string, bin: BinaryFile): string {
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
}
