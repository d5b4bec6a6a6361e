// Which libc functions make which syscall, per role: what the static path looks for in
// the disassembly, and how their names read in notes.
import { splitArgs, unique } from '../core/args';
import { cloneFlagNames, rawNumber } from '../core/calls';
import type { SiteRole } from '../core/diagnostics';
import type { SyscallEvent } from '../core/events';
import { glibcVersion } from './glibcVersion';

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
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

/**
 * The libc functions whose call can make this traced syscall, for the static path.
 * clone flags split fork() (no CLONE_VM) from posix_spawn/system/popen (CLONE_VM|CLONE_VFORK
 * in glibc >= 2.29 and musl); a wait4 can also come from system() or pclose(). `facts`
 * from the rest of the trace rule some out.
 */
export function libcFunctionsFor(event: Pick<SyscallEvent, 'name' | 'args'>, role: SiteRole, facts: StaticFacts = {}): string[] {
  return functionsFor(event, role, facts, isWaitCall(event.name) ? waitArgs(event.args) : null);
}

function functionsFor(event: Pick<SyscallEvent, 'name' | 'args'>, role: SiteRole, facts: StaticFacts, wait: WaitArgs | null): string[] {
  const made = forkFunctionsFor(event, role);
  if (made === null) return wait ? waitFunctionsFor(wait) : otherFunctionsFor(event.name);
  // system() and popen() run `sh -c`: a child that ran anything else was not theirs.
  return facts.childExec === 'program' ? made.filter((f) => f !== 'system' && f !== 'popen') : made;
}

function isWaitCall(name: string): boolean {
  return name === 'wait4' || name === 'waitpid';
}

/** What the static path knows of a call besides the syscall itself (from the rest of the trace). */
export interface StaticFacts {
  /** A wait that reaped a child which exec'd (see CallSite.reapedExecedChild). */
  notSpawnCleanup?: boolean;
  /** A fork site: what its child ran first (see CallSite.childExec). */
  childExec?: 'shell' | 'program';
}

function forkFunctionsFor(event: Pick<SyscallEvent, 'name' | 'args'>, role: SiteRole): string[] | null {
  const name = event.name;
  const old = glibcVersion();
  const x86 = process.arch === 'x64' || process.arch === 'ia32';
  const oldSystem = old !== null && old < 2029; // system/popen forked before glibc 2.29
  if (role === 'fork' || name === 'clone' || name === 'clone3' || name === 'fork' || name === 'vfork') {
    if (name === 'vfork') return old !== null && old < 2024 ? ['vfork', 'posix_spawn', 'posix_spawnp'] : ['vfork'];
    if (name === 'fork') return oldSystem ? [...FORK_FAMILY, 'system', 'popen'] : FORK_FAMILY;
    const flagsText = cloneFlagNames(name, event.args);
    const flags = new Set(flagsText ? flagsText.split('|') : []);
    const vforkLike = x86 ? [] : ['vfork']; // vfork is clone(CLONE_VM|CLONE_VFORK) where there is no vfork syscall
    if (flagsText === null) return unique([...FORK_FAMILY, ...SPAWN_FAMILY, ...vforkLike]);
    if (flags.has('CLONE_VM') && flags.has('CLONE_VFORK')) return unique([...SPAWN_FAMILY, ...vforkLike]);
    const forks = oldSystem ? [...FORK_FAMILY, 'system', 'popen'] : FORK_FAMILY;
    // fork() (and daemon(), forkpty(), old system()) clone with no stack; glibc's clone()
    // wrapper refuses a NULL stack. So the stack says which of the two made this clone.
    const stack = name === 'clone' ? cloneStack(event.args) : 'unknown';
    if (stack === 'null') return forks.filter((f) => f !== 'clone');
    if (stack === 'given') return ['clone'];
    return forks;
  }
  return null;
}

/** clone(child_stack=NULL, …) or clone(child_stack=0x7f…, …). */
function cloneStack(args: string): 'null' | 'given' | 'unknown' {
  const m = /^child_stack=(NULL|0x[0-9a-f]+)/.exec(args);
  return !m ? 'unknown' : m[1] === 'NULL' ? 'null' : 'given';
}

function otherFunctionsFor(name: string): string[] {
  if (name === 'waitid') return ['waitid'];
  if (name === 'rt_sigaction' || name === 'sigaction' || name === 'signal') return SIGACTION_FAMILY;
  return blockingFunctionsFor(name);
}

/**
 * The wait functions that can make this wait4, from what it was called with. glibc and
 * musl make it as: wait(st) = wait4(-1, st, 0, NULL); wait3(st, opt, ru) = wait4(-1, …);
 * waitpid(pid, st, opt) = wait4(pid, st, opt, NULL); system() and pclose() wait for
 * their own child: wait4(pid, st, 0, NULL). So a handler's waitpid(-1, &st, WNOHANG)
 * is never system()'s, and system()'s wait is never the handler's.
 */
function waitFunctionsFor({ pidClass, options, rusage }: WaitArgs): string[] {
  const fits = WAIT_FAMILY.filter((f) => {
    const ownChild = f === 'system' || f === 'pclose';
    if (pidClass !== null && pidClass !== 'pid' && ownChild) return false;
    if (pidClass !== null && pidClass !== 'any' && (f === 'wait' || f === 'wait3')) return false;
    if (options !== null && options !== '0' && (f === 'wait' || ownChild)) return false;
    if (rusage === true && f !== 'wait3' && f !== 'wait4') return false;
    return true;
  });
  return fits.length > 0 ? fits : WAIT_FAMILY;
}

