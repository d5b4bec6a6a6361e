// The process model against design.md §2, one rule per test, on hand-written logs.
// Times are -ttt stamps from 1700000000.000000, so snapshot times read as offsets.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceSession } from '../../src/core/session';
import { analyzeText, byId, byPid, diagnosticsOf, log, SUBREAPER_FORKS } from '../support/core';

const EXEC_SRV = '100  1700000000.000000 execve("/usr/bin/srv", ["srv", "--port", "8080"], 0x7ffd0000 /* 3 vars */) = 0';
const THREAD_FLAGS = 'CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID';

describe('threads are grouped under their process', () => {
  const text = log(
    EXEC_SRV,
    `100  1700000000.100000 clone3({flags=${THREAD_FLAGS}, child_tid=0x7f00, parent_tid=0x7f00, exit_signal=0, stack=0x7f00, stack_size=0x7fff80, tls=0x7f00} => {parent_tid=[101]}, 88) = 101`,
    `100  1700000000.200000 clone(child_stack=0x7f00, flags=${THREAD_FLAGS}, parent_tid=[102], tls=0x7f00, child_tidptr=0x7f00) = 102`,
    '101  1700000000.300000 exit(0)         = ?',
    '101  1700000000.400000 +++ exited with 0 +++',
    '102  1700000000.500000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 103',
    '103  1700000000.600000 exit_group(9)   = ?',
    '103  1700000000.700000 +++ exited with 9 +++',
    '102  1700000000.800000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 9}], 0, NULL) = 103',
  );

  test('CLONE_THREAD makes threads of one process, counted in threads', () => {
    const s = analyzeText(text);
    assert.deepEqual(
      s.processes.map((p) => p.id),
      ['100', '103'],
    );
    assert.equal(byPid(s, 100).threads, 3);
    assert.equal(s.summary.processes, 2);
  });

  test('a thread exiting does not end its process', () => {
    const p = byPid(analyzeText(text), 100);
    assert.equal(p.state, 'running');
    assert.equal(p.exit, null);
  });

  test("a child forked by a non-leader thread has the process as parent, and a thread's wait reaps for the process", () => {
    const s = analyzeText(text);
    const child = byPid(s, 103);
    assert.equal(child.parentPid, 100);
    assert.equal(child.command, 'srv');
    assert.deepEqual(child.reaped, { time: 0.8, by: 100, how: 'wait', seen: true });
  });

  test("a SIGCHLD disposition a thread set before its clone returned is its process's: threads share it", () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        `100  1700000000.100000 clone(child_stack=0x7f00, flags=${THREAD_FLAGS} <unfinished ...>`,
        '101  1700000000.150000 rt_sigaction(SIGCHLD, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0',
        '100  1700000000.200000 <... clone resumed>, parent_tid=[101], tls=0x7f00, child_tidptr=0x7f00) = 101',
        '100  1700000000.300000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
        '102  1700000000.400000 exit_group(0)   = ?',
        '102  1700000000.500000 +++ exited with 0 +++',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => p.id),
      ['100', '102'],
    );
    assert.deepEqual(byPid(s, 102).reaped, { time: 0.5, by: 100, how: 'auto', seen: true });
  });

  // A log recorded with `strace -f -p` after the threads were made: no clone names them.
  describe('in a log begun mid-run, a record that names a thread group', () => {
    const FORK = 'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00)';
    // Thread 101 of 100 forks 103, which exits; 100 reaps it; 102, a third task, only sleeps.
    const midRun = (...evidence: string[]): string =>
      log(
        '100  1700000000.000000 wait4(-1, 0x7ffc0000, WNOHANG, NULL) = 0',
        '102  1700000000.050000 rt_sigprocmask(SIG_BLOCK, [CHLD], NULL, 8) = 0',
        `101  1700000000.100000 ${FORK} = 103`,
        ...evidence,
        '103  1700000000.300000 exit_group(9)   = ?',
        '103  1700000000.400000 +++ exited with 9 +++',
        '100  1700000000.500000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 9}], 0, NULL) = 103',
      );
    const picture = (text: string) => {
      const s = analyzeText(text);
      const child = byPid(s, 103);
      return {
        processes: s.processes.map((p) => p.id),
        summary: s.summary.processes,
        threads: byPid(s, 100).threads,
        child: [child.parentPid, child.reaped?.by],
      };
    };

    test("getpid() in a thread returns its process's pid: the thread joins it, and what it forked is the process's", () => {
      assert.deepEqual(picture(midRun('101  1700000000.200000 getpid()        = 100')), {
        processes: ['100', '102', '103'],
        summary: 3,
        threads: 2,
        child: [100, 100],
      });
    });

    test('tgkill(TGID, TID) that succeeded: TID is a thread of TGID', () => {
      assert.deepEqual(picture(midRun('100  1700000000.200000 tgkill(100, 101, SIGUSR1) = 0')).processes, ['100', '102', '103']);
    });

    test('without such a record, or with one that proves nothing, each task stays drawn apart (the first warning says why)', () => {
      const apart = { processes: ['100', '102', '101', '103'], summary: 4, threads: 1, child: [101, 100] };
      assert.deepEqual(picture(midRun()), apart);
      assert.deepEqual(picture(midRun('100  1700000000.200000 tgkill(100, 101, SIGUSR1) = -1 ESRCH (No such process)')), apart, 'a failed tgkill');
      assert.deepEqual(picture(midRun('101  1700000000.200000 getpid()        = 101')), apart, "a leader's own pid");
      assert.deepEqual(picture(midRun('101  1700000000.200000 getpid()        = -1 ENOSYS (Function not implemented)')), apart, 'no pid');
    });

    test("a thread whose process's own task comes later in the log joins it then; a pid no task has groups nothing", () => {
      const lines = [
        `101  1700000000.100000 ${FORK} = 103`,
        '101  1700000000.150000 read(3, "x", 1) = 1',
        '101  1700000000.200000 getpid()        = 100',
        '103  1700000000.300000 +++ exited with 0 +++',
        '101  1700000000.400000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 103',
      ];
      const s = analyzeText(log(...lines, '100  1700000000.500000 wait4(-1, 0x7ffc0000, WNOHANG, NULL) = -1 ECHILD (No child processes)'));
      assert.deepEqual(
        s.processes.map((p) => [p.id, p.parentPid, p.threads, p.state, p.before ?? null, p.reaped?.by ?? null]),
        [
          ['103', 100, 1, 'reaped', null, 100],
          ['100', null, 2, 'running', true, null],
        ],
      );
      // In another pid namespace (a container traced from the host), getpid() names no task of the log.
      assert.deepEqual(
        analyzeText(log(...lines)).processes.map((p) => [p.id, p.parentPid]),
        [
          ['101', null],
          ['103', 101],
        ],
      );
    });

    test('threads the thread made while drawn apart, and what they fork, join the process with it', () => {
      const s = analyzeText(
        log(
          '100  1700000000.000000 wait4(-1, 0x7ffc0000, WNOHANG, NULL) = 0',
          `101  1700000000.100000 clone(child_stack=0x7f00, flags=${THREAD_FLAGS}, parent_tid=[104], tls=0x7f00, child_tidptr=0x7f00) = 104`,
          `104  1700000000.150000 ${FORK} = 105`,
          '101  1700000000.200000 getpid()        = 100',
          '105  1700000000.300000 +++ exited with 0 +++',
          '104  1700000000.400000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 105',
          '104  1700000000.500000 exit(0)         = ?',
          '104  1700000000.500100 +++ exited with 0 +++',
        ),
      );
      assert.deepEqual(
        s.processes.map((p) => [p.id, p.parentPid, p.threads, p.state, p.reaped?.by ?? null]),
        [
          ['100', null, 3, 'running', null],
          ['105', 100, 1, 'reaped', 100],
        ],
      );
    });

    test("a zombie the thread's fork left is the process's, and so is the leak", () => {
      const s = analyzeText(
        log(
          '100  1700000000.000000 rt_sigprocmask(SIG_BLOCK, [CHLD], NULL, 8) = 0',
          `101  1700000000.100000 ${FORK} = 103`,
          '101  1700000000.200000 getpid()        = 100',
          '103  1700000000.300000 +++ exited with 0 +++',
          '100  1700000005.000000 rt_sigprocmask(SIG_BLOCK, [CHLD], NULL, 8) = 0',
        ),
      );
      assert.deepEqual([byPid(s, 103).state, byPid(s, 103).parentPid], ['zombie', 100]);
      assert.deepEqual(
        s.diagnostics.filter((d) => d.kind === 'zombie-leak').map((d) => d.pids),
        [[100, 103]],
      );
    });

    test('in a log that began with the program (strace started it), getpid() changes nothing', () => {
      const s = analyzeText(log(EXEC_SRV, '100  1700000000.100000 getpid()        = 100', '101  1700000000.200000 getpid()        = 100'));
      assert.deepEqual(
        s.processes.map((p) => p.id),
        ['100', '101'],
      );
    });
  });

  test("exit_group: the process exits with the leader's status once its last thread is gone", () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        `100  1700000000.100000 clone(child_stack=0x7f00, flags=${THREAD_FLAGS}, parent_tid=[101], tls=0x7f00, child_tidptr=0x7f00) = 101`,
        '101  1700000000.200000 exit_group(3)   = ?',
        '101  1700000000.300000 +++ exited with 3 +++',
        '100  1700000000.400000 +++ exited with 3 +++',
      ),
    );
    assert.equal(s.processes.length, 1);
    assert.deepEqual(byPid(s, 100).exit, { time: 0.4, code: 3, signal: null, core: false });
  });

  test('a thread whose first record comes before clone returns is not a process, and leaves no mark on later pid ids', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        `100  1700000000.100000 clone3({flags=${THREAD_FLAGS}, child_tid=0x7f00, parent_tid=0x7f00, exit_signal=0, stack=0x7f00, stack_size=0x7fff80, tls=0x7f00} <unfinished ...>`,
        '101  1700000000.150000 exit(0 <unfinished ...>',
        '100  1700000000.200000 <... clone3 resumed> => {parent_tid=[101]}, 88) = 101',
        '101  1700000000.250000 <... exit resumed>) = ?',
        '101  1700000000.300000 +++ exited with 0 +++',
        '100  1700000000.400000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.500000 exit_group(1)   = ?',
        '101  1700000000.600000 +++ exited with 1 +++',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => [p.id, p.parentId]),
      [
        ['100', null],
        ['101', '100'],
      ],
    );
    assert.equal(byPid(s, 100).threads, 2);
    assert.equal(byPid(s, 100).state, 'running');
    assert.equal(byPid(s, 101).exit?.code, 1);
    assert.equal(byPid(s, 101).start, 0.4);
  });
});

