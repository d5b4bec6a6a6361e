// Control flow from main(), for the fast mode's last narrowing. A process's fork-family
// calls come in an order the trace records, and its control flow can only go from one to
// the next along the program's jumps, calls and returns: a double fork's child starts
// right after the first fork() returns, so its own fork is the second one; the parent's
// first fork cannot be the second, which it reaches only through the first. Sound as long
// as every process-making call of the program is in main or in functions main reaches by
// direct calls only, and their jumps are all direct (flowFollower.ts checks the rest).
import { normalizeTarget } from './libcCalls';

/** Calls that always make exactly one clone/fork/vfork syscall: the flow stops there. */
const ALWAYS_FORKS = new Set(['fork', '_Fork', 'vfork']);

/**
 * Calls that never return. Only precision depends on this list (a call left out is
 * assumed to return, which is always safe), so it holds only functions that certainly
 * do not.
 */
const NO_RETURN = new Set([
  'exit',
  '_exit',
  '_Exit',
  'quick_exit',
  'abort',
  'err',
  'errx',
  'verr',
  'verrx',
  'pthread_exit',
  '__stack_chk_fail',
  '__assert_fail',
  '__assert_perror_fail',
  '__fortify_fail',
  '__chk_fail',
]);

/** Functions whose control flow a function's jumps do not show: with these the analysis gives up. */
export const NON_LOCAL_JUMPS = new Set([
  'setjmp',
  '_setjmp',
  '__sigsetjmp',
  'sigsetjmp',
  'longjmp',
  '_longjmp',
  'siglongjmp',
  '__longjmp_chk',
  'getcontext',
  'setcontext',
  'swapcontext',
  '__cxa_throw',
  '__cxa_rethrow',
  '_Unwind_Resume',
  '_Unwind_RaiseException',
]);

export interface FunctionFlow {
  name: string;
  /** First instruction. */
  entry: number;
  /** Successors of each instruction; none after a return, a call that never returns, or a tail call. */
  next: Map<number, number[]>;
  /** Call instructions and their callee (normalized; null through a register or memory). */
  calls: Map<number, string | null>;
  /** The instruction after each one (where a call returns to). */
  following: Map<number, number>;
  /** Returns, and tail calls (the function jumped to returns for this one). */
  returns: Set<number>;
}

const INSTRUCTION = /^\s*([0-9a-f]+):\s+(?:(?:bnd|notrack|rex\S*|data16|addr32|cs|ds|lock|rep\S*)\s+)*(\S+)\s*(.*)$/;
const DIRECT = /^([0-9a-f]+) <([^>]+)>/;

/**
 * Reads `objdump -d --no-show-raw-insn -w --disassemble=NAME` output. A problem (in words)
 * when the function's control flow cannot be read whole: a jump through a register or a
 * table (a switch), or a jump into another function's middle (a `.cold` part).
 */
export function parseFunctionFlow(text: string, name: string): FunctionFlow | { problem: string } {
  const insns: Array<{ address: number; mnemonic: string; operands: string }> = [];
  let inside = false;
  let blocks = 0;
  for (const line of text.split('\n')) {
    const label = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
    if (label) {
      inside = label[1] === name;
      if (inside && ++blocks > 1) return { problem: `two functions are named ${name}` };
      continue;
    }
    if (!inside) continue;
    const m = INSTRUCTION.exec(line);
    if (m) insns.push({ address: parseInt(m[1], 16), mnemonic: m[2], operands: m[3] });
  }
  if (insns.length === 0) return { problem: `${name} was not found in the disassembly` };
  const start = insns[0].address;
  const end = insns[insns.length - 1].address + 1;
  const next = new Map<number, number[]>();
  const calls = new Map<number, string | null>();
  const following = new Map<number, number>();
  const returns = new Set<number>();
  const inFunction = (target: number) => target >= start && target < end;
  for (let i = 0; i < insns.length; i++) {
    const { address, mnemonic, operands } = insns[i];
    const after = i + 1 < insns.length ? insns[i + 1].address : null;
    if (after !== null) following.set(address, after);
    const fallthrough = after === null ? [] : [after];
    const direct = DIRECT.exec(operands);
    if (mnemonic.startsWith('call')) {
      const callee = direct ? normalizeTarget(direct[2]) : calleeInComment(operands);
      calls.set(address, callee);
      next.set(address, callee !== null && NO_RETURN.has(callee) ? [] : fallthrough);
    } else if (mnemonic.startsWith('ret')) {
      next.set(address, []);
      returns.add(address);
    } else if (mnemonic === 'hlt' || mnemonic === 'ud2') {
      next.set(address, []);
    } else if (mnemonic.startsWith('j') || mnemonic.startsWith('loop')) {
      const conditional = !mnemonic.startsWith('jmp');
      if (!direct)
        return {
          problem: `${name} jumps through ${operands.startsWith('*') ? 'a register or a table (a switch statement)' : 'an address the disassembly does not name'} at 0x${address.toString(16)}`,
        };
      const target = parseInt(direct[1], 16);
      if (inFunction(target)) {
        next.set(address, conditional ? [target, ...fallthrough] : [target]);
      } else if (!direct[2].includes('+') && !direct[2].includes('.cold')) {
        // A tail call: the other function returns for this one.
        next.set(address, conditional ? fallthrough : []);
        returns.add(address);
      } else {
        return { problem: `${name} jumps into ${direct[2]} at 0x${address.toString(16)}` };
      }
    } else {
      next.set(address, fallthrough);
    }
  }
  return { name, entry: start, next, calls, following, returns };
}

