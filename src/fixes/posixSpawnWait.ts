// zombie-leak of posix_spawn()'s children: waitpid() on the pid it returned, right after a
// successful spawn (it blocks until that process exits).
import type { FixJson, SourceLocation } from '../shared/schema';
import type { CSource } from './cScanner';
import { detectStyle, indentAt } from './cStatements';
import { editAt, includeEdits } from './edits';
import { expectCall, expectStatement, insertAfterStatement, where } from './placement';

const JUMP = /^(return\b[^;]*|goto \w+|break|continue|(?:_?exit|abort)\s*\([^;]*\));$/;

export function posixSpawnWaitFix(spawns: readonly SourceLocation[], src: CSource): FixJson[] | string {
  const style = detectStyle(src);
  const edits = [];
  for (const loc of spawns) {
    const call = expectCall(src, loc, ['posix_spawn', 'posix_spawnp']);
    if (typeof call === 'string') return call;
    const pidArg = /^&\s*([A-Za-z_]\w*)$/.exec(call.args[0]?.text ?? '');
    if (!pidArg)
      return `the pid of the ${call.name}() at ${where(loc)} is not stored in a plain variable (${call.args[0]?.text ?? 'no argument'}), so no edit is offered.`;
    const pid = pidArg[1];
    const found = expectStatement(src, call, loc, true);
    if (typeof found === 'string') return found;
    const { statement, code } = found;
    const i = indentAt(src, statement.start);
    const u = style.unit;
    const callCode = src.code.slice(call.start, call.close + 1).replace(/\s+/g, ' ');
    const wait = `waitpid(${pid}, NULL, 0);`;
    let edit;
    if (statement.kind === 'if') {
      // `if (posix_spawn(...) != 0) return ...;`: past the if, the spawn succeeded.
      const body = statement.children[0];
      const bodyCode = src.code
        .slice(body.start, body.end)
        .replace(/\s+/g, ' ')
        .replace(/^\{ (.*) \}$/, '$1');
      if (statement.children.length !== 1 || body.start < call.close || !JUMP.test(bodyCode))
        return `the ${call.name}() at ${where(loc)} is tested by an if that does not leave on failure, so where its pid may be waited for is not sure.`;
      edit = insertAfterStatement(loc.file, src, statement, `${i}${wait}`);
    } else if (code === `${callCode};`) {
      edit = editAt(loc.file, src, statement.start, statement.end, `if (${callCode} == 0)\n${i}${u}${wait}`);
    } else {
      const rc = /^(?:[A-Za-z_][\w\s]*\s)?([A-Za-z_]\w*) = (.*);$/.exec(code);
      if (!rc || rc[2] !== callCode) return `the ${call.name}() at ${where(loc)} is part of a statement this fix does not rewrite, so no edit is offered.`;
      edit = insertAfterStatement(loc.file, src, statement, `${i}if (${rc[1]} == 0)\n${i}${u}${wait}`);
    }
    if (typeof edit === 'string') return edit;
    edits.push(edit);
  }
  return [
    {
      title: 'Wait for the spawned process: waitpid() on the pid posix_spawn() returned (it blocks until that process exits)',
      preferred: true,
      edits: [...includeEdits(spawns[0].file, src, ['sys/wait.h']), ...edits],
    },
  ];
}
