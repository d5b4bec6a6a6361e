// Diagnostics: what the user is told, about which pids, on hand-written logs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SiteLocator } from '../../src/core/diagnostics';
import { analyzeText, byPid, diagnosticsOf, echoLocator, kindsOf, log, SUBREAPER_FORKS } from '../support/core';

const EXEC_SRV = '100  1700000000.000000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0';
const FORK = (child: number, t: string): string =>
  `100  1700000000.${t} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = ${child}`;
const HANDLER_RESTART =
  '100  1700000000.010000 rt_sigaction(SIGCHLD, {sa_handler=0x5600, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f00}, NULL, 8) = 0';
const HANDLER_NO_RESTART =
  '100  1700000000.010000 rt_sigaction(SIGCHLD, {sa_handler=0x5600, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0';
const sigchld = (t: string, pid: number): string =>
  `100  1700000000.${t} --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=${pid}, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`;
const reapNoHang = (t: string, pid: number): string => `100  1700000000.${t} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = ${pid}`;

describe('zombie-leak', () => {
  test('a parent that never waits: its zombies are a leak, and the message says it never calls wait', () => {
    const s = analyzeText(
      log(EXEC_SRV, FORK(101, '100000'), FORK(102, '110000'), '101  1700000000.200000 +++ exited with 0 +++', '102  1700000000.300000 +++ exited with 0 +++'),
    );
    const leaks = diagnosticsOf(s, 'zombie-leak');
    assert.equal(leaks.length, 1);
    assert.equal(leaks[0].severity, 'error');
    assert.deepEqual(leaks[0].pids, [100, 101, 102]);
    assert.equal(leaks[0].time, 0.2);
    assert.match(leaks[0].message, /^srv \(pid 100\) never reaped 2 child processes \(pids 101, 102\): they stayed zombies until the trace ended\./);
    assert.match(leaks[0].message, /It never calls wait\(\), waitpid\(\) or waitid\(\)\./);
  });

  describe('children made by popen() or posix_spawn(): the fix names what reaps them', () => {
    // Log line 2 is the first clone, line 3 the second: a locator that says which library call made each.
    const madeBy =
      (vias: Record<number, string[] | undefined>): SiteLocator =>
      (site, role) => ({
        location: { file: '/src/srv.c', line: site.event.line, function: role },
        note: null,
        ...(role === 'fork' && vias[site.event.line] ? { via: vias[site.event.line] } : {}),
      });
    const leak = (locate: SiteLocator, wait = false): string => {
      const lines = [
        EXEC_SRV,
        FORK(101, '100000'),
        FORK(102, '110000'),
        '101  1700000000.200000 +++ exited with 0 +++',
        '102  1700000000.300000 +++ exited with 0 +++',
      ];
      if (wait)
        lines.push('103  1700000000.350000 +++ exited with 0 +++', '100  1700000000.400000 wait4(103, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 103');
      if (wait) lines.splice(3, 0, FORK(103, '120000'));
      return diagnosticsOf(analyzeText(log(...lines), {}, locate), 'zombie-leak')[0].message;
    };
    const GENERAL = /Reap children: install a SIGCHLD handler that loops/;

    test('popen(): pclose() waits for them, and a handler that reaps them breaks pclose()', () => {
      const m = leak(madeBy({ 2: ['popen'], 3: ['popen'] }));
      assert.match(
        m,
        /It never calls wait\(\), waitpid\(\) or waitid\(\)\. These children were made by popen\(\)\. pclose\(\) closes the stream popen\(\) returned and waits for its child: call it on every such stream\. A SIGCHLD handler that reaps them would make pclose\(\) fail with ECHILD\.$/,
      );
      assert.doesNotMatch(m, GENERAL);
    });

    test('posix_spawn() and posix_spawnp(): waitpid() with the pid it returned', () => {
      assert.match(
        leak(madeBy({ 2: ['posix_spawn'], 3: ['posix_spawnp'] })),
        /These children were made by posix_spawn\(\)\. posix_spawn\(\) does not wait: call waitpid\(\) with the pid it returned/,
      );
    });

    test('a parent that waits for another child: the same advice, at its wait', () => {
      assert.match(
        leak(madeBy({ 2: ['popen'], 3: ['popen'] }), true),
        /It calls wait4, but never for these children\. These children were made by popen\(\)\./,
      );
    });

    test('one from each, or either for each (the default trace cannot tell): both fixes, without claiming which', () => {
      const expected = /They came from popen\(\) or posix_spawn\(\)\. pclose\(\) closes .* posix_spawn\(\) does not wait/;
      assert.match(leak(madeBy({ 2: ['popen'], 3: ['posix_spawnp'] })), expected);
      assert.match(leak(madeBy({ 2: ['popen', 'posix_spawnp'], 3: ['popen', 'posix_spawnp'] })), expected);
    });

    test('fork(), system(), or one child whose call is not known: the general advice', () => {
      assert.match(leak(madeBy({ 2: ['fork'], 3: ['fork'] })), GENERAL);
      assert.match(leak(madeBy({ 2: ['popen', 'system'], 3: ['popen'] })), GENERAL);
      assert.match(leak(madeBy({ 2: ['popen'], 3: undefined })), GENERAL);
    });
  });

  test("a zombie its parent left to a traced subreaper that never reaps it either is still the parent's leak", () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        ...SUBREAPER_FORKS,
        '102  1700000000.300000 +++ exited with 0 +++',
        '101  1700000000.400000 +++ exited with 0 +++',
        '100  1700000000.500000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      ),
    );
    assert.equal(byPid(s, 102).state, 'zombie');
    const [leak] = diagnosticsOf(s, 'zombie-leak');
    assert.deepEqual(leak.pids, [101, 102]);
    assert.match(leak.message, /^srv \(pid 101\) never reaped 1 child process \(pid 102\): it stayed a zombie until the trace ended\./);
  });

  test('a parent that waits, but not for these children: the message names its wait call', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        FORK(101, '100000'),
        FORK(102, '110000'),
        '101  1700000000.200000 +++ exited with 0 +++',
        '102  1700000000.300000 +++ exited with 0 +++',
        '100  1700000000.400000 wait4(102, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 102',
      ),
    );
    const [leak] = diagnosticsOf(s, 'zombie-leak');
    assert.deepEqual(leak.pids, [100, 101]);
    assert.match(leak.message, /never reaped 1 child process \(pid 101\): it stayed a zombie until the trace ended\./);
    assert.match(leak.message, /It calls wait4, but never for this child\./);
  });

  // A trace stopped or detached (or a live picture) while a zombie waits for a parent that reaps
  // every child 100 ms after its exit: seen on every attach to such a server, as a false error.
  const reapsLate = (end: string): string =>
    log(
      EXEC_SRV,
      '100  1700000000.001000 write(1, "x", 1) = 1',
      FORK(101, '100000'),
      '101  1700000000.110000 +++ exited with 0 +++',
      '100  1700000000.210000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      FORK(102, '220000'),
      '102  1700000000.230000 +++ exited with 0 +++',
      `100  1700000000.${end} getppid() = 1`,
    );

  test('a zombie the trace ended on sooner than its parent reaps the others (100 ms) is no leak yet; still a zombie in the picture', () => {
    const s = analyzeText(reapsLate('280000'));
    assert.equal(byPid(s, 102).state, 'zombie');
    assert.deepEqual(diagnosticsOf(s, 'zombie-leak'), []);
  });

  test('a reaping loop the end cut short (it reaped others after this one exited, but never found none) is no leak yet', () => {
    // A detach from reap_loop_server: its handler reaped 101 and 102 after 103 exited, and would have reaped 103 next.
    const s = analyzeText(
      log(
        EXEC_SRV,
        HANDLER_RESTART,
        // An earlier run of the handler: it loops until no child is ready.
        FORK(99, '020000'),
        '99   1700000000.030000 +++ exited with 0 +++',
        sigchld('031000', 99),
        reapNoHang('032000', 99),
        '100  1700000000.033000 wait4(-1, 0x7ffd0000, WNOHANG, NULL) = 0',
        '100  1700000000.034000 rt_sigreturn({mask=[]}) = 43',
        FORK(101, '100000'),
        FORK(102, '110000'),
        FORK(103, '120000'),
        '101  1700000000.130000 +++ exited with 0 +++',
        '102  1700000000.131000 +++ exited with 0 +++',
        '103  1700000000.132000 +++ exited with 0 +++',
        sigchld('133000', 101),
        reapNoHang('134000', 101),
        reapNoHang('135000', 102),
      ),
    );
    assert.equal(byPid(s, 103).state, 'zombie');
    assert.deepEqual(diagnosticsOf(s, 'zombie-leak'), []);
  });

  test('a WNOHANG wait that found none after it exited passed it by: a leak, however young', () => {
    const s = analyzeText(reapsLate('280000').replace(/\n$/, `\n100  1700000000.270000 wait4(-1, 0x7ffd0000, WNOHANG, NULL) = 0\n`));
    assert.deepEqual(diagnosticsOf(s, 'zombie-leak')[0]?.pids, [100, 102]);
  });

  test('past twice that, it is a leak', () => {
    const [leak] = diagnosticsOf(analyzeText(reapsLate('440000')), 'zombie-leak');
    assert.deepEqual(leak?.pids, [100, 102]);
  });

  test('in a log without timestamps no age is known, so there is no grace: a leak', () => {
    const untimed = reapsLate('280000').replace(/^(\d+) +1700000000\.\d+ /gm, '$1 ');
    assert.doesNotMatch(untimed, /1700000000/);
    const s = analyzeText(untimed);
    assert.equal(byPid(s, 102).state, 'zombie');
    assert.deepEqual(diagnosticsOf(s, 'zombie-leak')[0]?.pids, [100, 102]);
  });

  test('zombies reaped by init after their parent died are still a leak of that parent', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        FORK(101, '100000'),
        '101  1700000000.200000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
        '102  1700000000.300000 +++ exited with 0 +++',
        '101  1700000000.600000 +++ exited with 0 +++',
        '100  1700000000.700000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      ),
    );
    const leaks = diagnosticsOf(s, 'zombie-leak');
    assert.deepEqual(
      leaks.map((d) => d.pids),
      [[101, 102]],
    );
    assert.match(leaks[0].message, /it stayed a zombie until srv \(pid 101\) exited and init or a subreaper outside the trace reaped it/);
  });

  test('an adopted zombie is a leak, not an orphan, also in a log without timestamps', () => {
    const s = analyzeText(
      log(
        '100  execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
        '102  +++ exited with 0 +++',
        '101  +++ exited with 0 +++',
        '100  wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      ),
    );
    assert.deepEqual(
      s.diagnostics.map((d) => [d.kind, d.pids]),
      [['zombie-leak', [101, 102]]],
    );
  });

  test('a handler that reaps once: the leak message blames SIGCHLD coalescing', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        HANDLER_RESTART,
        FORK(101, '100000'),
        FORK(102, '110000'),
        '101  1700000000.200000 +++ exited with 0 +++',
        '102  1700000000.210000 +++ exited with 0 +++',
        sigchld('220000', 101),
        reapNoHang('230000', 101),
        '100  1700000000.240000 rt_sigreturn({mask=[]}) = 43',
      ),
    );
    const [leak] = diagnosticsOf(s, 'zombie-leak');
    assert.deepEqual(leak.pids, [100, 102]);
    assert.match(leak.message, /Its SIGCHLD handler reaps one child per signal/);
    assert.match(leak.message, /while \(waitpid\(-1, &status, WNOHANG\) > 0\)/);
  });

  test('auto-reaped children are no leak', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.010000 rt_sigaction(SIGCHLD, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0',
        FORK(101, '100000'),
        '101  1700000000.200000 +++ exited with 0 +++',
      ),
    );
    assert.deepEqual(s.diagnostics, []);
  });
});

