// eintr-no-restart, the preferred fix: SA_RESTART in the sa_flags of the sigaction that
// installs the SIGCHLD handler, so the kernel restarts the slow calls it interrupts.
import type { FixJson, SourceLocation } from '../shared/schema';
import { escapeRegExp, functionAt, type CSource } from './cScanner';
import { indentAt } from './cStatements';
import { editAt } from './edits';
import { expectCall, expectStatement, lineStartBefore, where } from './placement';

export function saRestartFix(sigaction: SourceLocation, src: CSource): FixJson[] | string {
  const call = expectCall(src, sigaction, ['sigaction']);
  if (typeof call === 'string') return call;
  if (call.args[0]?.text !== 'SIGCHLD')
    return `the sigaction at ${where(sigaction)} is not for SIGCHLD (${call.args[0]?.text ?? 'no argument'}), so no edit is offered.`;
  const act = /^&\s*([A-Za-z_]\w*)$/.exec(call.args[1]?.text ?? '') ?? /^([A-Za-z_]\w*)$/.exec(call.args[1]?.text ?? '');
  if (!act) return `the sigaction at ${where(sigaction)} takes its action from an expression (${call.args[1]?.text ?? 'none'}), so no edit is offered.`;
  const field = `${act[1]}${call.args[1].text.startsWith('&') ? '.' : '->'}sa_flags`;
  const fn = functionAt(src, call.start);
  if (!fn) return `the sigaction at ${where(sigaction)} is not inside a function body, so no edit is offered.`;
  const title = 'Add SA_RESTART to the SIGCHLD handler’s sa_flags, so interrupted calls resume';
  // The last assignment to sa_flags before the call, in the same function.
  const re = new RegExp(`\\b${escapeRegExp(act[1])}\\s*(?:\\.|->)\\s*sa_flags\\s*(\\|?=)\\s*([^;]*);`, 'g');
  const before = src.code.slice(0, call.start);
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(before); m; m = re.exec(before)) if (m.index > fn.open) last = m;
  if (last) {
    const value = last[2].trim();
    if (/\bSA_RESTART\b/.test(value)) return `the sa_flags at ${where(sigaction)} already has SA_RESTART.`;
    // The value is group 2, right before the closing `;`.
    const start = last.index + last[0].length - 1 - last[2].length;
    const end = start + value.length;
    const newValue = last[1] === '=' && value === '0' ? 'SA_RESTART' : `${value} | SA_RESTART`;
    return [{ title, preferred: true, edits: [editAt(sigaction.file, src, start, end, newValue)] }];
  }
  // No assignment: set the bit just before the call (the struct was set up somehow; |= keeps it).
  const found = expectStatement(src, call, sigaction, true);
  if (typeof found === 'string') return found;
  const at = lineStartBefore(src, found.statement.start);
  if (at === null) return `the sigaction at ${where(sigaction)} does not start a line of its own, so no edit is offered.`;
  return [{ title, preferred: true, edits: [editAt(sigaction.file, src, at, at, `${indentAt(src, at)}${field} |= SA_RESTART;\n`)] }];
}
