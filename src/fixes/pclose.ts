// zombie-leak of popen()'s children: pclose() the stream, which waits for the child, at the
// end of the block that holds it (a SIGCHLD handler would make pclose() fail with ECHILD).
import type { FixJson, SourceLocation } from '../shared/schema';
import type { CSource } from './cScanner';
import { detectStyle, indentAt } from './cStatements';
import { editAt } from './edits';
import { enclosingBlockClose, expectCall, expectStatement, lineStartBefore, where } from './placement';

export function pcloseFix(popens: readonly SourceLocation[], src: CSource): FixJson[] | string {
  const style = detectStyle(src);
  const edits = [];
  const names: string[] = [];
  for (const loc of popens) {
    const call = expectCall(src, loc, ['popen']);
    if (typeof call === 'string') return call;
    const found = expectStatement(src, call, loc);
    if (typeof found === 'string') return found;
    const { statement, code } = found;
    const callCode = src.code.slice(call.start, call.close + 1).replace(/\s+/g, ' ');
    const assigned = /([A-Za-z_]\w*) = (.*);$/.exec(code);
    if (!assigned || assigned[2] !== callCode)
      return `the popen() at ${where(loc)} is not stored in a variable by a statement of its own, so where to pclose() it is not sure.`;
    const name = assigned[1];
    const close = enclosingBlockClose(src, call.start);
    if (close === null) return `the popen() at ${where(loc)} is not inside a block, so no edit is offered.`;
    const after = src.code.slice(statement.end, close);
    const exit = /\b(return|goto|break|continue|exit|_exit|longjmp)\b/.exec(after);
    if (exit)
      return `the block of the popen() at ${where(loc)} can be left early (${exit[1]}), so one pclose() at its end would not close every stream; no edit is offered.`;
    if (new RegExp(`\\bpclose\\s*\\(\\s*${name}\\b`).test(after)) return `${where(loc)}: the stream ${name} is already pclose()d in that block.`;
    if (new RegExp(`=\\s*${name}\\b|\\b${name}\\s*=[^=]`).test(after))
      return `the stream ${name} from the popen() at ${where(loc)} is copied or reassigned later, so where to pclose() it is not sure.`;
    const at = lineStartBefore(src, close);
    if (at === null) return `the block of the popen() at ${where(loc)} does not end on a line of its own, so no edit is offered.`;
    const i = indentAt(src, statement.start);
    edits.push(editAt(loc.file, src, at, at, `${i}if (${name})\n${i}${style.unit}pclose(${name});\n`));
    names.push(name);
  }
  return [{ title: `Close the stream with pclose(${names[0]}): it waits for popen()'s child`, preferred: true, edits }];
}