describe('parents', () => {
  test("CLONE_PARENT makes the caller's parent the parent, and the caller's exit orphans nothing", () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.200000 clone(child_stack=0x5611, flags=CLONE_PARENT|SIGCHLD) = 102',
        '101  1700000000.300000 exit_group(0)   = ?',
        '101  1700000000.400000 +++ exited with 0 +++',
        '100  1700000000.500000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
        '102  1700000000.600000 exit_group(3)   = ?',
        '102  1700000000.700000 +++ exited with 3 +++',
        '100  1700000000.800000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 102',
      ),
    );
    const g = byPid(s, 102);
    assert.equal(g.parentPid, 100);
    assert.equal(g.parentId, '100');
    assert.deepEqual(g.adoptedBy, []);
    assert.deepEqual(g.reaped, { time: 0.8, by: 100, how: 'wait', seen: true });
    assert.deepEqual(diagnosticsOf(s, 'orphan-adopted'), []);
  });

  test("a child whose first event (an exec) comes before the parent's clone returns is the same process, with its own command", () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>',
        '101  1700000000.150000 execve("/bin/echo", ["echo", "hi"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  1700000000.200000 <... clone resumed>, child_tidptr=0x7f00) = 101',
        '101  1700000000.300000 exit_group(0)   = ?',
        '101  1700000000.400000 +++ exited with 0 +++',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => p.id),
      ['100', '101'],
    );
    const child = byPid(s, 101);
    assert.equal(child.parentPid, 100);
    assert.equal(child.command, 'echo');
    assert.deepEqual(child.argv, ['echo', 'hi']);
    assert.equal(child.state, 'zombie');
    assert.deepEqual(s.warnings, []);
  });

  test("a child whose first event is not an exec inherits the parent's command", () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>',
        '101  1700000000.150000 getppid()       = 100',
        '100  1700000000.200000 <... clone resumed>, child_tidptr=0x7f00) = 101',
      ),
    );
    const child = byPid(s, 101);
    assert.equal(child.parentPid, 100);
    assert.equal(child.command, 'srv');
    assert.deepEqual(child.argv, ['srv', '--port', '8080']);
    assert.equal(s.processes.length, 2);
  });

  test("a SIGCHLD disposition the child set before its parent's clone returned is kept", () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>',
        '101  1700000000.150000 rt_sigaction(SIGCHLD, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0',
        '100  1700000000.200000 <... clone resumed>, child_tidptr=0x7f00) = 101',
        '101  1700000000.300000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
        '102  1700000000.400000 exit_group(0)   = ?',
        '102  1700000000.500000 +++ exited with 0 +++',
      ),
    );
    const g = byPid(s, 102);
    assert.equal(g.state, 'exited');
    assert.deepEqual(g.reaped, { time: 0.5, by: 101, how: 'auto', seen: true });
  });
});

