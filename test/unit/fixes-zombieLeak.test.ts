// zombie-leak fixes on small sources: the reaping handler in the file's own style, SIG_IGN,
// and no fix (with the reason) where the edit would not be sure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FixRequest, SiteLocator } from '../../src/core/diagnostics';
import { applyEdits, computeFixes, type ReadSource } from '../../src/fixes';
import { analyzeText, log, sessionOf } from '../support/core';

const FILE = '/src/server.c';

function reapRequest(...lines: number[]): FixRequest {
  return { kind: 'reap-children', forks: lines.map((line) => ({ file: FILE, line, function: null })), executable: null };
}

const reading =
  (text: string): ReadSource =>
  (file) =>
    file === FILE ? { text } : { problem: `${file} is missing` };

/** The text after applying fix `n` of the answer (all its edits are in FILE). */
function fixed(text: string, request: FixRequest, n = 0): string {
  const answer = computeFixes(request, reading(text));
  assert.ok(answer.fixes[n], `a fix #${n}; note: ${answer.fixNote}`);
  for (const e of answer.fixes[n].edits) assert.equal(e.file, FILE);
  return applyEdits(text, answer.fixes[n].edits);
}

const KR_TABS = [
  '#include <stdio.h>',
  '#include <unistd.h>',
  '',
  '// Serve forever.',
  'int main(void) {',
  '\tsetvbuf(stdout, NULL, _IOLBF, 0);',
  '\tfor (;;) {',
  '\t\tif (fork() == 0)',
  '\t\t\t_exit(0);',
  '\t\tputs("forked");',
  '\t}',
  '}',
  '',
].join('\n');

test('no reaping at all: a SIGCHLD handler that reaps in a loop, in the K&R and tab style of the file, installed before the loop that forks', () => {
  assert.equal(
    fixed(KR_TABS, reapRequest(8)),
    [
      '#include <errno.h>',
      '#include <signal.h>',
      '#include <stdio.h>',
      '#include <string.h>',
      '#include <sys/wait.h>',
      '#include <unistd.h>',
      '',
      '// Reap every exited child: one SIGCHLD can stand for several exits.',
      'static void reap_children(int sig) {',
      '\tint saved_errno = errno;',
      '\t(void)sig;',
      '\twhile (waitpid(-1, NULL, WNOHANG) > 0)',
      '\t\tcontinue;',
      '\terrno = saved_errno;',
      '}',
      '',
      '// Serve forever.',
      'int main(void) {',
      '\tsetvbuf(stdout, NULL, _IOLBF, 0);',
      '\t// Reap children as they exit; SA_RESTART resumes the calls SIGCHLD interrupts.',
      '\tstruct sigaction sa_chld;',
      '\tmemset(&sa_chld, 0, sizeof sa_chld);',
      '\tsa_chld.sa_handler = reap_children;',
      '\tsigemptyset(&sa_chld.sa_mask);',
      '\tsa_chld.sa_flags = SA_RESTART;',
      '\tsigaction(SIGCHLD, &sa_chld, NULL);',
      '\tfor (;;) {',
      '\t\tif (fork() == 0)',
      '\t\t\t_exit(0);',
      '\t\tputs("forked");',
      '\t}',
      '}',
      '',
    ].join('\n'),
  );
});

const ALLMAN_HELPER = [
  '/* spawner */',
  '#include <unistd.h>',
  '#include <stdio.h>',
  '',
  'static int reap_children;',
  '',
  'static pid_t spawn(void)',
  '{',
  '  pid_t pid = fork();',
  '  if (pid == 0)',
  '  {',
  '    _exit(0);',
  '  }',
  '  return pid;',
  '}',
  '',
  'int main(void)',
  '{',
  '  spawn();',
  '  return reap_children;',
  '}',
].join('\n');

test('a fork in a helper function: the handler is installed at the start of main(), in two-space Allman style, with a name the file does not use', () => {
  const out = fixed(ALLMAN_HELPER, reapRequest(9));
  assert.ok(out.includes('static void reap_children_2(int sig)\n{\n  int saved_errno = errno;'), out);
  assert.ok(out.includes('int main(void)\n{\n  /* Reap children as they exit;'), out);
  assert.ok(out.includes('  sa_chld.sa_handler = reap_children_2;\n'), out);
  // The includes were not sorted: the missing ones go after the last.
  assert.ok(
    out.startsWith(
      '/* spawner */\n#include <unistd.h>\n#include <stdio.h>\n#include <errno.h>\n#include <signal.h>\n#include <string.h>\n#include <sys/wait.h>\n',
    ),
    out,
  );
});

