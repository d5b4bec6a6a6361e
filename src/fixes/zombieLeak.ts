// zombie-leak, children of fork() that nobody reaps: a SIGCHLD handler that reaps in a loop,
// saving errno, installed with sigaction and SA_RESTART before the first fork.
import type { FixJson, SourceLocation } from '../shared/schema';
import { findCalls, findFunctions, lineNumberAt, lineOffset, type CFunction, type CSource } from './cScanner';
import { blockStatements, detectStyle, indentAt, statementsAt, type CStyle } from './cStatements';
import { editAt, includeEdits } from './edits';
import { basename } from '../shared/words';
import { comment, expectCall, freshName, lineStartBefore, setupStatement, where } from './placement';

const FORKS = ['fork', 'vfork'];

/** Where the SIGCHLD setup goes: an offset at a line start, its indentation, and main(). */
export interface InstallPoint {
  file: string;
  offset: number;
  indent: string;
  main: CFunction;
  style: CStyle;
}

/**
 * Before the first traced fork that leaks, in main(): before the outermost loop around it
 * (or its own statement); at the start of main() when the forks are in other functions of
 * the file. None when the file has no main() (a library must not take the program's SIGCHLD),
 * when the file already sets SIGCHLD, or when a fork line is not a fork.
 */
export function installPoint(forks: readonly SourceLocation[], src: CSource): InstallPoint | string {
  const file = forks[0].file;
  if (forks.some((f) => f.file !== file))
    return `the children were forked in several files (${[...new Set(forks.map((f) => basename(f.file)))].join(', ')}): where to reap them all is the program's decision.`;
  const calls = [];
  for (const fork of forks) {
    const call = expectCall(src, fork, FORKS);
    if (typeof call === 'string') return call;
    calls.push(call);
  }
  const functions = findFunctions(src);
  const main = functions.find((f) => f.name === 'main');
  if (!main)
    return `the fork at ${where(forks[0])} is in ${basename(file)}, which has no main(): a SIGCHLD handler is the whole program's, so install it in main() before the first fork (no edit is offered in another file than the fork).`;
  const sigchld = /\bSIGCHLD\b/.exec(src.code);
  if (sigchld)
    return `${basename(file)} already sets up SIGCHLD (line ${lineNumberAt(src, sigchld.index)}): change that code to reap children rather than add a second handler.`;
  const style = detectStyle(src);
  const inMain = calls.filter((c) => main.open < c.start && c.start < main.close).sort((a, b) => a.start - b.start);
  let target: number | null;
  let indent = style.unit;
  if (inMain.length === calls.length) {
    const statement = setupStatement(src, inMain[0].start);
    target = statement ? lineStartBefore(src, statement.start) : null;
  } else {
    const first = blockStatements(src.code, main.open, main.close)[0];
    target = lineStartBefore(src, first ? first.start : main.close);
    if (!first) indent = `${indentAt(src, main.close)}${style.unit}`;
  }
  if (target === null) return `no line of its own before the fork at ${where(forks[0])} takes the SIGCHLD setup, so no edit is offered.`;
  if (inMain.length === calls.length || blockStatements(src.code, main.open, main.close).length > 0) indent = indentAt(src, target);
  return { file, offset: target, indent, main, style };
}

/** The start of a function's definition, with the comment lines right above it. */
function definitionStart(src: CSource, fn: CFunction): number {
  let line = lineNumberAt(src, fn.start);
  while (line > 1) {
    const start = lineOffset(src, line - 1);
    const end = lineOffset(src, line) - 1;
    const code = src.code.slice(start, end).trim();
    const text = src.text.slice(start, end).trim();
    if (code !== '' || text === '' || text.startsWith('#')) break;
    line--;
  }
  return lineOffset(src, line);
}

/** Calls a signal handler cuts short even with SA_RESTART (man 7 signal). */
const NOT_RESTARTED = [
  'sleep',
  'usleep',
  'nanosleep',
  'clock_nanosleep',
  'select',
  'pselect',
  'poll',
  'ppoll',
  'epoll_wait',
  'epoll_pwait',
  'pause',
  'sigsuspend',
];

export function reapChildrenFix(forks: readonly SourceLocation[], src: CSource): FixJson[] | string {
  const at = installPoint(forks, src);
  if (typeof at === 'string') return at;
  // A handler would cut these short (SA_RESTART does not restart them): the program would change.
  for (const call of findCalls(src, NOT_RESTARTED)) {
    const chain = statementsAt(src, call.start)?.chain ?? [];
    if (chain.slice(-3).some((st) => /\bEINTR\b/.test(src.code.slice(st.start, st.end)))) continue;
    return `a SIGCHLD handler would cut short the ${call.name}() at ${basename(at.file)}:${lineNumberAt(src, call.start)} (SA_RESTART does not restart it), so the reaping handler is not offered: ignore SIGCHLD instead, or retry the ${call.name}() on EINTR.`;
  }
  const { file, style, indent: i } = at;
  const u = style.unit;
  const name = freshName(src, 'reap_children');
  const action = freshName(src, 'sa_chld');
  const open = style.functionBraceOwnLine ? '\n{' : ' {';
  const handler =
    `${comment(src, 'Reap every exited child: one SIGCHLD can stand for several exits.')}\n` +
    `static void ${name}(int sig)${open}\n` +
    `${u}int saved_errno = errno;\n` +
    `${u}(void)sig;\n` +
    `${u}while (waitpid(-1, NULL, WNOHANG) > 0)\n` +
    `${u}${u}continue;\n` +
    `${u}errno = saved_errno;\n` +
    `}\n\n`;
  const install =
    `${i}${comment(src, 'Reap children as they exit; SA_RESTART resumes the calls SIGCHLD interrupts.')}\n` +
    `${i}struct sigaction ${action};\n` +
    `${i}memset(&${action}, 0, sizeof ${action});\n` +
    `${i}${action}.sa_handler = ${name};\n` +
    `${i}sigemptyset(&${action}.sa_mask);\n` +
    `${i}${action}.sa_flags = SA_RESTART;\n` +
    `${i}sigaction(SIGCHLD, &${action}, NULL);\n`;
  const handlerAt = definitionStart(src, at.main);
  return [
    {
      title: 'Reap children in a SIGCHLD handler (waitpid in a loop, installed with SA_RESTART)',
      preferred: true,
      edits: [
        ...includeEdits(file, src, ['errno.h', 'signal.h', 'string.h', 'sys/wait.h']),
        editAt(file, src, handlerAt, handlerAt, handler),
        editAt(file, src, at.offset, at.offset, install),
      ],
    },
  ];
}
