// The calls the model reads, and what their argument text says: which pid a wait
// reaped and with what status, the SIGCHLD disposition a sigaction installed, a
// clone's flags. Reading only: what the calls do to the processes is the model's.
import { fieldValue, hasFlag, leadingInt, splitArgs } from './args';
import { basename } from '../shared/words';
import type { SyscallEvent } from './events';
import { callSite, type ExitStatus, type ProcessNode, type SigchldDisposition } from './processNode';

export const FORK_CALLS: ReadonlySet<string> = new Set(['clone', 'clone3', 'fork', 'vfork']);
export const EXEC_CALLS: ReadonlySet<string> = new Set(['execve', 'execveat']);
export const WAIT_CALLS: ReadonlySet<string> = new Set(['wait4', 'waitpid', 'waitid']);
export const SIGACTION_CALLS: ReadonlySet<string> = new Set(['rt_sigaction', 'sigaction', 'signal']);

/** The calls the model reads; a parser may skip the rest while `wantsEveryCall` is false. */
export const MODEL_CALLS: ReadonlySet<string> = new Set([
  ...FORK_CALLS,
  ...EXEC_CALLS,
  ...WAIT_CALLS,
  ...SIGACTION_CALLS,
  'prctl',
  'getppid',
  // Names a root strace printed no pid for (a log recorded without -f).
  'set_tid_address',
  'rt_sigreturn',
  'sigreturn',
  // Read for the frames after a clone3 in a precise trace (see CallSite.following).
  'rt_sigprocmask',
  // Name a task's process: a log begun mid-run shows threads with no clone (ProcessModel.threadOf).
  'getpid',
  'tgkill',
]);

export interface CloneFlags {
  readonly thread: boolean;
  readonly parent: boolean;
}

/** linux/sched.h: the clone flags by bit, above CSIGNAL (the low byte: clone's exit signal). */
const CLONE_BITS: ReadonlyArray<readonly [string, number]> = [
  ['CLONE_VM', 0x100],
  ['CLONE_FS', 0x200],
  ['CLONE_FILES', 0x400],
  ['CLONE_SIGHAND', 0x800],
  ['CLONE_PIDFD', 0x1000],
  ['CLONE_PTRACE', 0x2000],
  ['CLONE_VFORK', 0x4000],
  ['CLONE_PARENT', 0x8000],
  ['CLONE_THREAD', 0x10000],
  ['CLONE_NEWNS', 0x20000],
  ['CLONE_SYSVSEM', 0x40000],
  ['CLONE_SETTLS', 0x80000],
  ['CLONE_PARENT_SETTID', 0x100000],
  ['CLONE_CHILD_CLEARTID', 0x200000],
  ['CLONE_DETACHED', 0x400000],
  ['CLONE_UNTRACED', 0x800000],
  ['CLONE_CHILD_SETTID', 0x1000000],
  ['CLONE_NEWCGROUP', 0x2000000],
  ['CLONE_NEWUTS', 0x4000000],
  ['CLONE_NEWIPC', 0x8000000],
  ['CLONE_NEWUSER', 0x10000000],
  ['CLONE_NEWPID', 0x20000000],
  ['CLONE_NEWNET', 0x40000000],
  ['CLONE_IO', 0x80000000],
  ['CLONE_CLEAR_SIGHAND', 0x100000000],
  ['CLONE_INTO_CGROUP', 0x200000000],
];

const FLAGS_KEY = 'flags=';

/** A flag word strace -X raw printed as a number (`0x1000004`, `17`): its value; null for a name. */
export function rawNumber(token: string): number | null {
  return /^(0x[0-9a-fA-F]+|\d+)$/.test(token) ? Number(token) : null;
}

/** Whether `bit` (one power of two, up to 2^33 for clone3's flags) is set in `value`. */
function hasBit(value: number, bit: number): boolean {
  return Math.floor(value / bit) % 2 === 1;
}

/**
 * The flags of clone(…, flags=A|B, …) and clone3({flags=A|B, exit_signal=…}, …) as strace
 * printed them: what /\bflags=([\w|]+)/ finds, read by hand because it runs once per traced fork.
 */
