// Following a process's control flow (flow.ts) to narrow a fork site the static path
// left ambiguous: the program's flow from main, read once per executable when following
// it is sound, and where each fork-family call of a process may have been made, worked
// out along the chain of its calls.
import { unique } from '../core/args';
import type { CallSite, FlowAnchor } from '../core/model';
import type { SourceLocation } from '../shared/schema';
import type { Answer, ExeSite } from './answer';
import type { BinaryFile, FunctionSymbol } from './binaries';
import type { BinutilsCache } from './binutilsCache';
import type { Disassembly } from './disassembly';
import { afterCalls, nextPoints, NON_LOCAL_JUMPS, parseFunctionFlow, programGraph, type FlowPoint, type FunctionFlow, type ProgramGraph } from './flow';
import { GO_FUNCTIONS, normalizeTarget, PROCESS_MAKERS } from './libcCalls';

/** Following the flow through more functions than this between main and the forks is not tried. */
const MAX_FLOW_FUNCTIONS = 16;
/** Nor is reading a whole program with more machine code than this (1 MiB) to see who refers to them. */
const MAX_FLOW_TEXT_BYTES = 1 << 20;

/** Go's own process-making and waiting functions, by name. */
const GO_FUNCTIONS_BY_NAME: Record<string, true> = Object.fromEntries(
  Object.values(GO_FUNCTIONS)
    .flat()
    .map((f) => [f, true]),
);

/** The program's control flow from main, when it is sound to follow (see programFlow). */
interface ProgramFlow {
  graph: ProgramGraph;
  /** Addresses of every call in the program that may make a process. */
  makers: Set<number>;
  /** nextPoints() by the points it started from. */
  reach: Map<string, FlowPoint[]>;
}

export class FlowFollower {
  /** Per fork-family call: where following the flow says it was made (null: not narrowed). */
  private flowResults = new WeakMap<CallSite, FlowPoint[] | null>();
  /** Narrowed answers by executable and the call sites kept. */
  private readonly answers = new Map<string, Answer>();
  /** main()'s control flow per executable once read; null when it cannot narrow anything. */
  private readonly programs = new Map<BinaryFile, ProgramFlow | null>();

  constructor(
    private readonly binutils: BinutilsCache,
    /** The sites the static path chose a fork-family call from (the resolver's cached lookup). */
    private readonly staticSitesOf: (call: CallSite) => ExeSite[] | undefined,
  ) {}

  clear(): void {
    this.flowResults = new WeakMap();
    this.answers.clear();
    this.programs.clear();
  }

  /**
   * A fork site the static path left ambiguous, narrowed by where the process's control
   * flow came from: its previous fork-family call, its own start after its parent's, or
   * main() after an exec. Null when that does not single out one line.
   */
  follow(exe: BinaryFile, site: CallSite, answer: Answer): Answer | null {
    const program = this.programFlow(exe);
    if (!program) return null;
    const points = this.flowPoints(site, program);
    const at = new Set(points?.map((p) => p.at));
    const kept = (answer.sites ?? []).filter((s) => at.has(s.address));
    const lines = unique(kept.map((s) => (s.location ? `${s.location.file}:${s.location.line}` : '')));
    if (kept.length === 0 || lines.length !== 1 || lines[0] === '') return null;
    const key = `${exe.real}\0${kept.map((s) => s.address).join(',')}`;
    const known = this.answers.get(key);
    if (known) return known;
    const location = kept[0].location as SourceLocation;
    const result: Answer = { located: { location: { ...location }, note: null, via: unique(kept.map((s) => s.target)) }, candidates: [] };
    this.answers.set(key, result);
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
    for (let at: FlowAnchor | undefined = site; ;) {
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
      const statics = new Set(this.staticSitesOf(call)?.map((s) => s.address));
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
    const key = points
      .map((p) => `${p.stack.join(',')}|${p.at}`)
      .sort()
      .join(' ');
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
  private programFlow(exe: BinaryFile): ProgramFlow | null {
    let program = this.programs.get(exe);
    if (program === undefined) {
      this.programs.set(exe, null); // not tried twice, whatever happens
      program = this.readProgramFlow(exe);
      this.programs.set(exe, program);
    }
    return program;
  }

  private readProgramFlow(exe: BinaryFile): ProgramFlow | null {
    const analysis = this.binutils.analysisOf(exe);
    const objdump = this.binutils.paths().objdump;
    if (!analysis || 'error' in analysis || !objdump || !exe.elf || this.binutils.librariesOf(exe).length > 0) return null;
    const calls = analysis.calls;
    const opaque = (target: string) => NON_LOCAL_JUMPS.has(target) || target === 'main' || target.startsWith('*got') || target in GO_FUNCTIONS_BY_NAME;
    if ([...calls.keys()].some(opaque)) return null;
    const makers = new Set<number>();
    for (const target of [...PROCESS_MAKERS, 'wordexp']) for (const c of calls.get(target) ?? []) makers.add(c.address);
    const between = functionsBetween(exe, analysis, makers);
    if (!between) return null;
    const others = [...between.keys()].filter((n) => n !== 'main');
    // One function: objdump reads main alone. More: the whole program, to see every reference to them.
    if (others.length > 0 && (exe.elf.type !== 'dyn' || !exe.elf.hasSymtab || exe.elf.textBytes > MAX_FLOW_TEXT_BYTES)) return null;
    const disassembly = this.binutils.disassembleForFlow(exe, objdump, others.length === 0);
    if (disassembly === null) return null;
    const flows = ['main', ...others].map((name) => parseFunctionFlow(disassembly, name));
    const parsed = flows.filter((f): f is FunctionFlow => !('problem' in f));
    if (parsed.length !== flows.length) return null;
    const graph = programGraph(parsed[0], parsed.slice(1));
    if ([...makers].some((a) => !graph.calls.has(a))) return null;
    if (
      others.length > 0 &&
      !onlyCalledDirectly(
        exe,
        disassembly,
        others.map((n) => ({ name: n, start: between.get(n) as number })),
        graph,
      )
    )
      return null;
    return { graph, makers, reach: new Map() };
  }
}

/**
 * The functions between main and the process-making calls, found by their direct
 * callers, with their start addresses (main's is -1 when no maker is in main itself);
 * null when one is reached only through a pointer or there are too many.
 */
function functionsBetween(exe: BinaryFile, analysis: Disassembly, makers: Set<number>): Map<string, number> | null {
  const between = new Map<string, number>();
  const todo = [...makers].map((a) => exe.functionAt(a));
  while (todo.length > 0) {
    const fn = todo.pop();
    if (!fn) return null;
    if (between.has(fn.name)) continue;
    between.set(fn.name, fn.start);
    if (fn.name === 'main') continue;
    const callers = analysis.calls.get(normalizeTarget(fn.name)) ?? [];
    if (callers.length === 0 || between.size > MAX_FLOW_FUNCTIONS) return null;
    todo.push(...callers.map((c) => exe.functionAt(c.address)));
  }
  if (!between.has('main')) between.set('main', -1);
  return between;
}

/**
 * These functions are entered only by the direct calls the flow follows: no instruction
 * but a call names them, no relocation stores their address (a handler, a callback, a
 * table), and no chain of calls among them comes back to one (recursion).
 */
function onlyCalledDirectly(exe: BinaryFile, disassembly: string, fns: FunctionSymbol[], graph: ProgramGraph): boolean {
  // Unreadable relocations prove nothing: then they may hold any address.
  const slots = exe.gotSlots();
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
