// eintr-no-restart, the second fix: retry the interrupted call while it fails with EINTR.
import type { FixJson, SourceLocation } from '../shared/schema';
import { type CSource } from './cScanner';
import { detectStyle, indentAt, statementsAt } from './cStatements';
import { editAt, includeEdits } from './edits';
import { expectCall, expectStatement, where } from './placement';

/** The C functions that make each slow system call strace names. */
const C_NAMES: Record<string, string[]> = {
  accept: ['accept'],
  accept4: ['accept4'],
  read: ['read'],
  readv: ['readv'],
  write: ['write'],
  connect: ['connect'],
  recvfrom: ['recvfrom', 'recv'],
  recvmsg: ['recvmsg'],
  sendto: ['sendto', 'send'],
  sendmsg: ['sendmsg'],
  wait4: ['waitpid', 'wait', 'wait4'],
  waitid: ['waitid'],
  msgrcv: ['msgrcv'],
  msgsnd: ['msgsnd'],
  semop: ['semop'],
  flock: ['flock'],
  fcntl: ['fcntl'],
  open: ['open'],
  openat: ['open', 'openat'],
  nanosleep: ['nanosleep'],
  clock_nanosleep: ['nanosleep', 'clock_nanosleep', 'usleep', 'sleep'],
  pselect6: ['select', 'pselect'],
  poll: ['poll'],
  ppoll: ['ppoll', 'poll'],
  epoll_wait: ['epoll_wait'],
  epoll_pwait: ['epoll_wait', 'epoll_pwait'],
};

/** Calls whose retry is not a plain repeat: a sleep restarted from the top sleeps too long. */
const NOT_REPEATABLE = /^(nanosleep|clock_nanosleep|select|pselect6|poll|ppoll|epoll_wait|epoll_pwait|pause|sigsuspend|rt_sigsuspend|rt_sigtimedwait)$/;

export function eintrRetryFix(call: string, interrupted: SourceLocation, src: CSource): FixJson[] | string {
  const notRepeatable = `${call} keeps a timeout or waits for a signal: retrying it as it is would wait again from the start, so no edit is offered (retry it with the time left).`;
  const names = C_NAMES[call] ?? [call];
  const found = expectCall(src, interrupted, names);
  if (typeof found === 'string') return NOT_REPEATABLE.test(call) ? notRepeatable : found;
  const chain = statementsAt(src, found.start)?.chain ?? [];
  const around = chain.slice(-3).map((s) => src.code.slice(s.start, s.end));
  if (around.some((t) => /\bEINTR\b/.test(t))) return `the ${found.name}() at ${where(interrupted)} is already retried on EINTR.`;
  if (NOT_REPEATABLE.test(call)) return notRepeatable;
  const statement = expectStatement(src, found, interrupted);
  if (typeof statement === 'string') return statement;
  const { code } = statement;
  const callCode = src.code.slice(found.start, found.close + 1).replace(/\s+/g, ' ');
  const callText = src.text.slice(found.start, found.close + 1);
  const i = indentAt(src, statement.statement.start);
  const u = detectStyle(src).unit;
  const retry = (target: string): string => `while (${target} == -1 && errno == EINTR)\n${i}${u}continue;`;
  let newText: string;
  if (code === `${callCode};`) newText = retry(callText);
  else {
    const m = /^(?:(.*\S)\s+\**)?([A-Za-z_]\w*) = (.*);$/.exec(code);
    if (!m || m[3] !== callCode) return `the ${found.name}() at ${where(interrupted)} is part of a statement this fix does not rewrite, so no edit is offered.`;
    const declared = src.code.slice(statement.statement.start, found.start).replace(/\s*=\s*$/, '');
    newText = m[1] ? `${declared.trim()};\n${i}${retry(`(${m[2]} = ${callText})`)}` : retry(`(${m[2]} = ${callText})`);
  }
  return [
    {
      title: `Retry ${found.name}() while it fails with EINTR`,
      preferred: false,
      edits: [...includeEdits(interrupted.file, src, ['errno.h']), editAt(interrupted.file, src, statement.statement.start, statement.statement.end, newText)],
    },
  ];
}