export function cloneFlagsText(args: string): string | null {
  for (let at = args.indexOf(FLAGS_KEY); at !== -1; at = args.indexOf(FLAGS_KEY, at + 1)) {
    if (at > 0 && isWordChar(args.charCodeAt(at - 1))) continue; // `sa_flags=`: not a word start
    const from = at + FLAGS_KEY.length;
    let end = from;
    while (end < args.length && (isWordChar(args.charCodeAt(end)) || args.charCodeAt(end) === 0x7c) /* | */) end++;
    if (end > from) return args.slice(from, end);
  }
  return null;
}

/** Regex \w: ASCII letters, digits and `_`. */
function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/**
 * A clone's flags by name, `CLONE_VM|CLONE_VFORK|SIGCHLD`, however strace printed them:
 * names; a number (-X raw: `flags=0x1200000|17`, or -X verbose's `flags=0x3d0f00 /* … *\/`);
 * or, with -e raw=clone, clone's bare first argument (`clone(0x1200011, 0, …)`). Null
 * when the log does not hold them: clone3's struct left undecoded (`clone3(0x7ffc…, 88)`,
 * -e verbose=none or -e raw=clone3).
 */
export function cloneFlagNames(name: string, args: string): string | null {
  // A server clones with the same arguments again and again, which the parser gives as one string.
  if (args !== lastClone.args || name !== lastClone.name) lastClone = { name, args, flags: readCloneFlagNames(name, args) };
  return lastClone.flags;
}

let lastClone: { name: string; args: string; flags: string | null } = { name: '', args: '', flags: null };

function readCloneFlagNames(name: string, args: string): string | null {
  let text = cloneFlagsText(args);
  if (text === null && name === 'clone') {
    const first = /^(0x[0-9a-fA-F]+|\d+)(?:,|$)/.exec(args);
    if (first) text = first[1];
  }
  if (text === null) return null;
  const parts = text.split('|');
  const values = parts.map(rawNumber);
  if (values.every((v) => v === null)) return text;
  const names: string[] = [];
  parts.forEach((part, k) => {
    const value = values[k];
    // clone's low byte is its exit signal, which the model does not read.
    if (value === null) names.push(part);
    else for (const [flag, bit] of CLONE_BITS) if (hasBit(value, bit)) names.push(flag);
  });
  return names.join('|');
}

/** fork and vfork never share the thread group or the parent. */
export const NO_CLONE_FLAGS: CloneFlags = { thread: false, parent: false };

/** CLONE_THREAD and CLONE_PARENT in a clone's arguments; the parser gives a repeated text as the same string. */
export class CloneFlagsReader {
  private lastName = '';
  private lastArgs = '';
  private lastFlags: CloneFlags = NO_CLONE_FLAGS;

  read(name: string, args: string): CloneFlags {
    if (args !== this.lastArgs || name !== this.lastName) {
      const flags = cloneFlagNames(name, args);
      this.lastName = name;
      this.lastArgs = args;
      this.lastFlags = { thread: hasFlag(flags, 'CLONE_THREAD'), parent: hasFlag(flags, 'CLONE_PARENT') };
    }
    return this.lastFlags;
  }
}

/** Whether `A|B` holds `flag`, by name or, as strace -X raw prints it, by its bit `bit` in a number (`0x1000004`). */
function holdsFlag(text: string | null, flag: string, bit: number): boolean {
  if (!text) return false;
  if (hasFlag(text, flag)) return true;
  return text.split(/[|\s]/).some((part) => {
    const value = rawNumber(part);
    return value !== null && hasBit(value, bit);
  });
}

/** siginfo's si_code for a child, by name: `CLD_EXITED`, or -X raw's `0x1`. */
const CLD_CODES = ['', 'CLD_EXITED', 'CLD_KILLED', 'CLD_DUMPED', 'CLD_TRAPPED', 'CLD_STOPPED', 'CLD_CONTINUED'];
function childCode(text: string | null): string | null {
  const value = text === null ? null : rawNumber(text);
  return value === null ? text : (CLD_CODES[value] ?? text);
}