describe('pid reuse', () => {
  test('a pid reused after reaping is a new process: ids N and N.2', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.200000 exit_group(0)   = ?',
        '101  1700000000.300000 +++ exited with 0 +++',
        '100  1700000000.400000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
        '100  1700000000.500000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.600000 exit_group(1)   = ?',
        '101  1700000000.700000 +++ exited with 1 +++',
        '100  1700000000.800000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 1}], 0, NULL) = 101',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => [p.id, p.pid, p.parentId]),
      [
        ['100', 100, null],
        ['101', 101, '100'],
        ['101.2', 101, '100'],
      ],
    );
    assert.equal(byId(s, '101').exit?.code, 0);
    assert.equal(byId(s, '101.2').exit?.code, 1);
    assert.deepEqual(byId(s, '101').reaped, { time: 0.4, by: 100, how: 'wait', seen: true });
    assert.deepEqual(byId(s, '101.2').reaped, { time: 0.8, by: 100, how: 'wait', seen: true });
    assert.deepEqual(byId(s, '101.2').zombie, { from: 0.7, to: 0.8 });
    assert.deepEqual(s.warnings, []);
  });

  test('a reused pid whose whole second life is logged before the clone returns is the new process, not the dead one', () => {
    // Seen in a 144,000-connection bench log once pids wrapped: the second child's exit
    // record went to the first (already reaped) process, the second stayed "running"
    // for ever, and the third reuse of the pid was warned about.
    const s = analyzeText(
      log(
        EXEC_SRV,
        // A call the model skips: a whole log, not one narrowed to process calls (whose handler would be missing).
        '100  1700000000.050000 accept(3, NULL, NULL) = 4',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.200000 +++ exited with 0 +++',
        '100  1700000000.300000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 101',
        '100  1700000000.400000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>',
        '101  1700000000.500000 exit_group(3)   = ?',
        '101  1700000000.600000 +++ exited with 3 +++',
        '100  1700000000.700000 <... clone resumed>, child_tidptr=0x7f00) = 101',
        '100  1700000000.800000 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=3, si_utime=0, si_stime=0} ---',
        '100  1700000000.900000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], WNOHANG, NULL) = 101',
        '100  1700000001.000000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000001.100000 +++ exited with 5 +++',
        '100  1700000001.200000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 5}], WNOHANG, NULL) = 101',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => [p.id, p.parentId, p.exit?.code, p.state]),
      [
        ['100', null, undefined, 'running'],
        ['101', '100', 0, 'reaped'],
        ['101.2', '100', 3, 'reaped'],
        ['101.3', '100', 5, 'reaped'],
      ],
    );
    assert.deepEqual(byId(s, '101.2').zombie, { from: 0.6, to: 0.9 });
    assert.equal(byId(s, '101.2').start, 0.4, 'it existed from the clone entry');
    assert.deepEqual(s.warnings, []);
  });

  // Found by the fuzz tests, as a hang: a damaged mid-run log made a process its own
  // ancestor, and the walk up the reapers for an orphan's adopter never ended.
  const CLONE = 'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00)';
  test("a clone that returns the pid of the caller's own ancestor (a damaged mid-run log) makes a new process, warned about", () => {
    const s = analyzeText(
      log(
        '300  1700000000.100000 getppid() = 1',
        '300  1700000000.150000 accept(3, NULL, NULL) = 4',
        `300  1700000000.200000 ${CLONE} = 301`,
        `301  1700000000.300000 ${CLONE} = 300`,
        '300  1700000000.400000 exit_group(0)   = ?',
        '300  1700000000.500000 +++ exited with 0 +++',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => [p.id, p.parentId, p.state]),
      [
        ['300', null, 'running'],
        ['301', '300', 'running'],
        ['300.2', '301', 'zombie'],
      ],
    );
    assert.ok(
      s.warnings.some((w) => w.line === 4 && w.reason.includes('clone returned pid 300, which the trace still had as running')),
      JSON.stringify(s.warnings),
    );
  });

  test('a clone that returns its own pid (a damaged mid-run log) makes a new process, warned about', () => {
    const s = analyzeText(
      log(
        '400  1700000000.100000 getppid() = 1',
        '400  1700000000.150000 accept(3, NULL, NULL) = 4',
        `400  1700000000.200000 ${CLONE} = 400`,
        '400  1700000000.300000 exit_group(0)   = ?',
        '400  1700000000.400000 +++ exited with 0 +++',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => [p.id, p.parentId]),
      [
        ['400', null],
        ['400.2', '400'],
      ],
    );
    assert.ok(
      s.warnings.some((w) => w.line === 3 && w.reason.includes('clone returned pid 400')),
      JSON.stringify(s.warnings),
    );
  });
});

describe('exec', () => {
  test('exec history is kept; command is the basename of the latest path; argv is decoded', () => {
    const s = analyzeText(
      log(
        '100  1700000000.000000 execve("/usr/local/bin/launcher", ["launcher"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  1700000000.100000 execve("/usr/bin/missing", ["missing"], 0x7ffd0000 /* 3 vars */) = -1 ENOENT (No such file or directory)',
        '100  1700000000.200000 execve("/opt/app/bin/server", ["server", "--name=a \\"b\\"", "tab\\there"], 0x7ffd0000 /* 3 vars */) = 0',
      ),
    );
    const p = byPid(s, 100);
    assert.equal(p.command, 'server');
    assert.deepEqual(p.argv, ['server', '--name=a "b"', 'tab\there']);
    assert.deepEqual(p.execs, [
      { time: 0, path: '/usr/local/bin/launcher', argv: ['launcher'] },
      { time: 0.2, path: '/opt/app/bin/server', argv: ['server', '--name=a "b"', 'tab\there'] },
    ]);
  });

  test('argv bytes that strace escapes in octal are decoded as UTF-8', () => {
    const s = analyzeText(log('100  1700000000.000000 execve("/tmp/caf\\303\\251", ["caf\\303\\251", "\\342\\234\\223"], 0x7ffd0000 /* 3 vars */) = 0'));
    const p = byPid(s, 100);
    assert.equal(p.command, 'café');
    assert.deepEqual(p.argv, ['café', '✓']);
  });

  test('exec from a non-leader thread keeps one process, which runs the new program', () => {
    const s = analyzeText(
      log(
        '4196  1795356398.572868 execve("test/programs/exec_from_thread", ["test/programs/exec_from_thread"], 0x7ffdcfe06790 /* 39 vars */) = 0',
        `4196  1795356398.577099 clone3({flags=${THREAD_FLAGS}, child_tid=0x7f9a73cfe990, parent_tid=0x7f9a73cfe990, exit_signal=0, stack=0x7f9a734fe000, stack_size=0x7fff80, tls=0x7f9a73cfe6c0} => {parent_tid=[4197]}, 88) = 4197`,
        '4197  1795356398.577374 execve("/bin/true", ["/bin/true"], 0x7f9a73cfdeb8 /* 0 vars */ <pid changed to 4196 ...>',
        '4196  1795356398.577827 +++ superseded by execve in pid 4197 +++',
        '4196  1795356398.577895 <... execve resumed>) = 0',
        '4196  1795356398.580741 exit_group(0)   = ?',
        '4196  1795356398.580924 +++ exited with 0 +++',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => p.id),
      ['4196'],
    );
    const p = byPid(s, 4196);
    assert.equal(p.command, 'true');
    assert.deepEqual(
      p.execs.map((e) => e.path),
      ['test/programs/exec_from_thread', '/bin/true'],
    );
    assert.deepEqual(p.exit, { time: 0.008056, code: 0, signal: null, core: false });
    assert.equal(p.state, 'exited');
    assert.deepEqual(s.warnings, []);
  });
});