describe('sigchld-coalesced', () => {
  test('two exits behind one SIGCHLD and a handler that waits once: reported with the pid left behind', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        HANDLER_RESTART,
        FORK(101, '100000'),
        FORK(102, '110000'),
        '101  1700000000.200000 +++ exited with 0 +++',
        '102  1700000000.210000 +++ exited with 0 +++',
        sigchld('220000', 101),
        reapNoHang('230000', 101),
        '100  1700000000.240000 rt_sigreturn({mask=[]}) = 43',
      ),
    );
    const coalesced = diagnosticsOf(s, 'sigchld-coalesced');
    assert.equal(coalesced.length, 1);
    assert.equal(coalesced[0].severity, 'warning');
    assert.deepEqual(coalesced[0].pids, [100, 102]);
    assert.match(coalesced[0].message, /pid 102 left as a zombie/);
    assert.equal(byPid(s, 102).state, 'zombie');
  });

  test("a child that exits while SIGCHLD is blocked stays a zombie until the handler's second waitpid", () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        HANDLER_RESTART,
        FORK(101, '100000'),
        FORK(102, '110000'),
        '101  1700000000.200000 +++ exited with 0 +++',
        sigchld('220000', 101),
        '102  1700000000.230000 +++ exited with 0 +++',
        reapNoHang('240000', 101),
        reapNoHang('250000', 102),
        '100  1700000000.260000 wait4(-1, 0x7ffd0000, WNOHANG, NULL) = -1 ECHILD (No child processes)',
        '100  1700000000.270000 rt_sigreturn({mask=[]}) = 43',
      ),
    );
    assert.deepEqual(byPid(s, 102).zombie, { from: 0.23, to: 0.25 });
    assert.deepEqual(byPid(s, 102).reaped, { time: 0.25, by: 100, how: 'wait', seen: true });
    assert.deepEqual(s.diagnostics, []);
  });

  test('a reap-once handler whose every exit got its own SIGCHLD leaves no zombie and is not reported', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        HANDLER_RESTART,
        FORK(101, '100000'),
        FORK(102, '110000'),
        '101  1700000000.200000 +++ exited with 0 +++',
        sigchld('220000', 101),
        '102  1700000000.230000 +++ exited with 0 +++',
        reapNoHang('240000', 101),
        '100  1700000000.250000 rt_sigreturn({mask=[]}) = 43',
        sigchld('260000', 102),
        reapNoHang('270000', 102),
        '100  1700000000.280000 rt_sigreturn({mask=[]}) = 43',
      ),
    );
    assert.equal(byPid(s, 101).state, 'reaped');
    assert.equal(byPid(s, 102).state, 'reaped');
    assert.deepEqual(diagnosticsOf(s, 'sigchld-coalesced'), []);
    assert.deepEqual(s.diagnostics, []);
  });

  test('without rt_sigreturn in the trace, the handler run ends at the next call that is not a wait', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        HANDLER_RESTART,
        FORK(101, '100000'),
        FORK(102, '110000'),
        '101  1700000000.200000 +++ exited with 0 +++',
        '102  1700000000.210000 +++ exited with 0 +++',
        sigchld('220000', 101),
        reapNoHang('230000', 101),
        '100  1700000000.240000 accept(3, NULL, NULL) = 4',
      ),
    );
    assert.deepEqual(
      diagnosticsOf(s, 'sigchld-coalesced').map((d) => d.pids),
      [[100, 102]],
    );
  });
});

