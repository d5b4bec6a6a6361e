// GNU binutils for the static and precise paths: running objdump and addr2line, and
// reading what they print.
import { execFile, spawnSync } from 'node:child_process';
import { setPriority } from 'node:os';
import { performance } from 'node:perf_hooks';
import { normalizeTarget } from './libcCalls';

/** One run of a tool: its command line and what goes on its stdin. */
export interface ToolRun {
  cmd: string;
  args: string[];
  input?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number | null;
  error: string | null;
  ms: number;
}

/** Their output is parsed, so the C locale; objdump's, even filtered, can be large. */
function runOptions(timeout: number) {
  return { encoding: 'utf8' as const, timeout, maxBuffer: 512 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } };
}

export function runSync({ cmd, args, input }: ToolRun, timeout: number): RunResult {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { input, ...runOptions(timeout) });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status, error: r.error ? r.error.message : null, ms: performance.now() - t0 };
}

export function runAsync({ cmd, args, input }: ToolRun, timeout: number): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((done) => {
    const child = execFile(cmd, args, runOptions(timeout), (err, stdout, stderr) => {
      const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      const error = err && status === null ? err.message : null;
      done({ stdout: stdout ?? '', stderr: stderr ?? '', status, error, ms: performance.now() - t0 });
    });
    // Ahead of time, beside a trace: at the lowest priority the tools take only CPU the traced
    // program leaves idle (objdump and addr2line cost 0.2 s of CPU at the start of a trace,
    // on a 2-core machine where the program, strace and its clients want both cores). Its
    // children (a shell's objdump and grep) inherit it.
    try {
      if (child.pid !== undefined) setPriority(child.pid, LOWEST_PRIORITY);
    } catch {
      // gone already, or not allowed: it runs at the usual priority
    }
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** nice 19. */
const LOWEST_PRIORITY = 19;

/** Calls and tail calls to a whole function, plus what objdump calls the section; -B for the argument set-up. */
const OBJDUMP_FILTER = '^Disassembly of section |^forktrace-objdump-failed|(call|j[a-z]+)[^<]*<[^>+]*>$|call +\\*(%[a-z0-9]+|0x[0-9a-f]+\\(%rip\\) .*)$';

export function objdumpCommand(objdump: string, binary: string): ToolRun {
  // objdump's output for a big binary is tens of MB: grep keeps only the calls.
  const script = '{ "$1" -d --no-show-raw-insn -w "$2" || echo "forktrace-objdump-failed $?"; } | grep -E -B8 "$3"; s=$?; [ $s -le 1 ]';
  return { cmd: '/bin/sh', args: ['-c', script, 'sh', objdump, binary, OBJDUMP_FILTER] };
}

export interface CallInstruction {
  address: number;
  /** Normalized callee (`fork`, `waitpid`, …). */
  target: string;
  /** The constant loaded into the first argument register before the call, if one was seen. */
  firstArg: number | null;
  /** The same for the third (waitpid's options), on x86-64. */
  thirdArg?: number | null;
}

/** Parses filtered `objdump -d` output into calls to whole functions, by callee. */
export function parseObjdump(text: string, x86_64: boolean): Map<string, CallInstruction[]> {
  const calls = new Map<string, CallInstruction[]>();
  let section = '';
  let window: Array<{ mnemonic: string; operands: string }> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('Disassembly of section ')) {
      section = line.slice(23).replace(/:$/, '');
      window = [];
      continue;
    }
    if (line.startsWith('forktrace-objdump-failed')) throw new Error(`objdump exited with status ${line.split(' ')[1]}`);
    const m = /^\s*([0-9a-f]+):\s+(.*)$/.exec(line);
    if (!m) {
      window = []; // a function label or grep's "--": the set-up before it is not this call's
      continue;
    }
    const insn = /^(?:(?:bnd|notrack|rex\S*|data16|addr32|cs|ds)\s+)*(\S+)\s*(.*)$/.exec(m[2]);
    if (!insn) continue;
    const mnemonic = insn[1];
    const operands = insn[2];
    const isCall = /^call/.test(mnemonic);
    const isJump = /^j/.test(mnemonic);
    const viaGot = isCall && x86_64 && !/plt/.test(section) ? gotCallee(operands, window) : null;
    if (viaGot !== null) {
      // Through a GOT slot: objdump names a libc function's (`<fork@GLIBC_2.2.5>`); a PIE Rust
      // program's calls into its std show only an address, which the ELF relocations resolve.
      const target = typeof viaGot === 'string' ? normalizeTarget(viaGot) : gotTarget(viaGot);
      const list = calls.get(target) ?? [];
      list.push({ address: parseInt(m[1], 16), target, firstArg: argConstant(window, 'di'), thirdArg: argConstant(window, 'dx') });
      calls.set(target, list);
    } else if ((isCall || isJump) && !/plt/.test(section)) {
      const t = /<([^>+]+)>\s*$/.exec(operands);
      if (t && (isCall || !operands.startsWith('*') || operands.includes('#'))) {
        const target = normalizeTarget(t[1]);
        const list = calls.get(target) ?? [];
        list.push({
          address: parseInt(m[1], 16),
          target,
          firstArg: x86_64 ? argConstant(window, 'di') : null,
          thirdArg: x86_64 ? argConstant(window, 'dx') : null,
        });
        calls.set(target, list);
      }
    }
    window.push({ mnemonic, operands });
    if (window.length > 8) window.shift();
  }
  return calls;
}