/** Which children a wait asks for: -1 any, 0 or < -1 a process group, > 0 one pid. */
export type WaitPidClass = 'any' | 'group' | 'pid';

export function pidClassOf(pid: number): WaitPidClass {
  return pid === -1 ? 'any' : pid > 0 ? 'pid' : 'group';
}

/** What a traced wait4 shows of its call, as far as strace printed it (null: not shown). */
interface WaitArgs {
  pidClass: WaitPidClass | null;
  options: string | null;
  rusage: boolean | null;
}

function waitArgs(args: string): WaitArgs {
  const parts = splitArgs(args).map((a) => a.trim());
  const pid = /^-?\d+$/.test(parts[0] ?? '') ? Number(parts[0]) : null;
  const options = parts.length >= 3 && /^[\w|]+$/.test(parts[2]) ? parts[2] : null;
  const rusage = parts.length >= 4 && parts[3] !== '' ? parts[3] !== 'NULL' : null;
  return { pidClass: pid === null ? null : pidClassOf(pid), options, rusage };
}

const WAIT_OPTIONS: Record<string, number> = {
  WNOHANG: 1,
  WUNTRACED: 2,
  WSTOPPED: 2,
  WEXITED: 4,
  WCONTINUED: 8,
  WNOWAIT: 0x1000000,
  __WNOTHREAD: 0x20000000,
  __WALL: 0x40000000,
  __WCLONE: 0x80000000,
};

/** The options a wait4 passed, as a number, to match against a constant third argument at each site. */
function optionsValue(options: string | null): number | null {
  if (options === null) return null;
  let value = 0;
  for (const flag of options.split('|')) {
    // -X raw prints them as one number: 0x1.
    const v = rawNumber(flag) ?? WAIT_OPTIONS[flag];
    if (v === undefined) return null;
    value = (value | v) >>> 0;
  }
  return value;
}

/** The signal the static path matches sigaction sites against; null for other calls. */
function staticSignal(event: SyscallEvent, role: SiteRole): number | null {
  return role === 'sigaction' || event.name === 'rt_sigaction' ? signalNumber(event) : null;
}

/**
 * What the static path looks for, read once from a call besides its program: the libc
 * functions that fit it (from its clone flags and stack, a wait's arguments and the
 * facts), and the constants its sites must load: the signal of a sigaction, the pid
 * class and options of a wait4. `key` holds all of it with the role and the syscall:
 * calls with equal keys get the same answer, so the 30,000 forks of a
 * fork-per-connection server are resolved once.
 */
export interface StaticQuery {
  functions: string[];
  signal: number | null;
  waitPid: WaitPidClass | null;
  waitOptions: number | null;
  notSpawnCleanup: boolean;
  key: string;
}

export function staticQuery(event: SyscallEvent, role: SiteRole, facts: StaticFacts = {}): StaticQuery {
  const wait = isWaitCall(event.name) ? waitArgs(event.args) : null;
  const functions = functionsFor(event, role, facts, wait);
  const signal = staticSignal(event, role);
  // A wait4 made in the wait role: its sites load the pid and the options it shows.
  const asWait = role === 'wait' && event.name === 'wait4' ? wait : null;
  const waitPid = asWait?.pidClass ?? null;
  const waitOptions = asWait ? optionsValue(asWait.options) : null;
  const notSpawnCleanup = facts.notSpawnCleanup === true;
  const key = `${role}\0${event.name}\0${functions.join(',')}\0${signal}\0${waitPid}\0${waitOptions}\0${notSpawnCleanup ? 'not-spawn-cleanup' : ''}`;
  return { functions, signal, waitPid, waitOptions, notSpawnCleanup, key };
}

/** The functions that make a new process, whichever way: a language library's function that calls one spawns. */
export const PROCESS_MAKERS: readonly string[] = unique([...FORK_FAMILY, ...SPAWN_FAMILY, 'vfork']);

/** Go's own functions that make these syscalls, for binaries that do not call libc for them. */
export const GO_FUNCTIONS: Readonly<Record<string, readonly string[]>> = {
  clone: ['syscall.forkExec'],
  clone3: ['syscall.forkExec'],
  fork: ['syscall.forkExec'],
  vfork: ['syscall.forkExec'],
  wait4: ['syscall.Wait4'],
  waitid: ['syscall.Waitid'],
};

/** Every function name the static analysis resolves up front. */
const KNOWN_TARGETS = new Set<string>([...PROCESS_MAKERS, ...WAIT_FAMILY, 'waitid', ...SIGACTION_FAMILY, ...Object.values(SLOW_CALLS).flat()]);

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

/** The libc functions that block in this syscall (itself, when no other is known). */
export function blockingFunctionsFor(syscall: string): string[] {
  return SLOW_CALLS[syscall] ?? [syscall];
}

/** True for a function name the static analysis resolves up front. */
export function isKnownTarget(name: string): boolean {
  return KNOWN_TARGETS.has(name);
}

/** The signal a sigaction/signal call is for (`SIGCHLD` or `17`), if it is a constant. */
export function signalNumber(event: SyscallEvent): number | null {
  const first = (splitArgs(event.args)[0] ?? '').trim();
  if (/^\d+$/.test(first)) return Number(first);
  return SIGNALS[first] ?? null;
}

/** `fork(), daemon() or clone()`, leaving out the internal aliases. */
export function describeFunctions(fns: string[]): string {
  const shown = fns.filter((f) => f !== '_Fork' && f !== 'bsd_signal' && f !== 'sysv_signal').map((f) => `${f}()`);
  if (shown.length <= 1) return shown[0] ?? 'it';
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}