describe('exits and zombies', () => {
  const zombies = log(
    EXEC_SRV,
    '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
    '100  1700000000.110000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
    '100  1700000000.120000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 103',
    '101  1700000000.200000 exit_group(0)   = ?',
    '101  1700000000.300000 +++ exited with 0 +++',
    '102  1700000000.400000 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---',
    '102  1700000000.500000 +++ killed by SIGSEGV (core dumped) +++',
    '103  1700000000.600000 +++ killed by SIGKILL +++',
    '100  1700000000.800000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
  );

  test('exit code, signal and core dump are recorded', () => {
    const s = analyzeText(zombies);
    assert.deepEqual(byPid(s, 101).exit, { time: 0.3, code: 0, signal: null, core: false });
    assert.deepEqual(byPid(s, 102).exit, { time: 0.5, code: null, signal: 'SIGSEGV', core: true });
    assert.deepEqual(byPid(s, 103).exit, { time: 0.6, code: null, signal: 'SIGKILL', core: false });
  });

  test("the zombie interval runs from the exit to the parent's reaping wait4", () => {
    const s = analyzeText(zombies);
    assert.deepEqual(byPid(s, 101).zombie, { from: 0.3, to: 0.8 });
    assert.equal(byPid(s, 101).state, 'reaped');
  });

  test('a log ending with zombies leaves them zombies: state zombie, zombie.to null, not reaped', () => {
    const s = analyzeText(zombies);
    for (const pid of [102, 103]) {
      const p = byPid(s, pid);
      assert.equal(p.state, 'zombie');
      assert.equal(p.reaped, null);
      assert.equal(p.zombie?.to, null);
    }
    assert.deepEqual(byPid(s, 102).zombie, { from: 0.5, to: null });
  });

  test('maxZombies counts the most at once; zombiesAtEnd those left when the trace ended', () => {
    const s = analyzeText(zombies);
    assert.deepEqual(s.summary, { processes: 4, running: 1, zombiesAtEnd: 2, maxZombies: 3, orphans: 0 });
  });

  test('a snapshot taken before finish is not ended; after finish it is', () => {
    const session = new TraceSession();
    session.push(zombies);
    assert.equal(session.snapshot().ended, false);
    assert.equal(session.finish(), null);
    assert.equal(session.snapshot().ended, true);
  });

  test("a live snapshot shows a child as a zombie before its parent's wait is read", () => {
    const session = new TraceSession();
    const lines = zombies.split('\n');
    session.push(lines.slice(0, 6).join('\n') + '\n');
    const live = session.snapshot();
    assert.equal(byPid(live, 101).state, 'zombie');
    assert.deepEqual(byPid(live, 101).zombie, { from: 0.3, to: null });
    assert.equal(byPid(live, 102).state, 'running');
  });

  test('the root launched by strace (its first record is the execve) is reaped by the tracer', () => {
    const s = analyzeText(log(EXEC_SRV, '100  1700000000.500000 exit_group(2)   = ?', '100  1700000000.600000 +++ exited with 2 +++'));
    const root = byPid(s, 100);
    assert.equal(root.parentPid, null);
    assert.equal(root.state, 'exited');
    assert.deepEqual(root.reaped, { time: 0.6, by: null, how: 'tracer', seen: true });
    assert.equal(root.zombie, null);
    assert.deepEqual(s.diagnostics, []);
  });
});

describe('which waits reap', () => {
  test('waitid with WNOWAIT does not reap; a later waitpid does', () => {
    const lines = [
      EXEC_SRV,
      '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
      '100  1700000000.150000 waitid(P_PID, 101,  <unfinished ...>',
      '101  1700000000.200000 exit_group(4)   = ?',
      '101  1700000000.300000 +++ exited with 4 +++',
      '100  1700000000.350000 <... waitid resumed>{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=4, si_utime=0, si_stime=0}, WEXITED|WNOWAIT, NULL) = 0',
      '100  1700000000.600000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 4}], 0, NULL) = 101',
    ];
    const before = analyzeText(log(...lines.slice(0, 6)));
    assert.equal(byPid(before, 101).state, 'zombie');
    assert.equal(byPid(before, 101).reaped, null);
    const after = analyzeText(log(...lines));
    assert.deepEqual(byPid(after, 101).zombie, { from: 0.3, to: 0.6 });
    assert.deepEqual(byPid(after, 101).reaped, { time: 0.6, by: 100, how: 'wait', seen: true });
    assert.deepEqual(after.warnings, []);
  });

  test('waitid without WNOWAIT reaps the pid in si_pid', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.200000 +++ killed by SIGTERM +++',
        '100  1700000000.300000 waitid(P_ALL, 0, {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=101, si_uid=0, si_status=SIGTERM, si_utime=0, si_stime=0}, WEXITED, NULL) = 0',
      ),
    );
    assert.deepEqual(byPid(s, 101).reaped, { time: 0.3, by: 100, how: 'wait', seen: true });
  });

  test('wait4 reporting WIFSTOPPED does not reap; the wait after the real exit does', () => {
    const lines = [
      EXEC_SRV,
      '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
      '101  1700000000.200000 --- SIGSTOP {si_signo=SIGSTOP, si_code=SI_USER, si_pid=100, si_uid=0} ---',
      '101  1700000000.210000 --- stopped by SIGSTOP ---',
      '100  1700000000.300000 wait4(-1, [{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}], WUNTRACED, NULL) = 101',
      '100  1700000000.350000 waitid(P_ALL, 0, {si_signo=SIGCHLD, si_code=CLD_STOPPED, si_pid=101, si_uid=0, si_status=SIGSTOP, si_utime=0, si_stime=0}, WSTOPPED, NULL) = 0',
      '101  1700000000.400000 +++ killed by SIGKILL +++',
      '100  1700000000.500000 wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], WUNTRACED, NULL) = 101',
    ];
    const stopped = analyzeText(log(...lines.slice(0, 6)));
    assert.equal(byPid(stopped, 101).state, 'running');
    assert.equal(byPid(stopped, 101).reaped, null);
    const s = analyzeText(log(...lines));
    assert.deepEqual(byPid(s, 101).reaped, { time: 0.5, by: 100, how: 'wait', seen: true });
    assert.deepEqual(s.warnings, []);
  });

  test('a failed wait4 (-1 ECHILD) and a WNOHANG wait4 returning 0 reap nothing', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.200000 +++ exited with 0 +++',
        '100  1700000000.300000 wait4(-1, 0x7ffd0000, WNOHANG, NULL) = 0',
        '100  1700000000.400000 wait4(-1, NULL, 0, NULL) = -1 ECHILD (No child processes)',
      ),
    );
    assert.equal(byPid(s, 101).state, 'zombie');
  });
});