/** The key under which parseObjdump files calls through the GOT slot at this address. */
export function gotTarget(slot: number): string {
  return `*got 0x${slot.toString(16)}`;
}

/**
 * x86-64 `call *0x…(%rip) # SLOT <SYMBOL>`, or `call *%reg` right after `mov 0x…(%rip),%reg
 * # SLOT <SYMBOL>`: the symbol when objdump names one whole, else the slot's address; after
 * `lea 0x…(%rip),%reg # ADDR <FUNCTION>`, that function.
 */
function gotCallee(operands: string, window: Array<{ mnemonic: string; operands: string }>): string | number | null {
  const named = (slot: string, symbol: string | undefined): string | number => (symbol !== undefined && !symbol.includes('+') ? symbol : parseInt(slot, 16));
  const direct = /^\*0x[0-9a-f]+\(%rip\)\s+#\s+([0-9a-f]+)(?: <([^>]+)>)?/.exec(operands);
  if (direct) return named(direct[1], direct[2]);
  const reg = /^\*(%[a-z0-9]+)\s*$/.exec(operands);
  if (!reg) return null;
  for (let i = window.length - 1; i >= 0; i--) {
    const { mnemonic, operands: ops } = window[i];
    const load = /^0x[0-9a-f]+\(%rip\),(%[a-z0-9]+)\s+#\s+([0-9a-f]+)(?: <([^>]+)>)?/.exec(ops);
    if (mnemonic.startsWith('mov') && load && load[1] === reg[1]) return named(load[2], load[3]);
    // `lea fn(%rip),%reg` then `call *%reg` (older rustc): a call to fn itself.
    if (mnemonic.startsWith('lea') && load && load[1] === reg[1]) return load[3] !== undefined && !load[3].includes('+') ? load[3] : null;
    // Anything else that writes the register (or a call or jump) breaks the pattern.
    if (/^(call|j|ret)/.test(mnemonic) || ops.endsWith(`,${reg[1]}`) || ops.includes(`,${reg[1]} `)) return null;
  }
  return null;
}

const ARG_REGISTERS = {
  /** First argument: %rdi, %edi, %di, %dil. */
  di: { writes: /,%(e|r)di$|,%dil?$/, zeroed: /^%(e|r)di,%(e|r)di$/, immediate: /^\$(0x[0-9a-f]+|\d+),%(e|r)di$/ },
  /** Third argument: %rdx, %edx, %dx, %dl. */
  dx: { writes: /,%(e|r)dx$|,%dx$|,%dl$/, zeroed: /^%(e|r)dx,%(e|r)dx$/, immediate: /^\$(0x[0-9a-f]+|\d+),%(e|r)dx$/ },
};

