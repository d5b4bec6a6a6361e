// The binaries a trace names, opened once per path: what their files say (ELF headers,
// a script's `#!` line, symbols, relocated pointers) and why one cannot be read.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { readElf, readFunctionSymbols, readGotSlots, type ElfFile } from './elf';
import { interpreterLanguage, readHead, shebangLanguage, type Language } from './interpreted';

/** A function symbol: its name and where its code starts. */
export interface FunctionSymbol {
  name: string;
  start: number;
}

/** One binary by the path the trace gave: the facts of its file, its tables read on first use. */
export class BinaryFile {
  private symbolTable: Map<string, number> | null = null;
  /** Function symbols by start address, for functionAt. */
  private starts: Array<[string, number]> | null = null;
  private slots: Map<number, number[]> | null | undefined;
  private lang: Language | null | undefined;
  private compiledBy: 'go' | 'rust' | null | undefined;

  private constructor(
    /** The path as given (absolute). */
    readonly path: string,
    readonly real: string,
    /** Why it cannot be used, in words. */
    readonly problem: string | null,
    readonly elf: ElfFile | null,
    /** `#!` line of a script. */
    readonly shebang: string | null,
  ) {}

  /** Opens an absolute path; never throws (a file that cannot be read has a problem). */
  static open(abs: string): BinaryFile {
    let real = abs;
    try {
      real = realpathSync(abs);
      // Paths come from the trace or a log file, which may name anything: opening a FIFO
      // blocks forever and opening a device can act (a tape rewinds, a watchdog starts).
      // Only a regular file is read; objdump and addr2line are only ever given one.
      if (!statSync(real).isFile()) return new BinaryFile(abs, real, `${abs} is not a regular file, so its calls cannot be located.`, null, null);
      const elf = readElf(real);
      let shebang: string | null = null;
      if (!elf) {
        const head = readHead(real);
        if (head.startsWith('#!')) shebang = head.slice(2).split('\n')[0].trim();
      }
      return new BinaryFile(abs, real, null, elf, shebang);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const problem =
        code === 'ENOENT'
          ? `${abs} does not exist on this machine (any more), so its calls cannot be located.`
          : `${abs} cannot be read (${code ?? (err as Error).message}).`;
      return new BinaryFile(abs, real, problem, null, null);
    }
  }

  /** The interpreter's language, for a script or an interpreter's executable; null for compiled code. */
  language(): Language | null {
    if (this.lang === undefined) {
      if (this.shebang !== null) this.lang = shebangLanguage(this.shebang) ?? 'other';
      else this.lang = this.elf || this.problem ? interpreterLanguage(this.path) : null;
    }
    return this.lang;
  }

  /**
   * 'go' or 'rust' for a program built by that language, whose calls go through its runtime
   * or standard library; null for C, C++, a script or an interpreter (or a stripped Rust binary).
   */
  runtime(): 'go' | 'rust' | null {
    if (this.compiledBy === undefined) {
      if (!this.elf || this.language()) this.compiledBy = null;
      else if (this.elf.go) this.compiledBy = 'go';
      else this.compiledBy = this.symbols().has('rust_eh_personality') ? 'rust' : null;
    }
    return this.compiledBy;
  }

  /** The function symbols, read once; none when they cannot be read. */
  symbols(): Map<string, number> {
    if (!this.symbolTable) {
      try {
        this.symbolTable = this.elf ? readFunctionSymbols(this.real, this.elf) : new Map();
      } catch {
        this.symbolTable = new Map();
      }
    }
    return this.symbolTable;
  }

  /** The function symbol whose code holds this address (the nearest start at or below it). */
  functionAt(address: number): FunctionSymbol | null {
    if (!this.elf) return null;
    this.starts ??= [...this.symbols()].filter(([, a]) => a > 0).sort((x, y) => x[1] - y[1]);
    const starts = this.starts;
    const found = lastAtOrBelow(starts, address, (f) => f[1]);
    return found < 0 ? null : { name: starts[found][0], start: starts[found][1] };
  }

  /** The relocated addresses (GOT slots and data pointers) by the address they hold, read once; null when they cannot be read. */
  gotSlots(): Map<number, number[]> | null {
    if (this.slots === undefined) {
      try {
        this.slots = this.elf ? readGotSlots(this.real, this.elf) : new Map();
      } catch {
        this.slots = null;
      }
    }
    return this.slots;
  }
}

/** Every binary opened so far, by the path the trace gave. */
export class Binaries {
  private readonly byPath = new Map<string, BinaryFile>();

  /** `cwd`: where relative paths from the trace are resolved (the traced program's cwd). */
  constructor(private readonly cwd: string | undefined) {}

  get(path: string): BinaryFile {
    let bin = this.byPath.get(path);
    if (!bin) {
      bin = BinaryFile.open(isAbsolute(path) ? path : resolve(this.cwd ?? process.cwd(), path));
      this.byPath.set(path, bin);
    }
    return bin;
  }

  clear(): void {
    this.byPath.clear();
  }
}

/** The index of the last item (sorted by `at`) at or below `address`; -1 when none is. */
export function lastAtOrBelow<T>(sorted: readonly T[], address: number, at: (item: T) => number): number {
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