/** `call *0x2fe2(%rip)  # 3fd8 <fork@GLIBC_2.2.5>`: the callee objdump names in its comment. */
function calleeInComment(operands: string): string | null {
  const m = /#\s+[0-9a-f]+ <([^>+]+)>\s*$/.exec(operands);
  return m ? normalizeTarget(m[1]) : null;
}

/** The functions a process's flow goes through, from main: what flow points move in. */
export interface ProgramGraph {
  main: FunctionFlow;
  /** main and the functions it reaches by direct calls that hold process-making calls, by name. */
  byName: Map<string, FunctionFlow>;
  next: Map<number, number[]>;
  calls: Map<number, string | null>;
  following: Map<number, number>;
  returns: Set<number>;
}

export function programGraph(main: FunctionFlow, others: FunctionFlow[] = []): ProgramGraph {
  const all = [main, ...others];
  const merged = <K, V>(pick: (f: FunctionFlow) => Map<K, V>): Map<K, V> => new Map(all.flatMap((f) => [...pick(f)]));
  return {
    main,
    byName: new Map(all.map((f) => [f.name, f])),
    next: merged((f) => f.next),
    calls: merged((f) => f.calls),
    following: merged((f) => f.following),
    returns: new Set(all.flatMap((f) => [...f.returns])),
  };
}

/** Where a process's flow is: an instruction, and the return addresses of the calls it is in (innermost last). */
export interface FlowPoint {
  stack: readonly number[];
  at: number;
}

/** Right after the call each point is at: where the flow goes on once that call returned. */
export function afterCalls(graph: ProgramGraph, points: readonly FlowPoint[]): FlowPoint[] {
  return points.flatMap((p) => {
    const at = graph.following.get(p.at);
    return at === undefined ? [] : [{ stack: p.stack, at }];
  });
}

/**
 * The call sites the flow can reach first from these points, each with the calls it is
 * in: a call in `sites` is reached and kept, and the flow stops there when the call
 * always forks (that fork would be the next one in the trace) or goes on past it when it
 * may not (popen() can fail before its clone). A call to one of the graph's functions
 * goes into it and comes back after its return. `sites`: addresses of every call that
 * may make a process.
 */
export function nextPoints(graph: ProgramGraph, from: Iterable<FlowPoint>, sites: ReadonlySet<number>): FlowPoint[] {
  const reached: FlowPoint[] = [];
  const seen = new Set<string>();
  const todo = [...from];
  while (todo.length > 0) {
    const p = todo.pop() as FlowPoint;
    const key = `${p.stack.join(',')}|${p.at}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const callee = graph.calls.get(p.at);
    if (sites.has(p.at)) {
      reached.push(p);
      if (callee && ALWAYS_FORKS.has(callee)) continue;
    }
    const into = callee ? graph.byName.get(callee) : undefined;
    const back = graph.following.get(p.at);
    if (into && back !== undefined) {
      todo.push({ stack: [...p.stack, back], at: into.entry });
      continue;
    }
    if (graph.returns.has(p.at) && p.stack.length > 0) todo.push({ stack: p.stack.slice(0, -1), at: p.stack[p.stack.length - 1] });
    for (const at of graph.next.get(p.at) ?? []) todo.push({ stack: p.stack, at });
  }
  return reached;
}