/** x86-64: the immediate last moved into an argument register before a call, if the set-up shows one. */
function argConstant(window: Array<{ mnemonic: string; operands: string }>, reg: keyof typeof ARG_REGISTERS): number | null {
  const { writes, zeroed, immediate } = ARG_REGISTERS[reg];
  for (let i = window.length - 1; i >= 0; i--) {
    const { mnemonic, operands } = window[i];
    if (/^(call|j|ret)/.test(mnemonic)) return null;
    const ops = operands.replace(/\s+#.*$/, '');
    if (!writes.test(ops) && !(mnemonic.startsWith('xor') && zeroed.test(ops))) continue;
    if (mnemonic.startsWith('xor')) return zeroed.test(ops) ? 0 : null;
    const imm = mnemonic.startsWith('mov') ? immediate.exec(ops) : null;
    return imm ? Number(imm[1]) : null;
  }
  return null;
}

export interface AddrFrame {
  fn: string | null;
  file: string | null;
  line: number | null;
}

/**
 * Parses `addr2line -a -f -i` output: per address, the inline chain, innermost first.
 * elfutils' eu-addr2line prints `file:line:column` and `fn inlined at … in caller`.
 */
export function parseAddr2line(text: string, elfutils = false): Map<number, AddrFrame[]> {
  const out = new Map<number, AddrFrame[]>();
  const lines = text.split('\n');
  let current: AddrFrame[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^0x[0-9a-f]+$/.test(line)) {
      current = [];
      out.set(parseInt(line, 16), current);
      continue;
    }
    if (!current || line === '') continue;
    const loc = lines[i + 1] ?? '';
    i++;
    const m = elfutils ? (/^(.*):(\d+|\?):\d+$/.exec(loc) ?? /^(.*):(\d+|\?)$/.exec(loc)) : /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(loc);
    const file = m && m[1] !== '??' && m[1] !== '' ? m[1] : null;
    const lineNo = m && m[2] !== '?' ? Number(m[2]) : null;
    const fn = elfutils ? line.replace(/ inlined at .*$/, '') : line;
    current.push({ fn: fn === '??' ? null : fn, file, line: lineNo && lineNo > 0 ? lineNo : null });
  }
  return out;
}

/** Addresses go on stdin: one run for any number of them, no argument-length limit. */
export function addr2lineCommand(addr2line: string, binary: string, addresses: number[]): ToolRun {
  return { cmd: addr2line, args: ['-a', '-f', '-i', '-C', '-e', binary], input: addresses.map((a) => `0x${a.toString(16)}\n`).join('') };
}

const HEADER_DIRS = ['/usr/include/', '/usr/lib/gcc/', '/usr/lib/llvm', '/usr/local/include/'];

/**
 * Source of a language's own library compiled into the program: Rust's std (`/rustc/HASH/`
 * in rustup's builds, /usr/src/rustc-VERSION/ in Debian's), crates from cargo's registry,
 * Go's standard packages under GOROOT/src (/usr/local/go, /usr/lib/go-1.19, ~/sdk/go1.22.0;
 * not a GOPATH's own src/github.com/…) and Go's module cache.
 */
const LIBRARY_SOURCE = new RegExp(
  [
    String.raw`^/rustc/[0-9a-f]+/`,
    String.raw`^/usr/src/rustc-`,
    String.raw`/\.rustup/toolchains/`,
    String.raw`/\.cargo/(registry|git)/`,
    String.raw`/go(lang)?[^/]*/src/(archive|bufio|bytes|cmp|compress|container|context|crypto|database|debug|embed|encoding|errors|expvar|flag|fmt|hash|html|image|index|internal|io|iter|log|maps|math|mime|net|os|path|plugin|reflect|regexp|runtime|slices|sort|strconv|strings|structs|sync|syscall|testing|text|time|unicode|unique|unsafe|vendor|weak)/`,
    String.raw`/pkg/mod/`,
  ].join('|'),
);

/** True for a source file that is not the user's to change: a system header or a language's library. */
export function isLibrarySource(file: string): boolean {
  return HEADER_DIRS.some((d) => file.startsWith(d)) || LIBRARY_SOURCE.test(file);
}

/**
 * Of an inline chain (innermost first), the innermost entry in the user's own source:
 * the line that literally contains the call, which is where a breakpoint stops on it.
 * Entries in system headers (the _FORTIFY_SOURCE wrapper of read() in
 * /usr/include/…/bits/unistd.h) are skipped for their caller; a helper inlined into two
 * places yields the helper's line for both, so they count as one site.
 */
export function chooseEntry(chain: AddrFrame[]): AddrFrame | null {
  const known = chain.filter((c) => c.file && c.line !== null);
  return known.find((c) => !isLibrarySource(c.file as string)) ?? known[known.length - 1] ?? chain[0] ?? null;
}
