// The calls the model reads, and what their argument text says: which pid a wait
// reaped and with what status, the SIGCHLD disposition a sigaction installed, a
// clone's flags. Reading only: what the calls do to the processes is the model's.
import { fieldValue, flagSet, hasFlag, leadingInt, splitArgs } from './args';
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
]);

export interface CloneFlags {
  readonly thread: boolean;
  readonly parent: boolean;
}

/** fork and vfork never share the thread group or the parent. */
export const NO_CLONE_FLAGS: CloneFlags = { thread: false, parent: false };

/** CLONE_THREAD and CLONE_PARENT in a clone's arguments; the parser gives a repeated text as the same string. */
export class CloneFlagsReader {
  private lastArgs = '';
  private lastFlags: CloneFlags = NO_CLONE_FLAGS;

  read(args: string): CloneFlags {
    if (args !== this.lastArgs) {
      const flags = fieldValue(args, 'flags');
      this.lastArgs = args;
      this.lastFlags = { thread: hasFlag(flags, 'CLONE_THREAD'), parent: hasFlag(flags, 'CLONE_PARENT') };
    }
    return this.lastFlags;
  }
}

/** The pid a wait call reaped, or null (nothing, stopped/continued, WNOWAIT, error). */
export function reapedPid(event: SyscallEvent): number | null {
  if (event.name === 'waitid') {
    if (event.result !== '0') return null;
    const args = splitArgs(event.args);
    if ((args[3] ?? '').includes('WNOWAIT')) return null;
    const info = args[2] ?? '';
    const code = fieldValue(info, 'si_code');
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

/** The exit a wait reported: `[{WIFEXITED(s) && WEXITSTATUS(s) == 3}]`, or waitid's si_status. */
export function waitStatus(event: SyscallEvent): ExitStatus {
  const args = splitArgs(event.args);
  if (event.name === 'waitid') {
    const info = args[2] ?? '';
    const code = fieldValue(info, 'si_code');
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
  if (args[0] !== 'SIGCHLD' || args[1] === undefined || args[1] === 'NULL') return null;
  let handler: string;
  let flags = new Set<string>();
  if (event.name === 'signal') {
    handler = args[1];
  } else {
    handler = fieldValue(args[1], 'sa_handler') ?? args[1].replace(/^\{/, '').split(',')[0];
    flags = flagSet(fieldValue(args[1], 'sa_flags'));
  }
  return {
    action: handler === 'SIG_IGN' ? 'ignore' : handler === 'SIG_DFL' ? 'default' : 'handler',
    restart: flags.has('SA_RESTART'),
    nocldwait: flags.has('SA_NOCLDWAIT'),
    site: callSite(proc, event),
  };
}

/** What a child ran first, for CallSite.childExec: `sh -c …` (system(), popen()) or another program. */
export function childExecOf(path: string, argv: readonly string[]): 'shell' | 'program' {
  return basename(path) === 'sh' && argv[1] === '-c' ? 'shell' : 'program';
}
