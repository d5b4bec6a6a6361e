// Source lines for traced calls: which line of the program made this fork, this
// waitpid, this sigaction. Two ways, chosen per event:
//
// - Precise (the event carries `-k` frames): the innermost frame in the program's own
//   binaries (not libc, ld.so, or anything under a system library directory) is the
//   return address of the call into libc; addr2line on (that address - 1) names the
//   line of the call. Exact.
// - Static (no frames, the default fast mode): `objdump -d` of the executable, once,
//   lists every call to the libc functions that can make that syscall (fork@plt,
//   waitpid@plt, sigaction@plt, …); one addr2line run per binary maps them to lines.
//   One distinct line is a fact; several are candidates, never a guess.
//
// Everything here is synchronous for the SiteLocator contract, cached per binary and
// per address, and never throws: every failure becomes a note the user can act on.
import { execFile, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, normalize, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { splitArgs } from '../core/args';
import type { Located, SiteLocator, SiteRole } from '../core/diagnostics';
import type { SyscallEvent } from '../core/events';
import type { CallSite } from '../core/model';
import type { SourceLocation } from '../core/snapshot';
import { which } from './strace';

// --- public types ------------------------------------------------------------------

export type Language = 'python' | 'javascript' | 'shell' | 'perl' | 'ruby' | 'php' | 'other';

/** A line that may be the one, shown as a candidate and never as a fact. */
export interface CandidateLocation extends SourceLocation {
  certainty: 'candidate';
  /** Found by disassembling the binary, or by searching the workspace's text. */
  source: 'disassembly' | 'workspace-search';
  /** The matching source text (workspace search only). */
  text?: string;
}

export interface SiteResolverOptions {
  /** Where relative executable paths from the trace are resolved (the traced program's cwd). */
  cwd?: string;
  /** The workspace: searched for candidates of interpreted programs, and a base for relative source paths. */
  workspaceRoot?: string;
  /** The program, for call sites whose executable the trace does not show. */
  program?: string;
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
  /** Wall time spent inside locate() and prepare(), tools included. */
  ms: number;
}

export interface StackFrame {
  /** The object the frame is in, as strace printed it (absolute for mapped files). */
  binary: string;
  symbol: string | null;
  /** Offset from `symbol`. */
  symbolOffset: number | null;
  /** The bracketed value: file offset (libunwind) or link-time address (libdw). */
  value: number;
  /** `-kk` (strace >= 6.7 with libdw) appends the source position. */
  source: { file: string; line: number } | null;
}

// --- small pure helpers (exported for tests and other views) --------------------------

/** Parses one `-k` frame: `/bin/server(main+0x92) [0x126b]` (a leading ` > ` is allowed). */
export function parseStackFrame(text: string): StackFrame | null {
  const m = /^(?: > )?([^\s(][^(]*?)\((.*)\) \[0x([0-9a-fA-F]+)\](?: (.+):(\d+))?\s*$/.exec(text);
  if (!m) return null;
  const inner = m[2];
  const so = /^(.*)\+0x([0-9a-fA-F]+)$/.exec(inner);
  return {
    binary: m[1],
    symbol: so ? so[1] : inner || null,
    symbolOffset: so ? parseInt(so[2], 16) : null,
    value: parseInt(m[3], 16),
    source: m[4] !== undefined ? { file: m[4], line: Number(m[5]) } : null,
  };
}

const SYSTEM_LIB_DIRS = ['/lib/', '/lib32/', '/lib64/', '/libx32/', '/usr/lib/', '/usr/lib32/', '/usr/lib64/', '/usr/libx32/', '/usr/local/lib/', '/usr/local/lib64/'];
const RUNTIME_OBJECT = /^(ld-linux.*|ld64\.so.*|ld-musl.*|ld\.so.*|libc\.so.*|libc-[\d.]+\.so|libc\.musl.*|libpthread[.-].*|libdl[.-].*|librt[.-].*|libm[.-].*|libgcc_s.*|libstdc\+\+.*|libc\+\+.*|libc\+\+abi.*|libunwind.*|libasan.*|libtsan.*|liblsan.*|libubsan.*|libhwasan.*|libresolv[.-].*|libnss_.*|libutil[.-].*)$/;

/** True for libc, ld.so and anything else that is not the program's own code. */
export function isSystemObject(path: string): boolean {
  if (!path.startsWith('/')) return true; // [vdso], errors, "BUG IN …"
  if (SYSTEM_LIB_DIRS.some((d) => path.startsWith(d))) return true;
  return RUNTIME_OBJECT.test(basename(path));
}

const INTERPRETERS: Array<[RegExp, Language]> = [
  [/^(python|pypy)(\d+(\.\d+)*)?(-dbg|d|m|u)?$/, 'python'],
  [/^(node|nodejs|deno|bun)(\d+)?$/, 'javascript'],
  [/^(sh|bash|dash|zsh|ksh|ksh93|mksh|ash|yash|busybox|fish)$/, 'shell'],
  [/^perl(\d+(\.\d+)*)?$/, 'perl'],
  [/^ruby(\d+(\.\d+)*)?$/, 'ruby'],
  [/^php(\d+(\.\d+)*)?(-cgi|-fpm)?$/, 'php'],
  [/^(lua|luajit)(\d+(\.\d+)*)?$|^(java|tclsh.*|wish.*|Rscript|R|guile.*|gawk|mawk|awk|erl|beam\.smp|escript|elixir)$/, 'other'],
];

/** The language an interpreter executable runs (`/usr/bin/python3.11` → python), else null. */
export function interpreterLanguage(executable: string): Language | null {
  const names = [basename(executable)];
  try {
    names.push(basename(realpathSync(executable)));
  } catch {
    // not on this machine: the name alone decides
  }
  for (const name of names) for (const [re, lang] of INTERPRETERS) if (re.test(name)) return lang;
  return null;
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

const FORK_FAMILY = ['fork', '_Fork', 'daemon', 'forkpty', 'clone'];
const SPAWN_FAMILY = ['posix_spawn', 'posix_spawnp', 'system', 'popen', 'pidfd_spawn', 'pidfd_spawnp', 'clone'];
const WAIT_FAMILY = ['wait', 'waitpid', 'wait3', 'wait4', 'system', 'pclose'];
const SIGACTION_FAMILY = ['sigaction', 'signal', 'sigset', 'bsd_signal', 'sysv_signal'];
/** Syscall → the libc functions that make it when they block (for interrupted calls). */
const SLOW_CALLS: Record<string, string[]> = {
  accept: ['accept'],
  accept4: ['accept4', 'accept'],
  read: ['read'],
  readv: ['readv'],
  write: ['write'],
  writev: ['writev'],
  pread64: ['pread', 'pread64'],
  pwrite64: ['pwrite', 'pwrite64'],
  recvfrom: ['recv', 'recvfrom'],
  recvmsg: ['recvmsg'],
  recvmmsg: ['recvmmsg'],
  sendto: ['send', 'sendto'],
  sendmsg: ['sendmsg'],
  connect: ['connect'],
  select: ['select'],
  pselect6: ['pselect', 'select'],
  poll: ['poll'],
  ppoll: ['ppoll', 'poll'],
  epoll_wait: ['epoll_wait'],
  epoll_pwait: ['epoll_pwait', 'epoll_wait'],
  epoll_pwait2: ['epoll_pwait2', 'epoll_pwait', 'epoll_wait'],
  nanosleep: ['nanosleep', 'sleep', 'usleep'],
  clock_nanosleep: ['clock_nanosleep', 'nanosleep', 'sleep', 'usleep'],
  pause: ['pause'],
  rt_sigsuspend: ['sigsuspend', 'pause'],
  rt_sigtimedwait: ['sigwait', 'sigwaitinfo', 'sigtimedwait'],
  wait4: WAIT_FAMILY,
  waitid: ['waitid'],
  openat: ['open', 'open64', 'openat', 'fopen', 'fopen64'],
  open: ['open', 'open64', 'fopen'],
  flock: ['flock'],
  fcntl: ['fcntl', 'fcntl64', 'lockf'],
  msgrcv: ['msgrcv'],
  msgsnd: ['msgsnd'],
  semop: ['semop'],
  semtimedop: ['semtimedop', 'semop'],
  mq_timedreceive: ['mq_receive', 'mq_timedreceive'],
  mq_timedsend: ['mq_send', 'mq_timedsend'],
  futex: ['pthread_join', 'pthread_cond_wait', 'pthread_cond_timedwait', 'sem_wait', 'sem_timedwait', 'pthread_mutex_lock'],
};

let glibcVersion: number | null | undefined;
/** The C library of this machine (major*1000+minor), or null for non-glibc. */
function glibc(): number | null {
  if (glibcVersion === undefined) {
    glibcVersion = null;
    try {
      const report = process.report?.getReport() as unknown as { header?: { glibcVersionRuntime?: string } } | undefined;
      const m = /^(\d+)\.(\d+)/.exec(report?.header?.glibcVersionRuntime ?? '');
      if (m) glibcVersion = Number(m[1]) * 1000 + Number(m[2]);
    } catch {
      // unknown: treated as a modern libc
    }
  }
  return glibcVersion;
}

/**
 * The libc functions whose call can make this traced syscall, for the static path.
 * clone flags split fork() (no CLONE_VM) from posix_spawn/system/popen (CLONE_VM|CLONE_VFORK
 * in glibc >= 2.29 and musl); a wait4 can also come from system() or pclose().
 */
export function libcFunctionsFor(event: Pick<SyscallEvent, 'name' | 'args'>, role: SiteRole): string[] {
  const name = event.name;
  const old = glibc();
  const x86 = process.arch === 'x64' || process.arch === 'ia32';
  const oldSystem = old !== null && old < 2029; // system/popen forked before glibc 2.29
  if (role === 'fork' || name === 'clone' || name === 'clone3' || name === 'fork' || name === 'vfork') {
    if (name === 'vfork') return old !== null && old < 2024 ? ['vfork', 'posix_spawn', 'posix_spawnp'] : ['vfork'];
    if (name === 'fork') return oldSystem ? [...FORK_FAMILY, 'system', 'popen'] : FORK_FAMILY;
    // clone(…, flags=A|B, …) and clone3({flags=A|B, exit_signal=…}, …)
    const flagsText = /\bflags=([\w|]+)/.exec(event.args)?.[1] ?? null;
    const flags = new Set(flagsText ? flagsText.split('|') : []);
    const vforkLike = x86 ? [] : ['vfork']; // vfork is clone(CLONE_VM|CLONE_VFORK) where there is no vfork syscall
    if (flagsText === null) return unique([...FORK_FAMILY, ...SPAWN_FAMILY, ...vforkLike]);
    if (flags.has('CLONE_VM') && flags.has('CLONE_VFORK')) return unique([...SPAWN_FAMILY, ...vforkLike]);
    return oldSystem ? [...FORK_FAMILY, 'system', 'popen'] : FORK_FAMILY;
  }
  if (name === 'wait4' || name === 'waitpid') return WAIT_FAMILY;
  if (name === 'waitid') return ['waitid'];
  if (name === 'rt_sigaction' || name === 'sigaction' || name === 'signal') return SIGACTION_FAMILY;
  return SLOW_CALLS[name] ?? [name];
}

/** Every function name the static analysis resolves up front. */
const KNOWN_TARGETS = new Set<string>([
  ...FORK_FAMILY, ...SPAWN_FAMILY, 'vfork', ...WAIT_FAMILY, 'waitid', ...SIGACTION_FAMILY,
  ...Object.values(SLOW_CALLS).flat(),
]);

/** `fork@plt`, `__libc_fork`, `fork@GLIBC_2.2.5`, `__read_chk` → the public name. */
export function normalizeTarget(raw: string): string {
  let name = raw.replace(/@plt$/, '').replace(/@.*$/, '');
  const chk = /^__(\w+)_chk$/.exec(name);
  if (chk) name = chk[1];
  const libc = /^__libc_(\w+)$/.exec(name);
  if (libc) name = libc[1];
  else if (/^__\w+$/.test(name) && KNOWN_TARGETS.has(name.slice(2))) name = name.slice(2);
  if (name === '_IO_popen') name = 'popen';
  if (name === '__sysv_signal') name = 'sysv_signal';
  return name;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

// --- ELF ---------------------------------------------------------------------------

interface ElfSegment {
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  exec: boolean;
}

interface ElfSection {
  name: string;
  type: number;
  flags: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ElfFile {
  type: 'exec' | 'dyn' | 'other';
  machine: number;
  is64: boolean;
  little: boolean;
  /** Has PT_INTERP: linked dynamically. */
  dynamic: boolean;
  loads: ElfSegment[];
  sections: ElfSection[];
  hasSymtab: boolean;
  hasDebugInfo: boolean;
  textBytes: number;
}

const EM_X86_64 = 62;

/** Reads the headers of an ELF file; null when it is not ELF. Throws on I/O errors. */
export function readElf(path: string): ElfFile | null {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const read = (offset: number, length: number): Buffer => {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      if (buf.length > 0) readSync(fd, buf, 0, buf.length, offset);
      return buf;
    };
    const h = read(0, 64);
    if (h.length < 52 || h.readUInt32BE(0) !== 0x7f454c46) return null;
    const is64 = h[4] === 2;
    const little = h[5] === 1;
    const u16 = (b: Buffer, o: number): number => (little ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const addr = (b: Buffer, o: number): number => (is64 ? Number(little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
    const etype = u16(h, 16);
    const machine = u16(h, 18);
    const phoff = addr(h, is64 ? 32 : 28);
    const shoff = addr(h, is64 ? 40 : 32);
    const phentsize = u16(h, is64 ? 54 : 42);
    const phnum = u16(h, is64 ? 56 : 44);
    const shentsize = u16(h, is64 ? 58 : 46);
    const shnum = u16(h, is64 ? 60 : 48);
    const shstrndx = u16(h, is64 ? 62 : 50);
    const loads: ElfSegment[] = [];
    let dynamic = false;
    const ph = read(phoff, phentsize * phnum);
    for (let i = 0; i < phnum && (i + 1) * phentsize <= ph.length; i++) {
      const o = i * phentsize;
      const type = u32(ph, o);
      if (type === 3) dynamic = true; // PT_INTERP
      if (type !== 1) continue; // PT_LOAD
      const flags = is64 ? u32(ph, o + 4) : u32(ph, o + 24);
      loads.push({
        offset: addr(ph, o + (is64 ? 8 : 4)),
        vaddr: addr(ph, o + (is64 ? 16 : 8)),
        filesz: addr(ph, o + (is64 ? 32 : 16)),
        memsz: addr(ph, o + (is64 ? 40 : 20)),
        exec: (flags & 1) !== 0,
      });
    }
    const sections: ElfSection[] = [];
    const sh = shoff > 0 ? read(shoff, shentsize * shnum) : Buffer.alloc(0);
    const raw: Array<Omit<ElfSection, 'name'> & { nameOff: number }> = [];
    for (let i = 0; i < shnum && (i + 1) * shentsize <= sh.length; i++) {
      const o = i * shentsize;
      raw.push({
        nameOff: u32(sh, o),
        type: u32(sh, o + 4),
        flags: is64 ? Number(little ? sh.readBigUInt64LE(o + 8) : sh.readBigUInt64BE(o + 8)) : u32(sh, o + 8),
        offset: addr(sh, o + (is64 ? 24 : 16)),
        size: addr(sh, o + (is64 ? 32 : 20)),
        link: u32(sh, o + (is64 ? 40 : 24)),
        entsize: addr(sh, o + (is64 ? 56 : 36)),
      });
    }
    const strtab = raw[shstrndx] ? read(raw[shstrndx].offset, raw[shstrndx].size) : Buffer.alloc(0);
    for (const s of raw) {
      const end = strtab.indexOf(0, s.nameOff);
      const name = s.nameOff < strtab.length ? strtab.toString('latin1', s.nameOff, end < 0 ? strtab.length : end) : '';
      sections.push({ name, type: s.type, flags: s.flags, offset: s.offset, size: s.size, link: s.link, entsize: s.entsize });
    }
    const has = (n: string): boolean => sections.some((s) => s.name === n);
    return {
      type: etype === 2 ? 'exec' : etype === 3 ? 'dyn' : 'other',
      machine,
      is64,
      little,
      dynamic,
      loads,
      sections,
      hasSymtab: has('.symtab'),
      hasDebugInfo: has('.debug_info') || has('.debug_line') || has('.zdebug_info'),
      textBytes: sections.filter((s) => (s.flags & 4) !== 0 && s.type !== 8).reduce((a, s) => a + s.size, 0), // SHF_EXECINSTR, not NOBITS
    };
  } finally {
    closeSync(fd);
  }
}

/** Defined function symbols (.symtab, else .dynsym) by name; -1 marks a name defined twice. */
function readFunctionSymbols(path: string, elf: ElfFile): Map<string, number> {
  const out = new Map<string, number>();
  const table = elf.sections.find((s) => s.name === '.symtab') ?? elf.sections.find((s) => s.name === '.dynsym');
  if (!table || table.link >= elf.sections.length) return out;
  const strs = elf.sections[table.link];
  const buf = readFileSync(path);
  const { little, is64 } = elf;
  const u16 = (o: number): number => (little ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const entsize = table.entsize || (is64 ? 24 : 16);
  for (let o = table.offset; o + entsize <= table.offset + table.size && o + entsize <= buf.length; o += entsize) {
    const nameOff = u32(o);
    const info = is64 ? buf[o + 4] : buf[o + 12];
    const shndx = is64 ? u16(o + 6) : u16(o + 14);
    const value = is64 ? Number(little ? buf.readBigUInt64LE(o + 8) : buf.readBigUInt64BE(o + 8)) : u32(o + 4);
    if ((info & 0xf) !== 2 || shndx === 0) continue; // STT_FUNC, defined
    const start = strs.offset + nameOff;
    const end = buf.indexOf(0, start);
    const name = buf.toString('latin1', start, end < 0 ? start : end);
    if (!name) continue;
    const known = out.get(name);
    out.set(name, known === undefined || known === value ? value : -1);
  }
  return out;
}

// --- tools -------------------------------------------------------------------------

interface RunResult {
  stdout: string;
  stderr: string;
  status: number | null;
  error: string | null;
  ms: number;
}

function runSync(cmd: string, args: string[], input: string | undefined, timeout: number): RunResult {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    input,
    encoding: 'utf8',
    timeout,
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, LC_ALL: 'C' },
  });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status, error: r.error ? r.error.message : null, ms: performance.now() - t0 };
}

function runAsync(cmd: string, args: string[], input: string | undefined, timeout: number): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((done) => {
    const child = execFile(cmd, args, { encoding: 'utf8', timeout, maxBuffer: 512 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      const error = err && status === null ? err.message : null;
      done({ stdout: stdout ?? '', stderr: stderr ?? '', status, error, ms: performance.now() - t0 });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** Calls and tail calls to a whole function, plus what objdump calls the section; -B for the argument set-up. */
const OBJDUMP_FILTER = '^Disassembly of section |^forktrace-objdump-failed|(call|j[a-z]+)[^<]*<[^>+]*>$';

function objdumpCommand(objdump: string, binary: string): { cmd: string; args: string[] } {
  // objdump's output for a big binary is tens of MB: grep keeps only the calls.
  const script = '{ "$1" -d --no-show-raw-insn -w "$2" || echo "forktrace-objdump-failed $?"; } | grep -E -B8 "$3"; s=$?; [ $s -le 1 ]';
  return { cmd: '/bin/sh', args: ['-c', script, 'sh', objdump, binary, OBJDUMP_FILTER] };
}

interface CallInstruction {
  address: number;
  /** Normalized callee (`fork`, `waitpid`, …). */
  target: string;
  /** The constant loaded into the first argument register before the call, if one was seen. */
  firstArg: number | null;
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
    if ((isCall || isJump) && !/plt/.test(section)) {
      const t = /<([^>+]+)>\s*$/.exec(operands);
      if (t && (isCall || !operands.startsWith('*') || operands.includes('#'))) {
        const target = normalizeTarget(t[1]);
        const list = calls.get(target) ?? [];
        list.push({ address: parseInt(m[1], 16), target, firstArg: x86_64 ? firstArgConstant(window) : null });
        calls.set(target, list);
      }
    }
    window.push({ mnemonic, operands });
    if (window.length > 8) window.shift();
  }
  return calls;
}

/** x86-64: the immediate last moved into %edi/%rdi before a call, if the set-up shows one. */
function firstArgConstant(window: Array<{ mnemonic: string; operands: string }>): number | null {
  for (let i = window.length - 1; i >= 0; i--) {
    const { mnemonic, operands } = window[i];
    if (/^(call|j|ret)/.test(mnemonic)) return null;
    const ops = operands.replace(/\s+#.*$/, '');
    if (!/,%(e|r)di$|,%dil?$/.test(ops) && !(mnemonic.startsWith('xor') && /^%(e|r)di,%(e|r)di$/.test(ops))) continue;
    if (mnemonic.startsWith('xor')) return /^%(e|r)di,%(e|r)di$/.test(ops) ? 0 : null;
    const imm = mnemonic.startsWith('mov') ? /^\$(0x[0-9a-f]+|\d+),%(e|r)di$/.exec(ops) : null;
    return imm ? Number(imm[1]) : null;
  }
  return null;
}

interface AddrFrame {
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
    const m = elfutils ? /^(.*):(\d+|\?):\d+$/.exec(loc) ?? /^(.*):(\d+|\?)$/.exec(loc) : /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(loc);
    const file = m && m[1] !== '??' && m[1] !== '' ? m[1] : null;
    const lineNo = m && m[2] !== '?' ? Number(m[2]) : null;
    const fn = elfutils ? line.replace(/ inlined at .*$/, '') : line;
    current.push({ fn: fn === '??' ? null : fn, file, line: lineNo && lineNo > 0 ? lineNo : null });
  }
  return out;
}

// --- the resolver ------------------------------------------------------------------

interface ResolvedAddress {
  /** The inline chain, innermost first. */
  chain: AddrFrame[];
  /** The line to show: innermost entry in the user's own source (see chooseEntry). */
  location: SourceLocation | null;
  /** A function name, even without debug info. */
  fn: string | null;
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
  /** The interpreter's language, once known (null: compiled code). */
  language?: Language | null;
}

const HEADER_DIRS = ['/usr/include/', '/usr/lib/gcc/', '/usr/lib/llvm', '/usr/local/include/'];

export class SiteResolver {
  readonly stats: SiteResolverStats = {
    lookups: 0, cacheHits: 0, objdumpRuns: 0, objdumpMs: 0, addr2lineRuns: 0, addr2lineAddresses: 0, addr2lineMs: 0, ms: 0,
  };
  private readonly binaries = new Map<string, Binary>();
  private results = new WeakMap<SyscallEvent, Map<SiteRole, { located: Located; candidates: CandidateLocation[] }>>();
  private readonly staticResults = new Map<string, { located: Located; candidates: CandidateLocation[] }>();
  private readonly sourcePaths = new Map<string, string>();
  private readonly workspaceCache = new Map<string, CandidateLocation[]>();
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
        if (typeof item !== 'string' && item.event.stack) {
          const pick = this.userFrame(item.event.stack);
          if (pick && !pick.bin.problem && pick.bin.elf) {
            const set = frames.get(pick.bin) ?? new Set<number>();
            set.add(pick.address);
            frames.set(pick.bin, set);
          }
        }
      }
      const jobs: Array<Promise<void>> = [];
      for (const exe of executables) {
        const bin = this.binary(exe);
        if (!bin.problem && bin.elf && !bin.analysis && tools.objdump && !this.interpreted(bin)) jobs.push(this.analyzeAsync(bin, tools.objdump));
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
    this.binaries.clear();
    this.staticResults.clear();
    this.sourcePaths.clear();
    this.workspaceCache.clear();
  }

  // --- the two paths -----------------------------------------------------------------

  private lookup(site: CallSite, role: SiteRole): { located: Located; candidates: CandidateLocation[] } {
    const t0 = performance.now();
    this.stats.lookups++;
    if (!site || typeof site.event !== 'object' || site.event === null) {
      return { located: { location: null, note: 'The call was not in the trace.' }, candidates: [] };
    }
    let perEvent = this.results.get(site.event);
    const known = perEvent?.get(role);
    if (known) {
      this.stats.cacheHits++;
      this.stats.ms += performance.now() - t0;
      return known;
    }
    let result: { located: Located; candidates: CandidateLocation[] };
    try {
      result = this.compute(site, role);
    } catch (err) {
      result = { located: { location: null, note: `The source line could not be worked out: ${(err as Error).message}` }, candidates: [] };
    }
    if (!perEvent) this.results.set(site.event, (perEvent = new Map()));
    perEvent.set(role, result);
    this.stats.ms += performance.now() - t0;
    return result;
  }

  private compute(site: CallSite, role: SiteRole): { located: Located; candidates: CandidateLocation[] } {
    const exePath = site.executable ?? this.options.program ?? null;
    const exe = exePath ? this.binary(exePath) : null;
    if (exe) {
      const lang = this.interpreted(exe);
      if (lang) return this.interpretedResult(exe, lang, site, role);
    }
    const tools = this.toolPaths();
    if (site.event.stack && site.event.stack.length > 0) {
      const precise = this.precise(site.event.stack, tools.addr2line);
      if (precise) return { located: precise, candidates: [] };
    }
    if (!exePath || !exe) {
      return none('The trace does not show which program made this call (it was running before the trace began), so its source line is unknown. Start the program under Fork Trace, or trace in precise mode (-k, "stackMode": "precise").');
    }
    if (exe.problem) return none(exe.problem);
    if (!exe.elf) return none(`${exe.path} is not an ELF executable, so its calls cannot be located.`);
    return this.staticLocate(exe, site.event, role, tools);
  }

  /** The `-k` path; null when no frame is in the program's own code. */
  private precise(stack: string[], addr2line: string | null): Located | null {
    const pick = this.userFrame(stack);
    if (!pick) return null;
    const { bin, frame, address, stale } = pick;
    if (this.interpreted(bin)) return null;
    if (stale) {
      return { location: null, note: `${basename(bin.path)} was rebuilt after this trace was recorded: the recorded stack (${frame.symbol}+0x${(frame.symbolOffset ?? 0).toString(16)}) no longer matches its symbols. Trace it again to see the line.` };
    }
    if (bin.problem) {
      if (frame.source) return { location: { file: this.sourcePath(frame.source.file, bin), line: frame.source.line, function: frame.symbol }, note: null };
      return { location: null, note: `${bin.problem}${frame.symbol ? ` (The call was made in ${frame.symbol}.)` : ''}` };
    }
    if (!addr2line) {
      if (frame.source) return { location: { file: this.sourcePath(frame.source.file, bin), line: frame.source.line, function: frame.symbol }, note: null };
      return { location: null, note: MISSING_BINUTILS };
    }
    const resolved = this.resolveSync(bin, [address], addr2line).get(address);
    if (resolved?.location) return { location: resolved.location, note: null };
    if (frame.source) return { location: { file: this.sourcePath(frame.source.file, bin), line: frame.source.line, function: frame.symbol }, note: null };
    return { location: null, note: this.noDebugNote(bin, resolved?.fn ?? (bin.elf?.hasSymtab ? frame.symbol : null)) };
  }

  /** The innermost frame in the program's own binaries, and the address to give addr2line. */
  private userFrame(stack: string[]): { bin: Binary; frame: StackFrame; address: number; stale: boolean } | null {
    for (const text of stack) {
      const frame = parseStackFrame(text);
      if (!frame || isSystemObject(frame.binary)) continue;
      const bin = this.binary(frame.binary);
      return { bin, frame, ...(bin.elf ? this.frameAddress(bin, frame) : { address: frame.value, stale: false }) };
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
      if (!bin.symbols) {
        try {
          bin.symbols = readFunctionSymbols(bin.real, elf);
        } catch {
          bin.symbols = new Map();
        }
      }
      const start = bin.symbols.get(frame.symbol);
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
      const r = runSync('strace', ['-V'], undefined, 5000);
      this.unwinder = /stack-trace=libdw/.test(r.stdout + r.stderr) ? 'libdw' : 'libunwind';
    }
    return this.unwinder;
  }

  private staticLocate(exe: Binary, event: SyscallEvent, role: SiteRole, tools: { objdump: string | null; addr2line: string | null }): { located: Located; candidates: CandidateLocation[] } {
    const functions = libcFunctionsFor(event, role);
    const signal = role === 'sigaction' || event.name === 'rt_sigaction' ? signalNumber(event) : null;
    const key = `${exe.real}\0${role}\0${functions.join(',')}\0${signal}`;
    const cached = this.staticResults.get(key);
    if (cached) return cached;
    const result = this.staticCompute(exe, event, functions, signal, tools);
    this.staticResults.set(key, result);
    return result;
  }

  private staticCompute(exe: Binary, event: SyscallEvent, functions: string[], signal: number | null, tools: { objdump: string | null; addr2line: string | null }): { located: Located; candidates: CandidateLocation[] } {
    const what = describeFunctions(functions);
    const precise = 'trace in precise mode (-k, "stackMode": "precise") to pin down each call';
    if (!tools.objdump || !tools.addr2line) return none(MISSING_BINUTILS);
    if (!exe.analysis) this.analyzeSync(exe, tools.objdump);
    const analysis = exe.analysis;
    if (!analysis || 'error' in analysis) return none(`${basename(exe.path)} could not be disassembled (${analysis ? analysis.error : 'unknown error'}), so the ${event.name} has no source line; ${precise}.`);
    let calls = functions.flatMap((f) => analysis.calls.get(f) ?? []);
    if (signal !== null) {
      // sigaction(SIGCHLD, …) loads 17 into %edi right before the call; drop sites that load another constant.
      const matching = calls.filter((c) => c.firstArg === null || c.firstArg === signal);
      if (matching.length > 0) calls = matching;
    }
    if (calls.length === 0) {
      return none(`No call to ${what} was found in ${basename(exe.path)}, so this ${event.name} probably came from a shared library or from code the disassembly does not show; ${precise}.`);
    }
    const addresses = unique(calls.map((c) => c.address));
    const resolved = this.resolveSync(exe, addresses, tools.addr2line);
    let sites = addresses.map((a) => ({ address: a, r: resolved.get(a) ?? null }));
    const withLine = sites.filter((s) => s.r?.location);
    if (withLine.length === 0) return none(this.noDebugNote(exe, sites.map((s) => s.r?.fn).find((f) => f) ?? null));
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
        unknown.push(`${s.r?.fn ?? '?'} at 0x${s.address.toString(16)} (no debug information)`);
      }
    }
    const candidates = [...distinct.values()];
    if (candidates.length === 1 && unknown.length === 0) {
      const only = candidates[0];
      return { located: { location: { file: only.file, line: only.line, function: only.function }, note: null }, candidates: [] };
    }
    const total = candidates.length + unknown.length;
    const found = describeFunctions(unique(calls.map((c) => c.target)));
    const listed = [...candidates.map((c) => `${basename(c.file)}:${c.line}${c.function ? ` (${c.function})` : ''}`), ...unknown];
    const shown = listed.slice(0, 3).join(', ');
    const more = total > 3 ? ` and ${total - 3} more` : '';
    return {
      located: {
        location: null,
        note: `${total} call sites of ${found} in ${basename(exe.path)} could have made this ${event.name}: ${shown}${more}. The default trace cannot tell them apart; ${precise}.`,
      },
      candidates,
    };
  }

  private interpretedResult(exe: Binary, lang: Language, site: CallSite, role: SiteRole): { located: Located; candidates: CandidateLocation[] } {
    const script = exe.shebang !== null ? exe.real : null;
    const name = script ? basename(script) : basename(exe.path);
    let candidates: CandidateLocation[] = [];
    let where = '';
    if (script) {
      candidates = searchFiles([script], lang, role, site.event.name);
      where = 'in the script';
    } else if (this.options.workspaceRoot) {
      const key = `${this.options.workspaceRoot}\0${lang}\0${role}\0${site.event.name}`;
      candidates = this.workspaceCache.get(key) ?? workspaceCandidates(this.options.workspaceRoot, lang, role, site.event.name);
      this.workspaceCache.set(key, candidates);
      where = 'in the workspace';
    }
    const langName = lang === 'other' ? '' : lang === 'javascript' ? 'JavaScript ' : lang === 'php' ? 'PHP ' : `${lang[0].toUpperCase()}${lang.slice(1)} `;
    const found = candidates.length > 0
      ? ` ${candidates.length} ${candidates.length === 1 ? 'line' : 'lines'} ${where} look${candidates.length === 1 ? 's' : ''} like ${roleWords(role)} (candidates, not facts): ${candidates.slice(0, 3).map((c) => `${basename(c.file)}:${c.line}`).join(', ')}${candidates.length > 3 ? ` and ${candidates.length - 3} more` : ''}.`
      : '';
    const what = script
      ? `${name} is a ${langName}script: the trace shows its interpreter's own ${site.event.name}, not a line of the script`
      : `This process runs ${name}, an interpreter: the trace shows the interpreter's own ${site.event.name}, not a line of the ${langName}program it runs`;
    return {
      located: { location: null, note: `${what}, so no source line is known.${found}` },
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

  private analyzeSync(bin: Binary, objdump: string): void {
    const tooBig = this.tooBig(bin);
    if (tooBig) {
      bin.analysis = { error: tooBig };
      return;
    }
    const { cmd, args } = objdumpCommand(objdump, bin.real);
    this.finishAnalysis(bin, runSync(cmd, args, undefined, this.timeout));
    this.resolveKnownTargets(bin, (addrs) => this.resolveSync(bin, addrs, this.toolPaths().addr2line ?? 'addr2line'));
  }

  private async analyzeAsync(bin: Binary, objdump: string): Promise<void> {
    const tooBig = this.tooBig(bin);
    if (tooBig) {
      bin.analysis = { error: tooBig };
      return;
    }
    const { cmd, args } = objdumpCommand(objdump, bin.real);
    const r = await runAsync(cmd, args, undefined, this.timeout);
    if (bin.analysis) return; // a synchronous lookup got there first
    this.finishAnalysis(bin, r);
    const addr2line = this.toolPaths().addr2line;
    const a = bin.analysis as StaticAnalysis | { error: string } | null;
    if (!addr2line || !a || 'error' in a) return;
    const wanted = knownAddresses(a);
    const missing = wanted.filter((x) => !bin.addresses.has(x));
    if (missing.length > 0) await this.resolveAsync(bin, missing, addr2line);
  }

  private tooBig(bin: Binary): string | null {
    const bytes = bin.elf?.textBytes ?? 0;
    return bytes > this.maxTextBytes ? `it has ${(bytes / 1048576).toFixed(0)} MiB of machine code, more than the ${(this.maxTextBytes / 1048576).toFixed(0)} MiB the quick analysis reads` : null;
  }

  private finishAnalysis(bin: Binary, r: RunResult): void {
    this.stats.objdumpRuns++;
    this.stats.objdumpMs += r.ms;
    if (r.error || r.status !== 0) {
      const why = r.error ?? (r.stderr.trim().split('\n')[0] || `exit status ${r.status}`);
      bin.analysis = { error: why };
      return;
    }
    try {
      bin.analysis = { calls: parseObjdump(r.stdout, bin.elf?.machine === EM_X86_64), ms: r.ms };
    } catch (err) {
      bin.analysis = { error: (err as Error).message };
    }
  }

  /** One addr2line run for every call to a function any role can ask about. */
  private resolveKnownTargets(bin: Binary, resolveFn: (addrs: number[]) => unknown): void {
    const a = bin.analysis;
    if (!a || 'error' in a) return;
    const addrs = knownAddresses(a).filter((x) => !bin.addresses.has(x));
    if (addrs.length > 0) resolveFn(addrs);
  }

  private resolveSync(bin: Binary, addresses: number[], addr2line: string): Map<number, ResolvedAddress> {
    const missing = addresses.filter((a) => !bin.addresses.has(a));
    if (missing.length > 0) this.storeResolved(bin, missing, runSync(addr2line, addr2lineArgs(bin.real), addressInput(missing), this.timeout));
    const out = new Map<number, ResolvedAddress>();
    for (const a of addresses) {
      const r = bin.addresses.get(a);
      if (r) out.set(a, r);
    }
    return out;
  }

  private async resolveAsync(bin: Binary, addresses: number[], addr2line: string): Promise<void> {
    const r = await runAsync(addr2line, addr2lineArgs(bin.real), addressInput(addresses), this.timeout);
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

function none(note: string): { located: Located; candidates: CandidateLocation[] } {
  return { located: { location: null, note }, candidates: [] };
}

function knownAddresses(a: StaticAnalysis): number[] {
  const out: number[] = [];
  for (const [target, calls] of a.calls) if (KNOWN_TARGETS.has(target)) for (const c of calls) out.push(c.address);
  return unique(out);
}

function addr2lineArgs(binary: string): string[] {
  return ['-a', '-f', '-i', '-C', '-e', binary];
}

/** Addresses go on stdin: one run for any number of them, no argument-length limit. */
function addressInput(addresses: number[]): string {
  return addresses.map((a) => `0x${a.toString(16)}\n`).join('');
}

/**
 * Of an inline chain (innermost first), the innermost entry in the user's own source:
 * the line that literally contains the call, which is where a breakpoint stops on it.
 * Entries in system headers (the _FORTIFY_SOURCE wrapper of read() in
 * /usr/include/…/bits/unistd.h) are skipped for their caller; a helper inlined into two
 * places yields the helper's line for both, so they count as one site.
 */
function chooseEntry(chain: AddrFrame[]): AddrFrame | null {
  const known = chain.filter((c) => c.file && c.line !== null);
  return known.find((c) => !HEADER_DIRS.some((d) => (c.file as string).startsWith(d))) ?? known[known.length - 1] ?? chain[0] ?? null;
}

function signalNumber(event: SyscallEvent): number | null {
  const first = (splitArgs(event.args)[0] ?? '').trim();
  if (/^\d+$/.test(first)) return Number(first);
  return SIGNALS[first] ?? null;
}

function describeFunctions(fns: string[]): string {
  const shown = fns.filter((f) => f !== '_Fork' && f !== 'bsd_signal' && f !== 'sysv_signal').map((f) => `${f}()`);
  if (shown.length <= 1) return shown[0] ?? 'it';
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

function roleWords(role: SiteRole): string {
  switch (role) {
    case 'fork':
      return 'process creation';
    case 'wait':
      return 'waiting for a child';
    case 'sigaction':
      return 'a SIGCHLD handler';
    default:
      return 'that call';
  }
}

function readHead(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, 256, 0);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/** `#!/usr/bin/env -S python3 -u` → python. */
function shebangLanguage(line: string): Language | null {
  const words = line.split(/\s+/).filter(Boolean);
  let i = 0;
  if (words[0] && basename(words[0]) === 'env') {
    i = 1;
    while (words[i] && (words[i].startsWith('-') || words[i].includes('='))) i++;
  }
  return words[i] ? interpreterLanguage(words[i]) : null;
}

// --- interpreted programs: workspace search ------------------------------------------

const EXTENSIONS: Record<Language, string[]> = {
  python: ['.py', '.pyw'],
  javascript: ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.jsx', '.tsx'],
  shell: ['.sh', '.bash', '.zsh', '.ksh'],
  perl: ['.pl', '.pm'],
  ruby: ['.rb'],
  php: ['.php'],
  other: [],
};

const PATTERNS: Record<Exclude<Language, 'other'>, Partial<Record<SiteRole, RegExp>>> = {
  python: {
    fork: /\bos\.(fork|forkpty|spawn[lv]p?e?|posix_spawnp?|system|popen)\s*\(|\bsubprocess\.(Popen|run|call|check_call|check_output|getoutput|getstatusoutput)\s*\(|\bpty\.fork\s*\(|\b(multiprocessing\.)?Process\s*\(|\bProcessPoolExecutor\s*\(|(^|[^.\w])(fork|Popen)\s*\(/,
    wait: /\bos\.wait(pid|3|4|id)?\s*\(|\.wait\s*\(|\.communicate\s*\(|(^|[^.\w])wait(pid)?\s*\(/,
    sigaction: /\bSIGCHLD\b/,
  },
  javascript: {
    fork: /\b(child_process|childProcess|cp)\.(fork|spawn|spawnSync|exec|execSync|execFile|execFileSync)\s*\(|(^|[^.\w])(fork|spawn|spawnSync|execFile|execFileSync|execSync)\s*\(/,
    wait: /\.(on|once)\s*\(\s*['"](exit|close)['"]/,
    sigaction: /['"]SIGCHLD['"]/,
  },
  shell: {
    fork: /(^|[^&>|])&\s*($|;|\)|#)|\b(coproc|nohup|setsid)\b/,
    wait: /(^|[\s;&|(])wait(\s|$|;)/,
    sigaction: /\btrap\b.*\b(SIG)?CHLD\b/,
  },
  perl: {
    fork: /\bfork\b|\bsystem\s*\(|\bopen\s*\(.*\|/,
    wait: /\bwait(pid)?\b/,
    sigaction: /\$SIG\{\s*['"]?CHLD/,
  },
  ruby: {
    fork: /\b(Process\.)?fork\b|\bProcess\.spawn\b|(^|[^.\w])spawn\s*\(|\bsystem\s*\(|\bIO\.popen\b|\bOpen3\./,
    wait: /\bProcess\.(wait|waitpid|wait2|waitall|detach)\b|(^|[^.\w])wait\b/,
    sigaction: /\btrap\s*\(\s*['"](SIG)?CHLD/,
  },
  php: {
    fork: /\bpcntl_fork\s*\(|\bproc_open\s*\(|\bexec\s*\(|\bshell_exec\s*\(|\bsystem\s*\(|\bpopen\s*\(/,
    wait: /\bpcntl_wait(pid)?\s*\(|\bproc_close\s*\(|\bpclose\s*\(/,
    sigaction: /\bpcntl_signal\s*\(\s*SIGCHLD/,
  },
};

const COMMENT: Record<Language, RegExp> = {
  python: /^\s*#/, shell: /^\s*#/, perl: /^\s*#/, ruby: /^\s*#/, javascript: /^\s*(\/\/|\*|\/\*)/, php: /^\s*(\/\/|#|\*|\/\*)/, other: /^$/,
};

const SKIP_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache', 'dist', 'out', 'build', 'target', '.cache', '.vscode-test', 'site-packages']);
const MAX_FILES = 5000;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_RESULTS = 200;

function patternFor(language: Language, role: SiteRole | undefined, syscall: string | undefined): RegExp | null {
  if (language === 'other') return null;
  const p = PATTERNS[language];
  if (role === 'interrupted') {
    const names = syscall ? (SLOW_CALLS[syscall] ?? [syscall]) : [];
    return names.length > 0 ? new RegExp(`(^|[^\\w])(${names.map(escapeRe).join('|')})\\s*\\(`) : null;
  }
  if (role && p[role]) return p[role] as RegExp;
  const all = [p.fork, p.wait].filter((r): r is RegExp => !!r).map((r) => `(?:${r.source})`);
  return all.length > 0 ? new RegExp(all.join('|')) : null;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Lines in the workspace that look like the language's fork/wait calls (`os.fork`,
 * `os.waitpid`, `subprocess.Popen`, `child_process.fork`, `&` and `wait` in shell, …).
 * Candidates only: text search cannot know which of them ran. Without a role: fork and
 * wait calls. Never throws; stops after 5000 files or 200 matches.
 */
export function workspaceCandidates(rootDir: string, language: Language, role?: SiteRole, syscall?: string): CandidateLocation[] {
  const files: string[] = [];
  const exts = new Set(EXTENSIONS[language]);
  const walk = (dir: string, depth: number): void => {
    if (files.length >= MAX_FILES || depth > 20) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (files.length >= MAX_FILES) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(p, depth + 1);
      } else if (e.isFile()) {
        const ext = extname(e.name);
        if (exts.has(ext) || (language === 'shell' && ext === '' && isShellScript(p))) files.push(p);
      }
    }
  };
  walk(resolve(rootDir), 0);
  return searchFiles(files, language, role, syscall);
}

function isShellScript(path: string): boolean {
  try {
    const head = readHead(path);
    return head.startsWith('#!') && shebangLanguage(head.slice(2).split('\n')[0]) === 'shell';
  } catch {
    return false;
  }
}

function searchFiles(files: string[], language: Language, role: SiteRole | undefined, syscall: string | undefined): CandidateLocation[] {
  const re = patternFor(language, role, syscall);
  if (!re) return [];
  const comment = COMMENT[language];
  const out: CandidateLocation[] = [];
  for (const file of files) {
    let text: string;
    try {
      if (statSync(file).size > MAX_FILE_BYTES) continue;
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    let real = file;
    try {
      real = realpathSync(file);
    } catch {
      // keep the path
    }
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (i === 0 && line.startsWith('#!')) continue;
      if (comment.test(line) || !re.test(line)) continue;
      out.push({ file: real, line: i + 1, function: null, certainty: 'candidate', source: 'workspace-search', text: line.trim().slice(0, 200) });
      if (out.length >= MAX_RESULTS) return out;
    }
  }
  return out;
}