describe('auto-reaping', () => {
  const ignoring = (sigaction: string): string =>
    log(
      EXEC_SRV,
      `100  1700000000.050000 ${sigaction}`,
      '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
      '101  1700000000.200000 exit_group(1)   = ?',
      '101  1700000000.300000 +++ exited with 1 +++',
      '100  1700000000.400000 wait4(-1, NULL, 0, NULL) = -1 ECHILD (No child processes)',
    );

  test('SIGCHLD set to SIG_IGN: the kernel reaps at once, no zombie interval, state exited, how auto', () => {
    const s = analyzeText(
      ignoring(
        'rt_sigaction(SIGCHLD, {sa_handler=SIG_IGN, sa_mask=[CHLD], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f00}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0',
      ),
    );
    const child = byPid(s, 101);
    assert.equal(child.state, 'exited');
    assert.equal(child.zombie, null);
    assert.deepEqual(child.reaped, { time: 0.3, by: 100, how: 'auto', seen: true });
    assert.equal(s.summary.maxZombies, 0);
    assert.deepEqual(s.diagnostics, []);
  });

  test('a handler with SA_NOCLDWAIT: auto-reaped too', () => {
    const s = analyzeText(
      ignoring('rt_sigaction(SIGCHLD, {sa_handler=0x55d6073831d9, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART|SA_NOCLDWAIT, sa_restorer=0x7f00}, NULL, 8) = 0'),
    );
    const child = byPid(s, 101);
    assert.equal(child.state, 'exited');
    assert.equal(child.zombie, null);
    assert.deepEqual(child.reaped, { time: 0.3, by: 100, how: 'auto', seen: true });
  });

  test('SA_NOCLDWAIT as the last field of the struct (no sa_restorer, as on aarch64): auto-reaped', () => {
    const s = analyzeText(ignoring('rt_sigaction(SIGCHLD, {sa_handler=0x5600, sa_mask=[], sa_flags=SA_NOCLDWAIT}, NULL, 8) = 0'));
    assert.deepEqual(byPid(s, 101).reaped, { time: 0.3, by: 100, how: 'auto', seen: true });
  });

  test('SIGCHLD set back to SIG_DFL: children are zombies again', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.010000 rt_sigaction(SIGCHLD, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0',
        '100  1700000000.020000 rt_sigaction(SIGCHLD, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.300000 +++ exited with 0 +++',
      ),
    );
    assert.equal(byPid(s, 101).state, 'zombie');
  });

  test('a read-only rt_sigaction (new action NULL) changes nothing', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.010000 rt_sigaction(SIGCHLD, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0',
        '100  1700000000.020000 rt_sigaction(SIGCHLD, NULL, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, 8) = 0',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.300000 +++ exited with 0 +++',
      ),
    );
    assert.equal(byPid(s, 101).reaped?.how, 'auto');
  });

  test('exec resets a SIGCHLD handler (and its SA_NOCLDWAIT) to default: children become zombies', () => {
    const s = analyzeText(
      log(
        '100  1700000000.000000 execve("/usr/bin/launcher", ["launcher"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  1700000000.010000 rt_sigaction(SIGCHLD, {sa_handler=0x5600, sa_mask=[], sa_flags=SA_RESTORER|SA_NOCLDWAIT, sa_restorer=0x7f00}, NULL, 8) = 0',
        '100  1700000000.020000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.300000 +++ exited with 0 +++',
      ),
    );
    assert.equal(byPid(s, 101).state, 'zombie');
    assert.deepEqual(byPid(s, 101).zombie, { from: 0.3, to: null });
  });

  test('SIG_IGN survives exec: children of the new program are still auto-reaped', () => {
    const s = analyzeText(
      log(
        '100  1700000000.000000 execve("/usr/bin/launcher", ["launcher"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  1700000000.010000 rt_sigaction(SIGCHLD, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0',
        '100  1700000000.020000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.300000 +++ exited with 0 +++',
      ),
    );
    assert.equal(byPid(s, 101).state, 'exited');
    assert.equal(byPid(s, 101).reaped?.how, 'auto');
  });

  test('fork copies SIG_IGN: a grandchild of an ignoring parent is auto-reaped by the child', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.010000 rt_sigaction(SIGCHLD, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.200000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
        '102  1700000000.300000 +++ exited with 0 +++',
      ),
    );
    assert.deepEqual(byPid(s, 102).reaped, { time: 0.3, by: 101, how: 'auto', seen: true });
  });
});

