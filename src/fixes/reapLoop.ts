// sigchld-coalesced (and the zombie-leak it causes): the SIGCHLD handler's single waitpid
// becomes a loop that reaps until no exited child is left, with WNOHANG so it never blocks.
import type { FixJson, SourceLocation } from '../shared/schema';
import { escapeRegExp, lineEnd, lineNumberAt, type CallSpan, type CSource } from './cScanner';
import { detectStyle, indentAt, statementsAt } from './cStatements';
import { editAt } from './edits';
import { expectCall, where } from './placement';

/** The call with WNOHANG in its options, as text; a string when it cannot be made one. */
function nonBlockingCall(src: CSource, call: CallSpan): string {
  const args = call.args.map((a) => a.text);
  if (call.name === 'wait') return `waitpid(-1, ${args[0] || 'NULL'}, WNOHANG)`;
  if (args.length !== 3) return src.text.slice(call.start, call.close + 1);
  const [pid, status, options] = args;
  const opts = /\bWNOHANG\b/.test(options) ? options : options === '0' ? 'WNOHANG' : `${options} | WNOHANG`;
  return `waitpid(${pid}, ${status}, ${opts})`;
}

export function reapLoopFix(wait: SourceLocation, src: CSource): FixJson[] | string {
  const call = expectCall(src, wait, ['waitpid', 'wait']);
  if (typeof call === 'string') return call;
  if (call.name === 'waitpid') {
    if (call.args.length !== 3) return `the waitpid at ${where(wait)} does not have three arguments, so no edit is offered.`;
    if (call.args[0].text.replace(/\s/g, '') !== '-1')
      return `the waitpid at ${where(wait)} waits for one pid (${call.args[0].text}), not for any child: a loop would not reap the others, so no edit is offered.`;
  }
  const found = statementsAt(src, call.start);
  const statement = found?.chain[found.chain.length - 1];
  if (!found || !statement) return `the wait at ${where(wait)} is not inside a function body, so no edit is offered.`;
  const file = wait.file;
  const style = detectStyle(src);
  const indent = indentAt(src, statement.start);
  const loop = nonBlockingCall(src, call);
  const code = src.code.slice(statement.start, statement.end).replace(/\s+/g, ' ');
  const callCode = src.code.slice(call.start, call.close + 1).replace(/\s+/g, ' ');
  const title = 'Reap every exited child: loop on waitpid(-1, …, WNOHANG) until none is left';
  // `if (waitpid(...) > 0) ...` without an else: the if becomes the loop.
  if (statement.kind === 'if' && statement.children.length === 1 && call.start < statement.children[0].start) {
    const condOpen = src.code.indexOf('(', statement.start);
    return [
      {
        title,
        preferred: true,
        edits: [editAt(file, src, statement.start, condOpen, 'while '), editAt(file, src, call.start, call.close + 1, loop)],
      },
    ];
  }
  if (statement.kind !== 'simple') return `the wait at ${where(wait)} is part of a statement this fix does not rewrite, so no edit is offered.`;
  let head: string;
  if (code === `${callCode};`) head = `while (${loop} > 0)`;
  else {
    const assigned = new RegExp(`^([A-Za-z_]\\w*) = ${escapeRegExp(callCode)};$`).exec(code);
    if (!assigned) return `the wait at ${where(wait)} is not a statement of its own (it reads "${code}"), so no edit is offered.`;
    head = `while ((${assigned[1]} = ${loop}) > 0)`;
  }
  const body = `${indent}${style.unit}continue;`;
  const lastLine = lineNumberAt(src, statement.end - 1);
  const restOfLine = src.code.slice(statement.end, lineEnd(src, lastLine));
  const edits =
    restOfLine.trim() === ''
      ? // A comment after the statement stays on the loop's line.
        [editAt(file, src, statement.start, statement.end, head), editAt(file, src, lineEnd(src, lastLine), lineEnd(src, lastLine), `\n${body}`)]
      : [editAt(file, src, statement.start, statement.end, `${head}\n${body}\n${indent}`)];
  return [{ title, preferred: true, edits }];
}