describe('eintr-no-restart', () => {
  const interrupted = (sigaction: string | null, sigreturn: string): string =>
    log(
      EXEC_SRV,
      ...(sigaction ? [sigaction] : []),
      FORK(101, '100000'),
      '100  1700000000.110000 accept(3, NULL, NULL <unfinished ...>',
      '101  1700000000.200000 exit_group(0)   = ?',
      '101  1700000000.210000 +++ exited with 0 +++',
      '100  1700000000.220000 <... accept resumed>) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)',
      sigchld('230000', 101),
      reapNoHang('240000', 101),
      '100  1700000000.250000 wait4(-1, 0x7ffd0000, WNOHANG, NULL) = -1 ECHILD (No child processes)',
      `100  1700000000.260000 ${sigreturn}`,
      '100  1700000000.270000 accept(3, NULL, NULL) = 4',
    );

  test('ERESTARTSYS, then SIGCHLD to a handler installed without SA_RESTART: reported', () => {
    const s = analyzeText(interrupted(HANDLER_NO_RESTART, 'rt_sigreturn({mask=[]}) = -1 EINTR (Interrupted system call)'));
    const eintr = diagnosticsOf(s, 'eintr-no-restart');
    assert.equal(eintr.length, 1);
    assert.equal(eintr[0].severity, 'warning');
    assert.deepEqual(eintr[0].pids, [100]);
    assert.equal(eintr[0].time, 0.22);
    assert.match(eintr[0].message, /^accept in srv \(pid 100\) was interrupted by SIGCHLD and failed with EINTR \("Interrupted system call"\) 1 time/);
    assert.match(eintr[0].message, /Add SA_RESTART/);
  });

  test('the same with SA_RESTART: not reported', () => {
    const s = analyzeText(interrupted(HANDLER_RESTART, 'rt_sigreturn({mask=[]}) = 43'));
    assert.deepEqual(diagnosticsOf(s, 'eintr-no-restart'), []);
    assert.deepEqual(s.diagnostics, []);
  });

  test('SA_RESTART as the last field of the struct (no sa_restorer, as on aarch64): not reported', () => {
    const s = analyzeText(
      interrupted(
        '100  1700000000.010000 rt_sigaction(SIGCHLD, {sa_handler=0x5600, sa_mask=[], sa_flags=SA_RESTART}, NULL, 8) = 0',
        'rt_sigreturn({mask=[]}) = 43',
      ),
    );
    assert.deepEqual(diagnosticsOf(s, 'eintr-no-restart'), []);
  });

  test('no handler at all (SIG_DFL) but ERESTARTSYS under ptrace: not reported', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        FORK(101, '100000'),
        '100  1700000000.110000 accept(3, NULL, NULL <unfinished ...>',
        '101  1700000000.210000 +++ exited with 0 +++',
        '100  1700000000.220000 <... accept resumed>) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)',
        sigchld('230000', 101),
        '100  1700000000.240000 accept(3, NULL, NULL) = 4',
      ),
    );
    assert.deepEqual(diagnosticsOf(s, 'eintr-no-restart'), []);
  });

  test('the sigaction is not in the log: rt_sigreturn `= -1 EINTR` is the evidence, and it is reported', () => {
    const s = analyzeText(interrupted(null, 'rt_sigreturn({mask=[]}) = -1 EINTR (Interrupted system call)'));
    const eintr = diagnosticsOf(s, 'eintr-no-restart');
    assert.deepEqual(
      eintr.map((d) => d.pids),
      [[100]],
    );
    assert.match(eintr[0].message, /^accept in srv \(pid 100\)/);
  });

  test('the sigaction is not in the log and rt_sigreturn restarts the call: not reported', () => {
    const s = analyzeText(interrupted(null, 'rt_sigreturn({mask=[]}) = 43'));
    assert.deepEqual(diagnosticsOf(s, 'eintr-no-restart'), []);
  });

  test("the call was the Python 3 interpreter's: info, it retries by itself (PEP 475); a bare `python` may be Python 2: a warning as for C", () => {
    const asPython = (path: string, name: string): string =>
      interrupted(HANDLER_NO_RESTART, 'rt_sigreturn({mask=[]}) = -1 EINTR (Interrupted system call)').replace(
        EXEC_SRV,
        `100  1700000000.000000 execve("${path}", ["${name}", "srv.py"], 0x7ffd0000 /* 3 vars */) = 0`,
      );
    const [python3] = diagnosticsOf(analyzeText(asPython('/usr/bin/python3.11', 'python3')), 'eintr-no-restart');
    assert.equal(python3.severity, 'info');
    assert.match(
      python3.message,
      /: python3\.11 retries a call that fails with EINTR by itself once the handler has run \(Python 3\.5 and later, PEP 475\), so the script does not see the EINTR unless its signal handler raises an exception\. Nothing to fix\.$/,
    );
    const [python] = diagnosticsOf(analyzeText(asPython('/usr/bin/python', 'python')), 'eintr-no-restart');
    assert.equal(python.severity, 'warning');
    assert.match(python.message, /the SIGCHLD handler was installed without SA_RESTART\. Add SA_RESTART/);
  });

  const selectInterrupted = (sigaction: string | null): string =>
    log(
      EXEC_SRV,
      ...(sigaction ? [sigaction] : []),
      FORK(101, '100000'),
      '100  1700000000.110000 select(4, [3], NULL, NULL, NULL <unfinished ...>',
      '101  1700000000.210000 +++ exited with 0 +++',
      '100  1700000000.220000 <... select resumed>) = ? ERESTARTNOHAND (To be restarted if no handler)',
      sigchld('230000', 101),
      reapNoHang('240000', 101),
      '100  1700000000.250000 wait4(-1, 0x7ffd0000, WNOHANG, NULL) = -1 ECHILD (No child processes)',
      '100  1700000000.260000 rt_sigreturn({mask=[]}) = -1 EINTR (Interrupted system call)',
    );
  const EINTR_SELECT = 'select in srv (pid 100) was interrupted by SIGCHLD and failed with EINTR ("Interrupted system call") 1 time: ';

  test('ERESTARTNOHAND (select) with a handler that has SA_RESTART (as GNU make installs it): info, says the handler has it and the call is never restarted', () => {
    const [eintr, ...more] = diagnosticsOf(analyzeText(selectInterrupted(HANDLER_RESTART)), 'eintr-no-restart');
    assert.deepEqual(more, []);
    assert.deepEqual(eintr.pids, [100]);
    assert.equal(eintr.severity, 'info', 'nothing in how the handler is installed is wrong');
    assert.equal(
      eintr.message,
      `${EINTR_SELECT}the SIGCHLD handler has SA_RESTART, but the kernel never restarts select after a signal handler ran: retry select when errno == EINTR.`,
    );
    assert.doesNotMatch(eintr.message, /without SA_RESTART/);
  });

  test('ERESTARTNOHAND (select) with a handler installed without SA_RESTART: a warning, and SA_RESTART would not help either', () => {
    const [eintr] = diagnosticsOf(analyzeText(selectInterrupted(HANDLER_NO_RESTART)), 'eintr-no-restart');
    assert.equal(eintr.severity, 'warning');
    assert.equal(
      eintr.message,
      `${EINTR_SELECT}the SIGCHLD handler was installed without SA_RESTART, and select fails with EINTR even with it: retry select when errno == EINTR.`,
    );
  });

  test('ERESTARTNOHAND (select), the handler never installed in the trace: a warning that claims nothing about SA_RESTART', () => {
    const [eintr] = diagnosticsOf(analyzeText(selectInterrupted(null)), 'eintr-no-restart');
    assert.equal(eintr.severity, 'warning');
    assert.equal(
      eintr.message,
      `${EINTR_SELECT}select fails with EINTR after any signal handler ran, with SA_RESTART or without: retry select when errno == EINTR.`,
    );
  });

  test('two interruptions of the same call are one diagnostic counting 2 times', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        HANDLER_NO_RESTART,
        FORK(101, '100000'),
        '101  1700000000.110000 +++ exited with 0 +++',
        '100  1700000000.120000 accept(3, NULL, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)',
        sigchld('130000', 101),
        reapNoHang('140000', 101),
        '100  1700000000.150000 rt_sigreturn({mask=[]}) = -1 EINTR (Interrupted system call)',
        FORK(102, '200000'),
        '102  1700000000.210000 +++ exited with 0 +++',
        '100  1700000000.220000 accept(3, NULL, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)',
        sigchld('230000', 102),
        reapNoHang('240000', 102),
        '100  1700000000.250000 rt_sigreturn({mask=[]}) = -1 EINTR (Interrupted system call)',
      ),
    );
    const eintr = diagnosticsOf(s, 'eintr-no-restart');
    assert.equal(eintr.length, 1);
    assert.match(eintr[0].message, / 2 times: /);
  });
});

