// What `objdump -d` said about one binary: its calls to whole functions, by callee, and
// what the paths read from them (which call holds an address, who calls a function).
import { unique } from '../core/args';
import { lastAtOrBelow, type BinaryFile, type FunctionSymbol } from './binaries';
import { gotTarget, type CallInstruction } from './binutils';
import { GO_FUNCTIONS, isKnownTarget, normalizeTarget, PROCESS_MAKERS } from './libcCalls';

/** A binary that could not be disassembled, and why, in words. */
export interface Undisassembled {
  error: string;
}

export class Disassembly {
  /** Every call by address, for callTargetAt. */
  private callIndex: Array<{ address: number; target: string }> | null = null;
  /** Functions that make processes: they call fork, posix_spawn… (or are Go's forkExec). */
  private spawnerNames: Set<string> | null = null;

  constructor(
    /** Calls by normalized callee. */
    readonly calls: Map<string, CallInstruction[]>,
    /** How long objdump took. */
    readonly ms: number,
  ) {}

  /** The addresses of every call to a function any role can ask about: what addr2line resolves up front. */
  knownAddresses(): number[] {
    const out: number[] = [];
    for (const [target, calls] of this.calls) if (isKnownTarget(target)) for (const c of calls) out.push(c.address);
    return unique(out);
  }

  /** The function called by the call instruction that holds this address (a `-k` return address - 1). */
  callTargetAt(address: number): string | null {
    this.callIndex ??= [...this.calls].flatMap(([target, calls]) => calls.map((c) => ({ address: c.address, target }))).sort((a, b) => a.address - b.address);
    const index = this.callIndex;
    const found = lastAtOrBelow(index, address, (c) => c.address);
    // The frame's address is the return address - 1, so it lies 4 to 6 bytes into the call
    // that made it: a direct call is 5 bytes, a call through the GOT 6, a prefixed one 7. A
    // known call further back is another call (this one went through a pointer).
    const into = found >= 0 ? address - index[found].address : -1;
    return into >= 4 && into <= 6 ? index[found].target : null;
  }

  /** The functions of `bin` holding a call that makes a process, and Go's forkExec, which makes them itself. */
  spawners(bin: BinaryFile): Set<string> {
    if (!this.spawnerNames) {
      this.spawnerNames = new Set(GO_FUNCTIONS.clone);
      for (const target of [...PROCESS_MAKERS, ...GO_FUNCTIONS.clone]) {
        for (const c of this.calls.get(target) ?? []) {
          const fn = bin.functionAt(c.address);
          if (fn) this.spawnerNames.add(fn.name);
        }
      }
    }
    return this.spawnerNames;
  }

  /** Calls to this function of `bin`: by name, and through the GOT slots that hold its address. */
  callersOf(bin: BinaryFile, fn: FunctionSymbol): CallInstruction[] {
    const slots = bin.gotSlots()?.get(fn.start) ?? [];
    return [...(this.calls.get(normalizeTarget(fn.name)) ?? []), ...slots.flatMap((slot) => this.calls.get(gotTarget(slot)) ?? [])];
  }
}
