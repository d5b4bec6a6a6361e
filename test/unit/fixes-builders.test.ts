// The other fixes on small sources: the reaping loop, pclose, waitpid after posix_spawn,
// SA_RESTART, the EINTR retry; and the cases where each must not be offered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FixRequest } from '../../src/core/diagnostics';
import { applyEdits, computeFixes } from '../../src/fixes';

const FILE = '/src/p.c';
const at = (line: number) => ({ file: FILE, line, function: null });

function answer(text: string, request: FixRequest) {
  return computeFixes(request, (file) => (file === FILE ? { text } : { problem: 'missing' }));
}

function fixed(text: string, request: FixRequest, n = 0): string {
  const a = answer(text, request);
  assert.ok(a.fixes[n], `fix #${n}; note: ${a.fixNote}`);
  return applyEdits(text, a.fixes[n].edits);
}

const HANDLER = ['#include <sys/wait.h>', 'static void on_chld(int sig)', '{', '    int st;', '    waitpid(-1, &st, 0);   /* once */', '}', ''].join('\n');

test("the handler's single waitpid becomes a WNOHANG loop; its comment stays on the loop's line", () => {
  assert.equal(
    fixed(HANDLER, { kind: 'reap-loop', wait: at(5), executable: null }),
    HANDLER.replace('    waitpid(-1, &st, 0);   /* once */', '    while (waitpid(-1, &st, WNOHANG) > 0)   /* once */\n        continue;'),
  );
  const assigned = HANDLER.replace('    waitpid(-1, &st, 0);', '    pid = waitpid(-1, &st, WNOHANG);').replace('int st;', 'int st; pid_t pid;');
  assert.ok(
    fixed(assigned, { kind: 'reap-loop', wait: at(5), executable: null }).includes(
      '    while ((pid = waitpid(-1, &st, WNOHANG)) > 0)   /* once */\n        continue;\n',
    ),
  );
  const ifForm = HANDLER.replace('    waitpid(-1, &st, 0);', '    if (waitpid(-1, &st, WNOHANG) > 0) count++;');
  assert.ok(fixed(ifForm, { kind: 'reap-loop', wait: at(5), executable: null }).includes('    while (waitpid(-1, &st, WNOHANG) > 0) count++;'));
  // waitpid for one pid: a loop would not reap the others.
  const one = answer(HANDLER.replace('waitpid(-1,', 'waitpid(child,'), { kind: 'reap-loop', wait: at(5), executable: null });
  assert.deepEqual(one.fixes, []);
  assert.match(one.fixNote ?? '', /waits for one pid \(child\)/);
});

const POPEN = [
  '#include <stdio.h>',
  'static void show(void)',
  '{',
  '    FILE *f = popen("date", "r");',
  '    char line[64];',
  '    if (f && fgets(line, sizeof line, f))',
  '        fputs(line, stdout);',
  '}',
].join('\n');

test('pclose() goes at the end of the block that holds the stream, guarded against a failed popen', () => {
  assert.equal(
    fixed(POPEN, { kind: 'pclose', popens: [at(4)], executable: null }),
    POPEN.replace('        fputs(line, stdout);\n}', '        fputs(line, stdout);\n    if (f)\n        pclose(f);\n}'),
  );
  const early = answer(POPEN.replace('    char line[64];', '    char line[64];\n    if (!f) return;'), { kind: 'pclose', popens: [at(4)], executable: null });
  assert.match(early.fixNote ?? '', /can be left early \(return\)/);
  const returned = answer(
    POPEN.replace('static void', 'static FILE *').replace('        fputs(line, stdout);', '        fputs(line, stdout);\n    return f;'),
    { kind: 'pclose', popens: [at(4)], executable: null },
  );
  assert.match(returned.fixNote ?? '', /left early \(return\)/);
});

const SPAWN = [
  '#include <spawn.h>',
  'extern char **environ;',
  'static pid_t start(char **argv)',
  '{',
  '    pid_t pid;',
  '    if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)',
  '        return -1;',
  '    return pid;',
  '}',
].join('\n');