describe('orphan-adopted', () => {
  const doubleFork = (middleExit: string, extra: string[] = []): string =>
    log(
      EXEC_SRV,
      FORK(101, '100000'),
      '101  1700000000.110000 setsid()        = 101',
      '101  1700000000.120000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
      `101  ${middleExit} +++ exited with 0 +++`,
      `100  ${middleExit} wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101`,
      ...extra,
      '102  1700000009.000000 exit_group(0)   = ?',
      '102  1700000009.100000 +++ exited with 0 +++',
    );

  test('a double fork (the middle process exits at once, its parent reaps it) is named deliberate', () => {
    const s = analyzeText(doubleFork('1700000000.130000', ['102  1700000000.200000 getppid()       = 1']));
    assert.deepEqual(kindsOf(s), ['orphan-adopted']);
    const [d] = diagnosticsOf(s, 'orphan-adopted');
    assert.equal(d.severity, 'info');
    assert.deepEqual(d.pids, [102, 101, 1]);
    assert.equal(d.time, 0.13);
    assert.match(
      d.message,
      /^srv \(pid 102\) was orphaned on purpose: a double fork\. Its parent srv \(pid 101\) forked it and exited at once, so init \(pid 1\) adopted it/,
    );
    assert.match(d.message, /reaped it unseen/);
  });

  test('a parent that dies long after forking orphans its child by accident: not called a double fork', () => {
    const s = analyzeText(doubleFork('1700000005.000000'));
    const [d] = diagnosticsOf(s, 'orphan-adopted');
    assert.deepEqual(d.pids, [102, 101]);
    assert.match(d.message, /^srv \(pid 102\) was orphaned when its parent srv \(pid 101\) exited, and init or a subreaper outside the trace adopted it\./);
    assert.doesNotMatch(d.message, /double fork/);
  });

  // A server that double-forks each connection: per connection a middle process (2xx) that
  // forks the handler (3xx) and exits at once; the server reaps the middle one.
  const doubleForkServer = (connections: number): string => {
    const lines = [EXEC_SRV];
    for (let i = 0; i < connections; i++) {
      const t = (n: number): string => `1700000000.${String(100000 + i * 10000 + n * 1000).padStart(6, '0')}`;
      const middle = 200 + i;
      const handler = 300 + i;
      lines.push(
        `100  ${t(0)} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = ${middle}`,
        `${middle}  ${t(1)} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = ${handler}`,
        `${middle}  ${t(2)} +++ exited with 0 +++`,
        `100  ${t(3)} wait4(${middle}, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = ${middle}`,
        `${handler}  ${t(4)} +++ exited with 0 +++`,
      );
      // The first handler asks who its parent is now: init. The others never say.
      if (i === 0) lines.splice(lines.length - 1, 0, `${handler}  ${t(3)} getppid()       = 1`);
    }
    return log(...lines);
  };

  test('a server that double-forks every connection gets one finding for all its orphans, not one each, naming the adopter one of them revealed', () => {
    const s = analyzeText(doubleForkServer(12));
    const found = diagnosticsOf(s, 'orphan-adopted');
    assert.equal(found.length, 1);
    const [d] = found;
    assert.equal(
      d.message,
      "srv (pid 100) double-forked 12 processes on purpose (pids 300, 301, 302, 303, 304, 305, 306, 307 and 4 more): each one's parent forked it and exited at once, so init (pid 1) adopted them and the original program never has to reap them. All exited, and their adopter, outside the trace, reaped them unseen.",
    );
    // Every orphan, middle process and adopter can find it (the panel shows a process's findings by pid).
    assert.deepEqual(d.pids, [...Array.from({ length: 12 }, (_, i) => 300 + i), ...Array.from({ length: 12 }, (_, i) => 200 + i), 1]);
    assert.equal(d.time, 0.102);
  });

  test('a parent that exits while several children run: one finding for the children it orphaned', () => {
    const s = analyzeText(log(EXEC_SRV, FORK(101, '100000'), FORK(102, '110000'), '100  1700000000.500000 +++ exited with 0 +++'));
    const found = diagnosticsOf(s, 'orphan-adopted');
    assert.equal(found.length, 1);
    assert.equal(
      found[0].message,
      '2 children of srv (pid 100) (pids 101, 102) were orphaned when it exited, and init or a subreaper outside the trace adopted them.',
    );
    assert.deepEqual(found[0].pids, [101, 102, 100]);
  });
});