/** The pid a wait call reaped, or null (nothing, stopped/continued, WNOWAIT, error). */
export function reapedPid(event: SyscallEvent): number | null {
  if (event.name === 'waitid') {
    if (event.result !== '0') return null;
    const args = splitArgs(event.args);
    if (holdsFlag(args[3] ?? null, 'WNOWAIT', 0x1000000)) return null;
    const info = args[2] ?? '';
    const code = childCode(fieldValue(info, 'si_code'));
    if (code !== 'CLD_EXITED' && code !== 'CLD_KILLED' && code !== 'CLD_DUMPED') return null;
    const pid = leadingInt(fieldValue(info, 'si_pid') ?? '');
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }
  const pid = Number(event.result);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  // Split only when it may matter: most waits report an exit.
  if (event.args.includes('WIFSTOPPED') || event.args.includes('WIFCONTINUED')) {
    const status = splitArgs(event.args)[1] ?? '';
    if (status.includes('WIFSTOPPED') || status.includes('WIFCONTINUED')) return null;
  }
  return pid;
}

/** Whether a wait is for one given child: wait4/waitpid with a pid above 0, waitid with P_PID. */
export function waitsForOne(event: SyscallEvent): boolean {
  const comma = event.args.indexOf(',');
  const first = (comma < 0 ? event.args : event.args.slice(0, comma)).trim();
  if (event.name === 'waitid') return first === 'P_PID' || first === '1';
  const pid = Number(first);
  return Number.isInteger(pid) && pid > 0;
}

/** The exit a wait reported: `[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]`, or waitid's si_status. */
export function waitStatus(event: SyscallEvent): ExitStatus {
  const args = splitArgs(event.args);
  if (event.name === 'waitid') {
    const info = args[2] ?? '';
    const code = childCode(fieldValue(info, 'si_code'));
    const status = fieldValue(info, 'si_status') ?? '';
    if (code === 'CLD_EXITED') return { code: leadingInt(status), signal: null, core: false };
    return { code: null, signal: status || null, core: code === 'CLD_DUMPED' };
  }
  const text = args[1] ?? '';
  const exited = /WEXITSTATUS\(s\) == (\d+)/.exec(text);
  if (exited) return { code: Number(exited[1]), signal: null, core: false };
  const killed = /WTERMSIG\(s\) == (SIG[A-Z0-9]+|\d+)/.exec(text);
  return { code: null, signal: killed ? killed[1] : null, core: text.includes('WCOREDUMP') };
}

/** The SIGCHLD disposition an rt_sigaction, sigaction or signal call installed; null when it installed none. */
export function installedSigchld(proc: ProcessNode, event: SyscallEvent): SigchldDisposition | null {
  if (event.result !== '0' && event.name !== 'signal') return null;
  const args = splitArgs(event.args);
  // -X raw prints signals by number: SIGCHLD is 17 on x86, ARM, RISC-V, PowerPC and s390.
  if ((args[0] !== 'SIGCHLD' && args[0] !== '17') || args[1] === undefined || args[1] === 'NULL') return null;
  let handler: string;
  let flags: string | null = null;
  if (event.name === 'signal') {
    handler = args[1];
  } else {
    handler = fieldValue(args[1], 'sa_handler') ?? args[1].replace(/^\{/, '').split(',')[0];
    flags = fieldValue(args[1], 'sa_flags');
  }
  // SIG_DFL and SIG_IGN are 0 and 1 to -X raw.
  const action = handler === 'SIG_IGN' || handler === '0x1' || handler === '1' ? 'ignore' : handler === 'SIG_DFL' || handler === '0' ? 'default' : 'handler';
  return {
    action,
    restart: holdsFlag(flags, 'SA_RESTART', 0x10000000),
    nocldwait: holdsFlag(flags, 'SA_NOCLDWAIT', 2),
    site: callSite(proc, event),
  };
}

/** What a child ran first, for CallSite.childExec: `sh -c …` (system(), popen()) or another program. */
export function childExecOf(path: string, argv: readonly string[]): 'shell' | 'program' {
  return basename(path) === 'sh' && argv[1] === '-c' ? 'shell' : 'program';
}