test('waitpid() on the pid posix_spawn() returned, once the spawn succeeded', () => {
  assert.equal(
    fixed(SPAWN, { kind: 'waitpid-spawned', spawns: [at(6)], executable: null }),
    SPAWN.replace('#include <spawn.h>\n', '#include <spawn.h>\n#include <sys/wait.h>\n').replace(
      '        return -1;\n',
      '        return -1;\n    waitpid(pid, NULL, 0);\n',
    ),
  );
  const plain = SPAWN.replace(
    '    if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)\n        return -1;',
    '    posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);',
  );
  assert.ok(
    fixed(plain, { kind: 'waitpid-spawned', spawns: [at(6)], executable: null }).includes(
      '    if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) == 0)\n        waitpid(pid, NULL, 0);\n',
    ),
  );
  const noPid = answer(SPAWN.replace('&pid,', 'NULL,'), { kind: 'waitpid-spawned', spawns: [at(6)], executable: null });
  assert.match(noPid.fixNote ?? '', /not stored in a plain variable \(NULL\)/);
});

const SIGACTION = [
  '#include <errno.h>',
  '#include <signal.h>',
  '#include <sys/socket.h>',
  'int serve(int lfd, struct sigaction sa)',
  '{',
  '    sa.sa_flags = SA_NOCLDSTOP;   /* flags */',
  '    sigaction(SIGCHLD, &sa, NULL);',
  '    int conn = accept(lfd, NULL, NULL);',
  '    return conn;',
  '}',
].join('\n');

type EintrRequest = Extract<FixRequest, { kind: 'eintr' }>;

const eintr = (restartWouldHelp = true, call = 'accept'): EintrRequest => ({
  kind: 'eintr',
  call,
  interrupted: at(8),
  sigaction: at(7),
  restartWouldHelp,
  executable: null,
});

test('eintr-no-restart: SA_RESTART joins the flags (preferred); the retry keeps the declaration and loops on EINTR', () => {
  const a = answer(SIGACTION, eintr());
  assert.deepEqual(
    a.fixes.map((f) => [f.title, f.preferred]),
    [
      ['Add SA_RESTART to the SIGCHLD handler’s sa_flags, so interrupted calls resume', true],
      ['Retry accept() while it fails with EINTR', false],
    ],
  );
  assert.ok(applyEdits(SIGACTION, a.fixes[0].edits).includes('    sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;   /* flags */\n'));
  assert.ok(
    applyEdits(SIGACTION, a.fixes[1].edits).includes(
      '    int conn;\n    while ((conn = accept(lfd, NULL, NULL)) == -1 && errno == EINTR)\n        continue;\n    return conn;',
    ),
  );
  // No sa_flags assignment: the bit is set just before the call.
  const unset = SIGACTION.replace('    sa.sa_flags = SA_NOCLDSTOP;   /* flags */\n', '');
  assert.ok(fixed(unset, { ...eintr(), interrupted: at(7), sigaction: at(6) }).includes('    sa.sa_flags |= SA_RESTART;\n    sigaction(SIGCHLD, &sa, NULL);'));
  // A call SA_RESTART does not restart: only the retry, then preferred.
  const select = answer(SIGACTION, eintr(false));
  assert.deepEqual(
    select.fixes.map((f) => f.preferred),
    [true],
  );
  // Already retried.
  const retried = answer(
    SIGACTION.replace('    int conn = accept(lfd, NULL, NULL);', '    int conn;\n    while ((conn = accept(lfd, NULL, NULL)) < 0 && errno == EINTR) ;'),
    {
      ...eintr(false),
      interrupted: at(9),
    },
  );
  assert.match(retried.fixNote ?? '', /SA_RESTART would not help: accept fails with EINTR even with it\. .*already retried on EINTR/);
  // The sigaction is not for SIGCHLD.
  assert.match(
    answer(SIGACTION.replace('sigaction(SIGCHLD', 'sigaction(SIGUSR1'), { ...eintr(), interrupted: null }).fixNote ?? '',
    /not for SIGCHLD \(SIGUSR1\)/,
  );
});

test('no fix, two reasons: the note reads as sentences (the second starts with a capital)', () => {
  const a = answer(SIGACTION, { ...eintr(false, 'select'), interrupted: null });
  assert.deepEqual(a.fixes, []);
  assert.equal(
    a.fixNote,
    'No fix is offered: SA_RESTART would not help: select fails with EINTR even with it. The line of the interrupted select is not known.',
  );
});
