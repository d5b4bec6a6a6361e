// A script's SIGCHLD handler (Python, Perl) runs after the interpreter's C handler returned:
// its waits follow rt_sigreturn. The sequences are those strace printed for real scripts
// (python3 3.11, perl 5.36), shortened to three children.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText, log } from '../support/core';

const PY = '100  1700000000.000000 execve("/usr/bin/python3.11", ["python3", "reaper.py"], 0x7ffd0000 /* 3 vars */) = 0';
const PERL = '100  1700000000.000000 execve("/usr/bin/perl", ["perl", "reaper.pl"], 0x7ffd0000 /* 3 vars */) = 0';
const HANDLER = (t: string) =>
  `100  1700000000.${t} rt_sigaction(SIGCHLD, {sa_handler=0x55b93d4d5e40, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f2a}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0`;
const CLONE = (t: string, pid: number) =>
  `100  1700000000.${t} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = ${pid}`;
const EXIT = (t: string, pid: number) => `${pid}  1700000000.${t} +++ exited with 0 +++`;
const SIGCHLD = (t: string, pid: number) =>
  `100  1700000000.${t} --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=${pid}, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`;
const SIGRETURN = (t: string, result = '-1 EINTR (Interrupted system call)') => `100  1700000000.${t} rt_sigreturn({mask=[]}) = ${result}`;
const SLEEP_CUT = (t: string) =>
  `100  1700000000.${t} clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=1, tv_nsec=0}, NULL) = ? ERESTARTNOHAND (To be restarted if no handler)`;
const WAIT = (t: string, result: string, options = 'WNOHANG') =>
  `100  1700000000.${t} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], ${options}, NULL) = ${result}`;
const THREE_CHILDREN = [CLONE('010000', 201), CLONE('011000', 202), CLONE('012000', 203)];

const kinds = (text: string) => analyzeText(text).diagnostics.map((d) => d.kind);

describe("a script's SIGCHLD handler, run after rt_sigreturn", () => {
  test('Python: one wait per signal while three exited behind it is sigchld-coalesced, in Python words', () => {
    const s = analyzeText(
      log(
        PY,
        HANDLER('001000'),
        ...THREE_CHILDREN,
        EXIT('100000', 201),
        EXIT('100100', 202),
        EXIT('100200', 203),
        SLEEP_CUT('100300'),
        SIGCHLD('100400', 201),
        SIGRETURN('100500'),
        WAIT('100600', '201'),
        `100  1700000000.100700 clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=1, tv_nsec=0}, NULL) = 0`,
      ),
    );
    const coalesced = s.diagnostics.find((d) => d.kind === 'sigchld-coalesced');
    assert.ok(coalesced, JSON.stringify(s.diagnostics.map((d) => d.kind)));
    assert.deepEqual(coalesced.pids, [100, 202, 203]);
    assert.match(coalesced.message, /Loop: call os\.waitpid\(-1, os\.WNOHANG\) until it returns pid 0 or raises ChildProcessError\.$/);
  });

  test('Python: deliveries one after another before the handler runs, then a loop until 0: nothing coalesced', () => {
    const text = log(
      PY,
      HANDLER('001000'),
      ...THREE_CHILDREN,
      EXIT('100000', 201),
      SLEEP_CUT('100050'),
      SIGCHLD('100100', 201),
      SIGRETURN('100150'),
      EXIT('100200', 202),
      SIGCHLD('100250', 202),
      SIGRETURN('100300'),
      EXIT('100350', 203),
      SIGCHLD('100400', 203),
      SIGRETURN('100450'),
      WAIT('100500', '201'),
      WAIT('100510', '202'),
      WAIT('100520', '203'),
      `100  1700000000.100530 wait4(-1, 0x7fff6db1976c, WNOHANG, NULL) = -1 ECHILD (No child processes)`,
      `100  1700000000.100600 clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=1, tv_nsec=0}, NULL) = 0`,
    );
    assert.deepEqual(
      kinds(text).filter((k) => k !== 'eintr-no-restart'),
      [],
    );
  });

  test("Python: a signal that came as the main loop's os.wait() returned is no handler run", () => {
    const text = log(
      PY,
      HANDLER('001000'),
      ...THREE_CHILDREN,
      EXIT('100000', 201),
      EXIT('100010', 202),
      EXIT('100020', 203),
      WAIT('100100', '201', '0'),
      SIGCHLD('100110', 201),
      SIGRETURN('100120', '201'),
      WAIT('100200', '202', '0'),
      `100  1700000000.100300 write(1, "202\\n", 4) = 4`,
      WAIT('100400', '203', '0'),
      `100  1700000000.100500 write(1, "203\\n", 4) = 4`,
    );
    assert.deepEqual(kinds(text), []);
  });

  test("Perl: the script's wait between rt_sigprocmask calls is the handler's; the advice is Perl's", () => {
    const s = analyzeText(
      log(
        PERL,
        HANDLER('001000'),
        ...THREE_CHILDREN,
        EXIT('100000', 201),
        EXIT('100100', 202),
        `100  1700000000.100200 pselect6(0, NULL, NULL, NULL, {tv_sec=0, tv_nsec=200000000}, NULL) = ? ERESTARTNOHAND (To be restarted if no handler)`,
        SIGCHLD('100300', 201),
        SIGRETURN('100400'),
        `100  1700000000.100500 rt_sigprocmask(SIG_BLOCK, [CHLD], [], 8) = 0`,
        WAIT('100600', '201', '0'),
        `100  1700000000.100700 rt_sigprocmask(SIG_UNBLOCK, [CHLD], NULL, 8) = 0`,
        `100  1700000000.100800 pselect6(0, NULL, NULL, NULL, {tv_sec=0, tv_nsec=200000000}, NULL) = 0 (Timeout)`,
      ),
    );
    const coalesced = s.diagnostics.find((d) => d.kind === 'sigchld-coalesced');
    assert.ok(coalesced, JSON.stringify(s.diagnostics.map((d) => d.kind)));
    assert.deepEqual(coalesced.pids, [100, 202]);
    assert.match(coalesced.message, /Loop: 1 while waitpid\(-1, WNOHANG\) > 0; \(WNOHANG from POSIX\)\.$/);
    const eintr = s.diagnostics.find((d) => d.kind === 'eintr-no-restart');
    assert.match(eintr?.message ?? '', /retry select \(pselect6 in the trace\) when \$!\{EINTR\} is set/);
  });

  test('a C program whose handler never waits: the wait after rt_sigreturn is no handler run', () => {
    const C = '100  1700000000.000000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0';
    const text = log(
      C,
      HANDLER('001000'),
      ...THREE_CHILDREN,
      EXIT('100000', 201),
      EXIT('100100', 202),
      SLEEP_CUT('100200'),
      SIGCHLD('100300', 201),
      SIGRETURN('100400'),
      WAIT('100600', '201'),
      `100  1700000000.100800 clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=1, tv_nsec=0}, NULL) = 0`,
    );
    assert.ok(!kinds(text).includes('sigchld-coalesced'));
  });
});