describe('reparenting', () => {
  const orphan = (extra: string[]): string =>
    log(
      EXEC_SRV,
      '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
      '101  1700000000.200000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
      '101  1700000000.300000 exit_group(0)   = ?',
      '101  1700000000.400000 +++ exited with 0 +++',
      '100  1700000000.500000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      ...extra,
      '102  1700000000.700000 exit_group(0)   = ?',
      '102  1700000000.800000 +++ exited with 0 +++',
    );

  test('a live child whose parent exits is adopted outside the trace, which reaps it unseen', () => {
    const s = analyzeText(orphan([]));
    const d = byPid(s, 102);
    assert.equal(d.parentPid, 101);
    assert.deepEqual(d.adoptedBy, [{ time: 0.4, pid: null, command: null }]);
    assert.equal(d.state, 'exited');
    assert.deepEqual(d.reaped, { time: 0.8, by: null, how: 'adopter', seen: false });
    assert.equal(s.summary.orphans, 1);
  });

  test('that reaping is inferred: a live trace that finds the zombie still there (adopterHolds) shows a zombie, until adopterReaped', () => {
    const session = new TraceSession();
    const inferred: number[] = [];
    session.model.onInferredReap = (p) => inferred.push(p.pid);
    session.push(orphan(['102  1700000000.600000 getppid()       = 1']));
    assert.deepEqual(inferred, [102], 'the one reaping the trace did not see');
    const daemon = session.model.processByPid(102)!;
    session.model.adopterHolds(daemon);
    let d = byPid(session.snapshot(), 102);
    assert.equal(d.state, 'zombie');
    assert.deepEqual(d.zombie, { from: 0.8, to: null });
    assert.equal(session.snapshot().summary.zombiesAtEnd, 1);
    const held = diagnosticsOf(session.snapshot(), 'orphan-adopted')[0].message;
    assert.match(held, /It exited at 0\.800 s and is still a zombie: its adopter, outside the trace, has not reaped it/);
    assert.match(held, /If init never reaps it \(a container whose pid 1 is not an init: run it with docker run --init, or tini\)/, 'the adopter is pid 1');
    session.model.adopterReaped(daemon, 1700000002.5);
    d = byPid(session.snapshot(), 102);
    assert.deepEqual(d.reaped, { time: 2.5, by: 1, how: 'adopter', seen: false });
    assert.deepEqual(d.zombie, { from: 0.8, to: 2.5 });
    assert.equal(session.snapshot().summary.zombiesAtEnd, 0);
    assert.equal(session.snapshot().summary.maxZombies, 1);
  });

  test('adopterHolds changes nothing for a zombie its parent reaped, seen', () => {
    const session = new TraceSession();
    session.push(orphan([]));
    const middle = session.model.processByPid(101)!;
    session.model.adopterHolds(middle);
    assert.equal(byPid(session.snapshot(), 101).state, 'reaped');
  });

  test('getppid() after the adoption names the outside adopter', () => {
    const s = analyzeText(orphan(['102  1700000000.600000 getppid()       = 1']));
    const d = byPid(s, 102);
    assert.deepEqual(d.adoptedBy, [{ time: 0.4, pid: 1, command: null }]);
    assert.deepEqual(d.reaped, { time: 0.8, by: 1, how: 'adopter', seen: false });
  });

  test('getppid() naming a subreaper outside the trace (e.g. systemd --user) gives that pid', () => {
    const s = analyzeText(orphan(['102  1700000000.600000 getppid()       = 1234']));
    assert.deepEqual(byPid(s, 102).adoptedBy, [{ time: 0.4, pid: 1234, command: null }]);
    assert.equal(byPid(s, 102).reaped?.by, 1234);
  });

  test('getppid() from a process that was never orphaned records no adoption', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.200000 getppid()       = 100',
      ),
    );
    assert.deepEqual(byPid(s, 101).adoptedBy, []);
    assert.equal(s.summary.orphans, 0);
  });

  test('observeAdopter() names an outside adopter read from /proc, and onAdoption reports the orphan', () => {
    const session = new TraceSession();
    const orphans: number[] = [];
    session.model.onAdoption = (pid) => orphans.push(pid);
    const lines = orphan([]).split('\n');
    session.push(lines.slice(0, 6).join('\n') + '\n');
    assert.deepEqual(orphans, [102]);
    session.model.observeAdopter(102, 1, 'systemd');
    session.push(lines.slice(6).join('\n'));
    session.finish();
    const s = session.snapshot();
    const d = byPid(s, 102);
    assert.deepEqual(d.adoptedBy, [{ time: 0.4, pid: 1, command: 'systemd' }]);
    assert.deepEqual(d.reaped, { time: 0.8, by: 1, how: 'adopter', seen: false });
    const [diag] = diagnosticsOf(s, 'orphan-adopted');
    assert.deepEqual(diag.pids, [102, 101, 1]);
    assert.match(diag.message, /init \(systemd, pid 1\)/);
  });

  test('observeAdopter() does not overwrite a traced subreaper', () => {
    const session = new TraceSession();
    session.push(log(EXEC_SRV, ...SUBREAPER_FORKS, '101  1700000000.400000 +++ exited with 0 +++'));
    session.model.observeAdopter(102, 1, 'systemd');
    session.finish();
    assert.deepEqual(byPid(session.snapshot(), 102).adoptedBy, [{ time: 0.4, pid: 100, command: 'srv' }]);
  });

  test('a traced subreaper (PR_SET_CHILD_SUBREAPER) adopts the orphan and reaps it with wait', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        ...SUBREAPER_FORKS,
        '101  1700000000.300000 exit_group(0)   = ?',
        '101  1700000000.400000 +++ exited with 0 +++',
        '100  1700000000.500000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
        '102  1700000000.600000 getppid()       = 100',
        '102  1700000000.700000 exit_group(5)   = ?',
        '102  1700000000.800000 +++ exited with 5 +++',
        '100  1700000000.900000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 5}], 0, NULL) = 102',
      ),
    );
    const d = byPid(s, 102);
    assert.equal(d.parentPid, 101);
    assert.deepEqual(d.adoptedBy, [{ time: 0.4, pid: 100, command: 'srv' }]);
    assert.equal(d.state, 'reaped');
    assert.deepEqual(d.reaped, { time: 0.9, by: 100, how: 'wait', seen: true });
    assert.deepEqual(d.zombie, { from: 0.8, to: 0.9 });
    assert.deepEqual(s.warnings, []);
  });

  test('the nearest living subreaper adopts; the subreaper flag is not inherited across fork', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.010000 prctl(PR_SET_CHILD_SUBREAPER, 1) = 0',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.200000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
        '102  1700000000.300000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 103',
        '102  1700000000.400000 +++ exited with 0 +++',
        '101  1700000000.500000 prctl(PR_SET_CHILD_SUBREAPER, 1) = 0',
        '101  1700000000.600000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 104',
        '104  1700000000.700000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 105',
        '104  1700000000.800000 +++ exited with 0 +++',
      ),
    );
    assert.deepEqual(
      byPid(s, 103).adoptedBy.map((a) => a.pid),
      [100],
    );
    assert.deepEqual(
      byPid(s, 105).adoptedBy.map((a) => a.pid),
      [101],
    );
  });

  test('a zombie whose parent exits is reparented to init and reaped there, unseen', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  1700000000.200000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
        '102  1700000000.300000 exit_group(0)   = ?',
        '102  1700000000.400000 +++ exited with 0 +++',
        '101  1700000000.600000 exit_group(0)   = ?',
        '101  1700000000.700000 +++ exited with 0 +++',
        '100  1700000000.800000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      ),
    );
    const g = byPid(s, 102);
    assert.equal(g.parentPid, 101);
    assert.equal(g.state, 'exited');
    assert.deepEqual(g.reaped, { time: 0.7, by: null, how: 'adopter', seen: false });
    assert.deepEqual(g.zombie, { from: 0.4, to: 0.7 });
    assert.deepEqual(g.adoptedBy, [{ time: 0.7, pid: null, command: null }]);
    assert.equal(s.summary.zombiesAtEnd, 0);
  });
});