describe('zombie-lingering', () => {
  const lateWait = (reapAt: string): string =>
    log(
      EXEC_SRV,
      FORK(101, '100000'),
      '101  1700000000.200000 exit_group(0)   = ?',
      '101  1700000000.300000 +++ exited with 0 +++',
      `100  ${reapAt} wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101`,
    );

  test('a zombie reaped more than 1 s after its exit is reported (default threshold)', () => {
    const s = analyzeText(lateWait('1700000002.500000'));
    const [d] = diagnosticsOf(s, 'zombie-lingering');
    assert.equal(d.severity, 'info');
    assert.deepEqual(d.pids, [100, 101]);
    assert.equal(d.time, 0.3);
    assert.match(d.message, /^1 child of srv \(pid 100\) stayed a zombie longer than 1 s before being reaped \(longest: pid 101, 2\.200 s\)/);
    assert.deepEqual(kindsOf(s), ['zombie-lingering']);
    // It points at the wait that reaped late (line 5 of the log), the one wait site the model keeps.
    const [located] = diagnosticsOf(analyzeText(lateWait('1700000002.500000'), {}, echoLocator), 'zombie-lingering');
    assert.deepEqual(located.location, { file: '', line: 5, function: 'wait:wait4' });
  });

  test('a zombie reaped 0.5 s after its exit is not reported by default', () => {
    assert.deepEqual(analyzeText(lateWait('1700000000.800000')).diagnostics, []);
  });

  test('lingerThreshold lowers the bar', () => {
    const s = analyzeText(lateWait('1700000000.800000'), { lingerThreshold: 0.25 });
    const [d] = diagnosticsOf(s, 'zombie-lingering');
    assert.deepEqual(d.pids, [100, 101]);
    assert.match(d.message, /longer than 0\.25 s/);
    assert.match(d.message, /pid 101, 0\.500 s/);
  });

  test('lingerThreshold raises the bar', () => {
    assert.deepEqual(diagnosticsOf(analyzeText(lateWait('1700000002.500000'), { lingerThreshold: 5 }), 'zombie-lingering'), []);
  });
});

test('a fork that fails with EAGAIN is a fork-failed finding at the fork, and makes no process', () => {
  const s = analyzeText(
    [
      '100  1700000000.000000 execve("/usr/bin/srv", ["srv"], 0x7ffd /* 3 vars */) = 0',
      '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
      '100  1700000000.200000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = -1 EAGAIN (Resource temporarily unavailable)',
      '100  1700000000.300000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = -1 EAGAIN (Resource temporarily unavailable)',
    ].join('\n') + '\n',
  );
  assert.equal(s.processes.length, 2);
  const failed = s.diagnostics.filter((d) => d.kind === 'fork-failed');
  assert.equal(failed.length, 1);
  assert.deepEqual(failed[0].pids, [100]);
  assert.equal(failed[0].severity, 'warning');
  assert.equal(failed[0].time, 0.2);
  assert.match(failed[0].message, /^fork failed 2 times in srv \(pid 100\) with EAGAIN: the process limit was reached/);
});