test("a fork in a child's branch: the handler is installed there, not where the parent waits for its own child", () => {
  const text = [
    '#include <sys/wait.h>',
    '#include <unistd.h>',
    'int main(void)',
    '{',
    '    pid_t c = fork();',
    '    if (c == 0) {',
    '        pid_t g = fork();',
    '        if (g == 0)',
    '            _exit(0);',
    '        _exit(0);',
    '    }',
    '    waitpid(c, NULL, 0);',
    '    return 0;',
    '}',
  ].join('\n');
  const out = fixed(text, reapRequest(7));
  assert.ok(out.includes('    if (c == 0) {\n        /* Reap children as they exit;'), out);
  assert.ok(out.includes('        sigaction(SIGCHLD, &sa_chld, NULL);\n        pid_t g = fork();'), out);
});

test('the second fix sets SIGCHLD to SIG_IGN at the same place, and is not the preferred one', () => {
  const answer = computeFixes(reapRequest(8), reading(KR_TABS));
  assert.deepEqual(
    answer.fixes.map((f) => f.preferred),
    [true, false],
  );
  assert.equal(answer.fixNote, null);
  const out = applyEdits(KR_TABS, answer.fixes[1].edits);
  assert.ok(out.includes('\tsignal(SIGCHLD, SIG_IGN); // the kernel reaps children at once; their exit statuses are lost\n\tfor (;;) {'), out);
  assert.ok(out.startsWith('#include <signal.h>\n#include <stdio.h>\n'), out);
});

test('no fix where the edit is not sure, and the note says why', () => {
  const note = (text: string, ...lines: number[]): string => {
    const answer = computeFixes(reapRequest(...lines), reading(text));
    assert.deepEqual(answer.fixes, []);
    assert.ok(answer.fixNote);
    return answer.fixNote;
  };
  // The line is not a fork (the source changed since the build).
  assert.match(note(KR_TABS, 6), /^No fix is offered: server\.c:6 is not a fork\(\) or vfork\(\) call \(it reads "setvbuf\(stdout, NULL, _IOLBF, 0\);"\)/);
  // A macro hides the call.
  const macro = KR_TABS.replace('#include <unistd.h>', '#include <unistd.h>\n#define SPAWN() fork()').replace('if (fork() == 0)', 'if (SPAWN() == 0)');
  assert.match(note(macro, 9), /hidden by the macro SPAWN/);
  // The fork is in a file without main(): the handler would be in another file than the fork.
  assert.match(note(ALLMAN_HELPER.replace(/int main[^]*$/, ''), 9), /which has no main\(\)/);
  // A sleep the handler would cut short (SA_RESTART does not restart it): only SIG_IGN is offered.
  const sleeper = computeFixes(reapRequest(8), reading(KR_TABS.replace('puts("forked");', 'sleep(1);')));
  assert.deepEqual(
    sleeper.fixes.map((f) => [f.title, f.preferred]),
    [['Ignore SIGCHLD so the kernel reaps children (when their exit statuses are not needed)', true]],
  );
  // The program already sets up SIGCHLD.
  assert.match(note(KR_TABS.replace('\tsetvbuf', '\tsignal(SIGCHLD, SIG_DFL);\n\tsetvbuf'), 9), /already sets up SIGCHLD \(line 6\)/);
  // The source file is missing, or changed since the build (the provider says which).
  assert.match(computeFixes(reapRequest(8), () => ({ problem: 'server.c changed after server was built.' })).fixNote ?? '', /changed after server was built/);
  // Not C.
  assert.match(
    computeFixes({ kind: 'reap-children', forks: [{ file: '/src/main.go', line: 3, function: null }], executable: null }, reading('')).fixNote ?? '',
    /not C or C\+\+/,
  );
});

test("the core asks the provider for a finding's fixes, with the fork's line, and puts its answer in the finding", () => {
  const text = log(
    '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
    '101  1700000000.200000 +++ exited with 0 +++',
    '100  1700000000.300000 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=0} ---',
  );
  const requests: FixRequest[] = [];
  const locate: SiteLocator = () => ({ location: { file: FILE, line: 8, function: 'main' }, note: null, via: ['fork'] });
  const snapshot = sessionOf(text).snapshot(locate, (r) => {
    requests.push(r);
    return { fixes: [{ title: 'T', preferred: true, edits: [] }], fixNote: null };
  });
  const leak = snapshot.diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.ok(leak);
  assert.deepEqual(requests[0], { kind: 'reap-children', forks: [{ file: FILE, line: 8, function: 'main' }], executable: null });
  assert.deepEqual(leak.fixes, [{ title: 'T', preferred: true, edits: [] }]);
  // Without a provider: no fixes and no note, as before.
  const plain = analyzeText(text, {}, locate).diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.deepEqual([plain?.fixes, plain?.fixNote], [[], null]);
});