describe('logs without -o (no pid prefix while one process is traced)', () => {
  const stderrLog = log(
    'execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
    'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
    'strace: Process 101 attached',
    '[pid   100] exit_group(0)               = ?',
    '[pid   100] +++ exited with 0 +++',
    'getppid()                               = 1',
    'exit_group(4)                           = ?',
    '+++ exited with 4 +++',
  );

  test('unprefixed lines while only one process is alive belong to it, even when it is not the root', () => {
    const s = analyzeText(stderrLog);
    assert.equal(s.processes.length, 2);
    const child = byPid(s, 101);
    assert.equal(child.parentPid, 100);
    assert.deepEqual(child.exit, { time: null, code: 4, signal: null, core: false });
    assert.deepEqual(
      child.adoptedBy.map((a) => a.pid),
      [1],
    );
    assert.equal(byPid(s, 100).exit?.code, 0);
  });

  test("the root's pid is learnt from its first prefixed line, and its id is that pid", () => {
    const s = analyzeText(stderrLog);
    const root = s.processes[0];
    assert.equal(root.pid, 100);
    assert.equal(root.id, '100');
    assert.equal(byPid(s, 101).parentId, '100');
    assert.deepEqual(
      s.processes.map((p) => p.id),
      ['100', '101'],
    );
  });

  test('without timestamps, a reaped child\'s zombie interval is not left open (to: null means "still a zombie")', () => {
    const s = analyzeText(
      log(
        '100  execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '101  +++ exited with 0 +++',
        '100  wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      ),
    );
    const child = byPid(s, 101);
    assert.equal(child.state, 'reaped');
    assert.notDeepEqual(child.zombie, { from: null, to: null });
  });

  test('a log with no prefix at all is one process', () => {
    const s = analyzeText(
      log('execve("/bin/true", ["true"], 0x7ffd0000 /* 3 vars */) = 0', 'exit_group(0)                           = ?', '+++ exited with 0 +++'),
    );
    assert.equal(s.processes.length, 1);
    assert.equal(s.processes[0].command, 'true');
    assert.equal(s.processes[0].state, 'exited');
    assert.equal(s.processes[0].reaped?.how, 'tracer');
  });
});

test("a child whose whole life is logged before its parent's clone returns is one process, reaped by that parent", () => {
  const s = analyzeText(
    [
      '4242 1700000001.000 execve("/srv", ["srv"], 0x1 /* 1 var */) = 0',
      '4242 1700000001.100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>',
      '4278 1700000001.200 exit_group(0) = ?',
      '4278 1700000001.300 +++ exited with 0 +++',
      '4242 1700000001.400 <... clone resumed>, child_tidptr=0x7f) = 4278',
      '4242 1700000001.500 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4278',
    ].join('\n') + '\n',
  );
  assert.deepEqual(
    s.processes.map((p) => p.id),
    ['4242', '4278'],
  );
  const child = s.processes[1];
  assert.equal(child.parentPid, 4242);
  assert.equal(child.start, 0.1, 'it existed from the clone entry');
  assert.deepEqual(child.zombie, { from: 0.3, to: 0.5 });
  assert.deepEqual(child.reaped, { time: 0.5, by: 4242, how: 'wait', seen: true });
  assert.deepEqual(s.warnings, []);
  // Counted once the clone named it: a zombie of its parent from its exit.
  assert.equal(s.summary.maxZombies, 1);
});

test('in a -p log, tasks that were there before it and end together are no zombies at once: most zombies at once counts the children the log saw forked', () => {
  // 100, 101 and 102 were there before the log (threads of one program, nothing says so);
  // 101 forks 103, which lingers a zombie for 0.5 s. Then the program ends: every task's exit at once.
  const s = analyzeText(
    log(
      '100  1700000000.000000 wait4(-1, 0x7ffc0000, WNOHANG, NULL) = 0',
      '102  1700000000.050000 rt_sigprocmask(SIG_BLOCK, [CHLD], NULL, 8) = 0',
      '101  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 103',
      '103  1700000000.200000 +++ exited with 0 +++',
      '101  1700000000.700000 wait4(103, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 103',
      '100  1700000001.000000 exit_group(0)   = ?',
      '101  1700000001.000100 +++ exited with 0 +++',
      '102  1700000001.000200 +++ exited with 0 +++',
      '100  1700000001.000300 +++ exited with 0 +++',
    ),
  );
  assert.deepEqual(byPid(s, 103).zombie, { from: 0.2, to: 0.7 });
  assert.deepEqual(
    [100, 101, 102].map((pid) => byPid(s, pid).zombie),
    [
      { from: 1.0003, to: 1.0003 },
      { from: 1.0001, to: 1.0001 },
      { from: 1.0002, to: 1.0002 },
    ],
    'reaped unseen as they exited, by whoever was outside the log',
  );
  assert.deepEqual(s.summary, { processes: 4, running: 0, zombiesAtEnd: 0, maxZombies: 1, orphans: 0 });
});

describe("a wait knows whether the child it reaped had exec'd", () => {
  // A library's spawn (Go's Cmd.Start, Rust's Command::spawn) waits inside itself only for
  // a child whose exec failed: the resolver drops those waits when the child exec'd.
  const session = new TraceSession();
  session.push(
    log(
      EXEC_SRV,
      '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
      '101  1700000000.110000 execve("/bin/true", ["true"], 0x7ffd0000 /* 3 vars */) = 0',
      '101  1700000000.120000 exit_group(0)   = ?',
      '101  1700000000.130000 +++ exited with 0 +++',
      '100  1700000000.140000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
    ),
  );
  const afterExec = session.model.processes[0].lastWait;
  session.push(
    log(
      '100  1700000000.200000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
      '102  1700000000.210000 exit_group(127) = ?',
      '102  1700000000.220000 +++ exited with 127 +++',
      '100  1700000000.230000 wait4(102, [{WIFEXITED(s) && WEXITSTATUS(s) == 127}], 0, NULL) = 102',
    ),
  );
  const withoutExec = session.model.processes[0].lastWait;
  session.push(log('100  1700000000.300000 wait4(-1, NULL, WNOHANG, NULL) = -1 ECHILD (No child processes)'));
  const reapedNothing = session.model.processes[0].lastWait;

  test('a child that ran a new program', () => assert.equal(afterExec?.reapedExecedChild, true));
  test("a child that never exec'd (a failed spawn looks like this)", () => assert.equal(withoutExec?.reapedExecedChild, false));
  test('a wait that reaped nothing', () => assert.equal(reapedNothing?.reapedExecedChild, false));
});

describe('a clone3 keeps the call its thread makes next, when that is rt_sigprocmask', () => {
  // glibc's posix_spawn restores the signal mask right after clone3, whose -k frames end in glibc.
  const CLONE3 = '100  1700000000.100000 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f00, stack_size=0x9000}, 88) = 101';
  const BROKEN = [' > /usr/lib/x86_64-linux-gnu/libc.so.6(__clone3+0x29) [0x1098d9]', ' > unexpected_backtracing_error [0x55f34d100004]'];
  const OWN = [' > /usr/lib/x86_64-linux-gnu/libc.so.6(posix_spawn+0xb) [0xf6a8b]', ' > /srv/server(start_helper+0x47) [0x11a0]'];

  test('the frames of the rt_sigprocmask right after it', () => {
    const session = new TraceSession();
    session.push(log(EXEC_SRV, CLONE3, ...BROKEN, '100  1700000000.100100 rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0', ...OWN));
    session.finish();
    const site = session.model.processByPid(101)?.forkSite;
    assert.deepEqual(
      site?.event.stack,
      BROKEN.map((f) => f.slice(3)),
    );
    assert.deepEqual(
      site?.following?.stack,
      OWN.map((f) => f.slice(3)),
    );
  });

  test('nothing when the thread made another call first', () => {
    const session = new TraceSession();
    session.push(
      log(
        EXEC_SRV,
        CLONE3,
        '100  1700000000.100100 wait4(101, NULL, 0, NULL) = 101',
        '100  1700000000.100200 rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0',
        ...OWN,
      ),
    );
    session.finish();
    assert.equal(session.model.processByPid(101)?.forkSite?.following, undefined);
  });

  test("nothing for another thread's rt_sigprocmask", () => {
    const session = new TraceSession();
    session.push(log(EXEC_SRV, CLONE3, '101  1700000000.100100 rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0', ...OWN));
    session.finish();
    assert.equal(session.model.processByPid(101)?.forkSite?.following, undefined);
  });
});

describe('a fork site knows what its child ran first (system() and popen() run sh -c)', () => {
  const CLONE3 = '100  1700000000.100000 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f00, stack_size=0x9000}, 88) = 101';
  const childExec = (...lines: string[]): string | undefined => {
    const session = new TraceSession();
    session.push(log(EXEC_SRV, ...lines));
    session.finish();
    return session.model.processByPid(101)?.forkSite?.childExec;
  };

  test("a vfork-style child's exec, which comes before its parent's clone3 returns", () => {
    assert.equal(childExec('101  1700000000.090000 execve("/bin/true", ["true"], 0x7ffd0000 /* 3 vars */) = 0', CLONE3), 'program');
    assert.equal(childExec('101  1700000000.090000 execve("/bin/sh", ["sh", "-c", "date"], 0x7ffd0000 /* 3 vars */) = 0', CLONE3), 'shell');
  });

  test("a forked child's first exec after the clone returned; a later exec changes nothing", () => {
    const fork = '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101';
    assert.equal(
      childExec(
        fork,
        '101  1700000000.200000 execve("/bin/sh", ["sh", "-c", "exec date"], 0x7ffd0000 /* 3 vars */) = 0',
        '101  1700000000.300000 execve("/bin/date", ["date"], 0x7ffd0000 /* 3 vars */) = 0',
      ),
      'shell',
    );
    assert.equal(
      childExec(fork, '101  1700000000.200000 execve("/bin/sh", ["sh", "script.sh"], 0x7ffd0000 /* 3 vars */) = 0'),
      'program',
      'sh without -c is not how system() runs',
    );
  });

  test('nothing before an exec, and nothing for a failed one', () => {
    assert.equal(childExec(CLONE3), undefined);
    assert.equal(
      childExec(CLONE3, '101  1700000000.200000 execve("/nonexistent", ["x"], 0x7ffd0000 /* 3 vars */) = -1 ENOENT (No such file or directory)'),
      undefined,
    );
  });
});

describe("where each fork call's control flow came from (CallSite.after, for the site resolver)", () => {
  const FORK = (pid: number, t: string, child: number | string) =>
    `${pid}  1700000000.${t} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = ${child}`;
  const FORK_FAILED = (pid: number, t: string) =>
    `${pid}  1700000000.${t} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = -1 EAGAIN (Resource temporarily unavailable)`;

  function modelOf(...lines: string[]) {
    const session = new TraceSession();
    session.push(Buffer.from(`${log(...lines)}\n`));
    session.finish();
    const of = (pid: number) => session.model.processes.find((p) => p.pid === pid)!;
    return { model: session.model, of };
  }

  test('the first fork after exec starts from the exec; the next from it, a failed fork included; the child from its own fork', () => {
    const { of } = modelOf(EXEC_SRV, FORK(100, '100000', 200), FORK_FAILED(100, '150000'), FORK(100, '200000', 201), FORK(200, '300000', 300));
    const first = of(200).forkSite!;
    const second = of(201).forkSite!;
    assert.equal(first.after, 'exec');
    const failed = second.after;
    assert.ok(failed && failed !== 'exec');
    assert.equal(failed.event.errno, 'EAGAIN');
    assert.equal(failed.after, first);
    // 200 starts where its fork returned in it.
    assert.equal(of(300).forkSite!.after, first);
  });

  test('exec starts the flow again; a process with threads, or one whose start the trace missed, has none', () => {
    const { of } = modelOf(
      '50  1700000000.000000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 51',
      EXEC_SRV.replace(/^100 /, '51 '),
      FORK(51, '100000', 52),
      `51  1700000000.200000 clone(child_stack=0x7f00, flags=${THREAD_FLAGS}, parent_tid=[53], tls=0x7f00, child_tidptr=0x7f00) = 53`,
      FORK(51, '300000', 54),
    );
    assert.equal(of(51).forkSite!.after, null, 'pid 50 was running before the trace: where it was is unknown');
    assert.equal(of(52).forkSite!.after, 'exec');
    assert.equal(of(54).forkSite!.after, null, 'after a thread, the order of forks no longer says where one was');
  });
});

describe("a child whose own fork is read before its parent's clone returns", () => {
  test("its fork still starts from its parent's call, once that is read", () => {
    const session = new TraceSession();
    session.push(
      Buffer.from(
        `${log(
          EXEC_SRV,
          '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00 <unfinished ...>',
          '200  1700000000.110000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 300',
          '100  1700000000.120000 <... clone resumed>) = 200',
          '200  1700000000.130000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 301',
        )}\n`,
      ),
    );
    session.finish();
    const of = (pid: number) => session.model.processes.find((p) => p.pid === pid)!;
    const start = of(200).forkSite!;
    assert.equal(start.after, 'exec');
    assert.equal(of(300).forkSite!.after, start, 'the first fork 200 made came right after its own start');
    assert.equal(of(301).forkSite!.after, of(300).forkSite);
  });

  test('its child, forked before that, runs the same program: it takes the command, argv and fork-site program once they are known', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00 <unfinished ...>',
        '200  1700000000.110000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 300',
        '300  1700000000.115000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 400',
        '100  1700000000.120000 <... clone resumed>) = 200',
      ),
    );
    for (const pid of [200, 300, 400]) {
      const p = byPid(s, pid);
      assert.equal(p.command, 'srv', `pid ${pid}'s command`);
      assert.deepEqual(p.argv, ['srv', '--port', '8080'], `pid ${pid}'s argv`);
    }
    const session = new TraceSession();
    session.push(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00 <unfinished ...>',
        '200  1700000000.110000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 300',
        '100  1700000000.120000 <... clone resumed>) = 200',
      ) + '\n',
    );
    session.finish();
    const child = session.model.processes.find((p) => p.pid === 300)!;
    assert.equal(child.forkSite!.executable, '/usr/bin/srv', 'the program its fork site is looked up in');
  });

  test('its child, forked before that, inherits the SIGCHLD disposition too: SIG_IGN, so its own child is reaped by the kernel', () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.050000 rt_sigaction(SIGCHLD, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00 <unfinished ...>',
        '200  1700000000.110000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 300',
        '100  1700000000.120000 <... clone resumed>) = 200',
        '300  1700000000.130000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 400',
        '400  1700000000.140000 exit_group(0)   = ?',
        '400  1700000000.150000 +++ exited with 0 +++',
      ),
    );
    const grandchild = byPid(s, 400);
    assert.equal(grandchild.state, 'exited', JSON.stringify(grandchild.reaped));
    assert.equal(grandchild.reaped?.how, 'auto');
    assert.equal(s.summary.zombiesAtEnd, 0);
  });

  test('its calls before that (a wait, a sigaction) take the program too, where their lines are looked up', () => {
    const session = new TraceSession();
    session.push(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00 <unfinished ...>',
        '200  1700000000.105000 rt_sigaction(SIGCHLD, {sa_handler=0x401136, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f0000}, NULL, 8) = 0',
        '200  1700000000.110000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 300',
        '300  1700000000.111000 +++ exited with 0 +++',
        '200  1700000000.112000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 300',
        '100  1700000000.120000 <... clone resumed>) = 200',
      ) + '\n',
    );
    session.finish();
    const child = session.model.processes.find((p) => p.pid === 200)!;
    assert.equal(child.lastWait?.executable, '/usr/bin/srv', "the wait's program");
    assert.deepEqual(child.lastWait?.argv, ['srv', '--port', '8080']);
    assert.equal(child.sigchld.site?.executable, '/usr/bin/srv', "the sigaction's program");
    assert.equal(child.sitesBeforeLink, null, 'nothing kept once linked');
  });

  test("a child that exec'd before its parent was linked keeps its own command", () => {
    const s = analyzeText(
      log(
        EXEC_SRV,
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00 <unfinished ...>',
        '200  1700000000.110000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 300',
        '300  1700000000.112000 execve("/bin/true", ["true"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  1700000000.120000 <... clone resumed>) = 200',
      ),
    );
    assert.equal(byPid(s, 200).command, 'srv');
    assert.equal(byPid(s, 300).command, 'true');
  });
});
