// The precise path: a call with `-k` frames. The innermost frame in the program's own
// binaries is the return address of its call into libc; addr2line on that address - 1
// names the line of the call. Exact, whatever the disassembly would say.
import { basename } from 'node:path';
import type { Located } from '../core/diagnostics';
import type { SourceLocation } from '../shared/schema';
import { MISSING_BINUTILS, noDebugNote } from './answer';
import type { Binaries, BinaryFile } from './binaries';
import { isLibrarySource, runSync } from './binutils';
import type { BinutilsCache } from './binutilsCache';
import type { ElfFile } from './elf';
import { isSystemObject, parseStackFrame, type StackFrame } from './stackFrames';

export type Unwinder = 'libunwind' | 'libdw';

/** A `-k` frame in the program's own code, with the address to give addr2line. */
export interface ProgramFrame {
  bin: BinaryFile;
  frame: StackFrame;
  address: number;
  /** The binary was rebuilt since the trace: the frame no longer matches it. */
  stale: boolean;
}

export class PrecisePath {
  private unwinder: Unwinder | null = null;

  constructor(
    private readonly binaries: Binaries,
    private readonly binutils: BinutilsCache,
    /** How strace printed the bracketed value; unset: read `strace -V` when it matters. */
    private readonly configuredUnwinder: Unwinder | undefined,
  ) {}

  /** The line of the call this stack was taken at; null when no frame is in the program's own code. */
  locate(stack: string[]): Located | null {
    const frames = this.programFrames(stack);
    const pick = frames[0];
    if (!pick) return null;
    const { bin, frame, address, stale } = pick;
    if (bin.language()) return null;
    if (stale) {
      return {
        location: null,
        note: `${basename(bin.path)} was rebuilt after this trace was recorded: the recorded stack (${frame.symbol}+0x${(frame.symbolOffset ?? 0).toString(16)}) no longer matches its symbols. Trace it again to see the line.`,
      };
    }
    // strace -kk's own source position: used when addr2line cannot answer.
    const orStrace = (note: string): Located =>
      frame.source
        ? { location: { file: this.binutils.sourcePath(frame.source.file, bin), line: frame.source.line, function: frame.symbol }, note: null }
        : { location: null, note };
    if (bin.problem) return orStrace(`${bin.problem}${frame.symbol ? ` (The call was made in ${frame.symbol}.)` : ''}`);
    const addr2line = this.binutils.paths().addr2line;
    if (!addr2line) return orStrace(MISSING_BINUTILS);
    const resolved = this.binutils.resolveSync(bin, [address], addr2line).get(address);
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
    return orStrace(noDebugNote(bin, resolved?.fn ?? (bin.elf?.hasSymtab ? frame.symbol : null)));
  }

  /** The frames in the program's own binaries, innermost first, with the addresses to give addr2line. */
  programFrames(stack: string[]): ProgramFrame[] {
    const out: ProgramFrame[] = [];
    for (const text of stack) {
      const frame = parseStackFrame(text);
      if (!frame || isSystemObject(frame.binary)) continue;
      const bin = this.binaries.get(frame.binary);
      out.push({ bin, frame, ...(bin.elf ? this.frameAddress(bin, frame) : { address: frame.value, stale: false }) });
    }
    return out;
  }

  /** The function called by the call instruction that holds this address (a `-k` return address - 1), from the disassembly. */
  private callTargetAt(bin: BinaryFile, address: number, addr2line: string): string | null {
    const objdump = this.binutils.paths().objdump;
    if (!this.binutils.analysisOf(bin) && objdump) this.binutils.analyzeSync(bin, objdump, addr2line);
    const analysis = this.binutils.analysisOf(bin);
    return !analysis || 'error' in analysis ? null : analysis.callTargetAt(address);
  }

  /** The innermost of these frames whose line is in the user's own source (one addr2line run per binary). */
  private outerOwnLine(frames: ProgramFrame[], addr2line: string): SourceLocation | null {
    const usable = frames.filter((f) => !f.stale && !f.bin.problem && f.bin.elf);
    const byBinary = new Map<BinaryFile, number[]>();
    for (const f of usable) byBinary.set(f.bin, [...(byBinary.get(f.bin) ?? []), f.address]);
    for (const [bin, addresses] of byBinary) this.binutils.resolveSync(bin, addresses, addr2line);
    for (const f of usable) {
      const location = this.binutils.resolved(f.bin, f.address)?.location;
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
  private frameAddress(bin: BinaryFile, frame: StackFrame): { address: number; stale: boolean } {
    const elf = bin.elf as ElfFile;
    const v = frame.value;
    const inVaddr = elf.loads.find((l) => l.exec && v >= l.vaddr && v < l.vaddr + l.memsz);
    const inOffset = elf.loads.find((l) => l.exec && v >= l.offset && v < l.offset + l.filesz);
    const fromOffset = inOffset ? v - inOffset.offset + inOffset.vaddr : v;
    if (frame.symbol && frame.symbolOffset !== null) {
      const start = bin.symbols().get(frame.symbol);
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

  private straceUnwinder(): Unwinder {
    if (this.configuredUnwinder) return this.configuredUnwinder;
    if (this.unwinder === null) {
      const r = runSync({ cmd: 'strace', args: ['-V'] }, 5000);
      this.unwinder = /stack-trace=libdw/.test(r.stdout + r.stderr) ? 'libdw' : 'libunwind';
    }
    return this.unwinder;
  }
}
