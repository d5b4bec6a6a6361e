// Logs recorded with strace options that change what a record holds or leave out what the
// tree is built from (-n, -i, no -f, -qq, -Z). The lines are strace 6.1's, from
// examples/double_fork_daemon, cut to the records the model reads.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceSession } from '../../src/core/session';
import { analyzeText, byPid, log } from '../support/core';

const EXEC = 'execve("/work/main/examples/double_fork_daemon", ["/work/main/examples/double_fork_"..., "0.05"], 0x7ffeda833278 /* 35 vars */) = 0';
const FORK = 'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f977528fa10)';
const EXITED = '--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=12934, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---';

/** Why the log gives no process tree at all, or null. */
function unusable(text: string): string | null {
  const session = new TraceSession();
  session.push(text);
  assert.equal(session.finish(), null, 'it is a strace log');
  return session.model.unusable;
}

/** The double fork under `strace -f -ttt`, each record given its -n and -i prefixes by `prefix`. */
function doubleFork(prefix: (nr: number, ip: string) => string): string {
  const p = prefix;
  return log(
    `12933 1700000000.000000 ${p(59, '00007fd484444ad7')}${EXEC}`,
    `12933 1700000000.003000 ${p(218, '00007f9775499e8a')}set_tid_address(0x7f977528fa10) = 12933`,
    `12933 1700000000.005000 ${p(56, '00007f9775366353')}${FORK} = 12934`,
    `12933 1700000000.006000 ${p(61, '00007f9775365bd3')}wait4(12934,  <unfinished ...>`,
    `12934 1700000000.007000 ${p(112, '00007f97753677d7')}setsid() = 12934`,
    `12934 1700000000.008000 ${p(56, '00007f9775366353')}${FORK} = 12935`,
    `12934 1700000000.009000 ${p(231, '00007f9775366409')}exit_group(0 <unfinished ...>`,
    `12934 1700000000.009100 ${p(231, '00007f9775366409')}<... exit_group resumed>) = ?`,
    `12934 1700000000.009200 ${p(231, '????????????????')}+++ exited with 0 +++`,
    `12933 1700000000.009300 ${p(61, '00007f9775365bd3')}<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 12934`,
    `12933 1700000000.009400 ${p(61, '00007f9775365bd3')}${EXITED}`,
    `12933 1700000000.010000 ${p(231, '00007f9775366409')}exit_group(0) = ?`,
    `12933 1700000000.010100 ${p(231, '????????????????')}+++ exited with 0 +++`,
    `12935 1700000000.060000 ${p(231, '00007f9775366409')}exit_group(0) = ?`,
    `12935 1700000000.060100 ${p(231, '????????????????')}+++ exited with 0 +++`,
  );
}

describe('strace -n and -i: the syscall number and the instruction pointer before each record', () => {
  test('give the same picture as the log without them, with no warning', () => {
    const plain = analyzeText(doubleFork(() => ''));
    const numbered = analyzeText(doubleFork((nr) => `[${String(nr).padStart(4)}] `));
    const both = analyzeText(doubleFork((nr, ip) => `[${String(nr).padStart(4)}] [${ip}] `));
    assert.deepEqual(
      plain.processes.map((p) => [p.pid, p.parentPid, p.state, p.adoptedBy.length]),
      [
        [12933, null, 'exited'],
        [12934, 12933, 'reaped'],
        [12935, 12934, 'exited'],
      ].map((x, i) => [...x, i === 2 ? 1 : 0]),
    );
    for (const s of [numbered, both]) {
      assert.deepEqual(s.processes, plain.processes);
      assert.deepEqual(s.diagnostics, plain.diagnostics);
      assert.deepEqual(s.warnings, []);
    }
  });

  test('a bracket that is neither stays an unrecognized line', () => {
    const s = analyzeText(log(`12933 1700000000.000000 ${EXEC}`, '12933 1700000000.001000 [not a prefix] close(3) = 0'));
    assert.match(s.warnings[0]?.reason ?? '', /unrecognized line: \[not a prefix\]/);
  });
});

describe('a log recorded without -f', () => {
  // No pid on any line: strace followed the program only.
  const text = log(
    `1700000000.000000 ${EXEC}`,
    '1700000000.003000 set_tid_address(0x7f0fe4482a10) = 12774',
    `1700000000.005000 ${FORK} = 12775`,
    '1700000000.006000 wait4(12775, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 12775',
    `1700000000.007000 ${EXITED.replace('12934', '12775')}`,
    // One call of the many the model skips: a whole log, not one narrowed by -e trace=.
    '1700000000.007500 write(1, "reaped\\n", 7) = 7',
    '1700000000.008000 exit_group(0)         = ?',
    '1700000000.008100 +++ exited with 0 +++',
  );

  test('says so first among the warnings, at the fork, with the command that records the children', () => {
    const s = analyzeText(text);
    assert.equal(s.warnings[0].line, 3);
    assert.match(s.warnings[0].reason, /^this log follows one process only: strace ran without -f, .* strace -f -ttt -o trace\.log PROGRAM$/);
    assert.match(s.warnings[1].reason, /wait4 reaped pid 12775, but the trace never showed it exit/);
    assert.deepEqual(
      s.warnings.map((w) => w.recording),
      [true, undefined],
      'the views tell a note on the whole log from a line they could not read',
    );
  });

  test('names the program by the pid set_tid_address returned, not 0', () => {
    const s = analyzeText(text);
    assert.deepEqual(
      s.processes.map((p) => [p.id, p.pid, p.parentPid]),
      [
        ['12774', 12774, null],
        ['12775', 12775, 12774],
      ],
    );
  });

  test('a child its parent reaped is not adopted when the parent exits, though its exit record never came', () => {
    const child = byPid(analyzeText(text), 12775);
    assert.deepEqual(child.adoptedBy, []);
    assert.deepEqual([child.state, child.reaped?.by, child.reaped?.how], ['reaped', 12774, 'wait']);
    assert.equal(analyzeText(text).summary.orphans, 0);
  });

  test('a log of one process that never forks has no such warning', () => {
    const s = analyzeText(log(`1700000000.000000 ${EXEC}`, '1700000000.008000 exit_group(0)         = ?', '1700000000.008100 +++ exited with 0 +++'));
    assert.deepEqual(s.warnings, []);
  });
});

describe('a log recorded with -qq (no exit records)', () => {
  const text = log(
    `12921 1700000000.000000 ${EXEC}`,
    `12921 1700000000.005000 ${FORK} = 12922`,
    '12921 1700000000.006000 wait4(12922,  <unfinished ...>',
    `12922 1700000000.007000 ${FORK} = 12923`,
    '12922 1700000000.008000 exit_group(0)   = ?',
    '12921 1700000000.009000 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 12922',
    `12921 1700000000.010000 ${EXITED.replace('12934', '12922')}`,
    '12921 1700000000.011000 exit_group(0)   = ?',
    '12923 1700000000.060000 exit_group(0)   = ?',
  );

  test('says that exits show only through waits, and why processes look still running', () => {
    const s = analyzeText(text);
    assert.equal(s.warnings[0].line, 3, "the wait's first line");
    assert.match(
      s.warnings[0].reason,
      /^this log has no exit records \(\+\+\+ exited with N \+\+\+\): strace ran with -qq \(or -e quiet=exit\), so 1 process exited only as far as its parent waited, and a process nobody waited for shows as still running\./,
    );
  });

  test('a log with exit records has no such warning, even when a wait came before an exit record (-ff files)', () => {
    const withExits = analyzeText(doubleFork(() => ''));
    assert.equal(
      withExits.warnings.some((w) => /no exit records/.test(w.reason)),
      false,
    );
  });
});

describe('a log recorded with -Z (failed calls only)', () => {
  const text = log(
    '12927 1700000000.000000 access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)',
    '12927 1700000000.001000 ioctl(1, TCGETS, 0x7ffe7a579a60) = -1 ENOTTY (Inappropriate ioctl for device)',
    '12928 1700000000.002000 +++ exited with 0 +++',
    `12927 1700000000.003000 ${EXITED.replace('12934', '12928')}`,
    '12927 1700000000.004000 wait4(-1, 0x7ffce017fce8, WNOHANG, NULL) = -1 ECHILD (No child processes)',
    '12927 1700000000.005000 +++ exited with 0 +++',
    '12929 1700000000.060000 +++ exited with 0 +++',
  );

  test('gives no process tree, and says why and how to record one', () => {
    assert.match(
      unusable(text) ?? '',
      /^no call in it succeeded, only failed ones, and no process was seen being forked: it was recorded with -Z \(--failed-only, or -e status=failed\), .* strace -f -ttt -o trace\.log PROGRAM$/,
    );
  });

  test('so is one whose only failed call is one the model skips (access), as strace -Z printed it with stdout to a file', () => {
    assert.match(
      unusable(
        log(
          '14931 1700000000.000000 access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)',
          '14932 1700000000.003000 +++ exited with 0 +++',
          `14931 1700000000.003100 ${EXITED.replace('12934', '14932')}`,
          '14931 1700000000.003600 +++ exited with 0 +++',
          '14933 1700000000.104000 +++ exited with 0 +++',
        ),
      ) ?? '',
      /recorded with -Z/,
    );
  });

  test('an attached pool whose only calls failed, detached before any exit, is usable', () => {
    assert.equal(
      unusable(
        log(
          '201 1700000000.000000 wait4(-1, 0x7ffce017fce8, WNOHANG, NULL) = -1 ECHILD (No child processes)',
          '202 1700000000.001000 wait4(-1, 0x7ffce017fce8, WNOHANG, NULL) = -1 ECHILD (No child processes)',
          '201 1700000000.002000 accept(3, NULL, NULL <detached ...>',
        ),
      ),
      null,
    );
  });

  test('an attached pool that only read and was killed (no fork, no call the model reads) is usable', () => {
    assert.equal(
      unusable(
        log(
          '201 1700000000.000000 read(4, "x", 1) = 1',
          '202 1700000000.001000 accept(3, NULL, NULL) = -1 EAGAIN (Resource temporarily unavailable)',
          '201 1700000000.002000 +++ killed by SIGKILL +++',
          '202 1700000000.003000 +++ killed by SIGKILL +++',
        ),
      ),
      null,
    );
  });

  test('a whole log, or one whose failed calls are all a process did, is usable', () => {
    for (const t of [
      doubleFork(() => ''),
      log('12927 1700000000.000000 wait4(-1, 0x7ffce017fce8, WNOHANG, NULL) = -1 ECHILD (No child processes)', '12927 1700000000.005000 +++ exited with 0 +++'),
    ])
      assert.equal(unusable(t), null);
  });
});

describe('a log recorded with -e trace= naming calls that leave out the forks or the waits', () => {
  // `strace -f -ttt -e trace=file`: the execs and opens, the exit records, no fork, wait or exit_group.
  const fileCalls = log(
    `12940 1700000000.000000 ${EXEC}`,
    '12940 1700000000.001000 openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3',
    '12941 1700000000.009200 +++ exited with 0 +++',
    `12940 1700000000.009400 ${EXITED.replace('12934', '12941')}`,
    '12940 1700000000.010100 +++ exited with 0 +++',
    '12942 1700000000.060100 +++ exited with 0 +++',
  );
  // `strace -f -ttt -e trace=clone`: the forks, not the waits that reaped their children.
  const cloneOnly = log(
    `12950 1700000000.005000 ${FORK} = 12951`,
    `12951 1700000000.008000 ${FORK} = 12952`,
    '12951 1700000000.009200 +++ exited with 0 +++',
    `12950 1700000000.009400 ${EXITED.replace('12934', '12951')}`,
    '12950 1700000000.010100 +++ exited with 0 +++',
    '12952 1700000000.060100 +++ exited with 0 +++',
  );

  test('without the forks: no tree, and what to record instead', () => {
    assert.match(
      unusable(fileCalls) ?? '',
      /^it was recorded with -e trace= naming calls that leave out the forks: fork, vfork, clone and clone3 are not in it \(nor exit_group\), so who forked whom cannot be known\. Record it again with every call, or with -e trace=%process,%signal: strace -f -ttt -o trace\.log PROGRAM$/,
    );
  });

  test('without the waits: no tree (every child would look like a zombie never reaped)', () => {
    assert.match(
      unusable(cloneOnly) ?? '',
      /leave out the waits: wait4, waitpid and waitid are not in it \(nor exit_group\), so which child was reaped, and when, cannot be known/,
    );
  });

  test('a program that never waits, recorded whole, is usable: its exit_group calls are there (read at byte level, or as text)', () => {
    const neverWaits = log(
      `12950 1700000000.005000 ${FORK} = 12951`,
      '12951 1700000000.008000 exit_group(0)   = ?',
      '12951 1700000000.009200 +++ exited with 0 +++',
      `12950 1700000000.009400 ${EXITED.replace('12934', '12951')}`,
      '12950 1700000000.010000 exit_group(0 <unfinished ...>',
      '12950 1700000000.010050 <... exit_group resumed>) = ?',
      '12950 1700000000.010100 +++ exited with 0 +++',
    );
    assert.equal(unusable(neverWaits), null);
    assert.equal(unusable(neverWaits.replace(/^(\d+) /gm, '[pid $1] ')), null, 'the same log as text (strace without -o)');
    assert.equal(analyzeText(neverWaits).diagnostics[0]?.kind, 'zombie-leak', 'its zombie is still found');
  });

  test('processes killed by a signal call no exit: a log of them is usable', () => {
    const killed = log(
      `12950 1700000000.005000 ${FORK} = 12951`,
      '12951 1700000000.009200 +++ killed by SIGKILL +++',
      '12950 1700000000.010100 +++ killed by SIGKILL +++',
    );
    assert.equal(unusable(killed), null);
  });
});

describe('a log recorded with -e signal=none', () => {
  const HANDLER = 'rt_sigaction(SIGCHLD, {sa_handler=0x55aeac30b1b9, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f8389887050}, NULL, 8) = 0';
  const lines = [
    `23855 1700000000.000000 ${HANDLER}`,
    `23855 1700000000.001000 ${FORK} = 23857`,
    '23857 1700000000.002000 exit_group(0)   = ?',
    '23857 1700000000.002100 +++ exited with 0 +++',
    '23855 1700000000.002200 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 23857',
    '23855 1700000000.002300 rt_sigreturn({mask=[]}) = 0',
    '23855 1700000000.003000 exit_group(0)   = ?',
    '23855 1700000000.003100 +++ exited with 0 +++',
  ];

  test('says the handler findings cannot be made, at the first handler return', () => {
    const s = analyzeText(log(...lines));
    assert.equal(s.warnings[0]?.line, 6);
    assert.match(
      s.warnings[0].reason,
      /^this log has no signal records .* -e signal=none, .*eintr-no-restart and sigchld-coalesced cannot be found in it\. Record without that option: strace -f -ttt -o trace\.log PROGRAM$/,
    );
  });

  test('no such warning with the signal record, or for a handler that was running before an attach (no sigaction in the log)', () => {
    const withSignal = [
      ...lines.slice(0, 4),
      '23855 1700000000.002150 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=23857, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
      ...lines.slice(4),
    ];
    assert.deepEqual(analyzeText(log(...withSignal)).warnings, []);
    assert.deepEqual(analyzeText(log(...lines.slice(1))).warnings, []);
  });
});

describe("strace -c's summary table", () => {
  const table = [
    '% time     seconds  usecs/call     calls    errors syscall',
    '------ ----------- ----------- --------- --------- ----------------',
    ' 75.17    0.000560          56        10         3 wait4',
    '  0.00    0.000000           0        15           read',
    '------ ----------- ----------- --------- --------- ----------------',
    '100.00    0.000745           1       573        96 total',
  ];

  test('after the calls (strace -C): read past, no warning, the calls still count', () => {
    const s = analyzeText(
      log(`12950 1700000000.005000 ${FORK} = 12951`, '12951 1700000000.008000 exit_group(0)   = ?', '12951 1700000000.009200 +++ exited with 0 +++', ...table),
    );
    assert.deepEqual(s.warnings, []);
    assert.equal(s.processes.length, 2);
  });

  test('alone (strace -c): not a log of calls, and it says so', () => {
    const session = new TraceSession();
    session.push(log(...table));
    assert.match(
      session.finish() ?? '',
      /^it holds only the summary table of strace -c \(each call's count and time\), and -c writes no record of the calls themselves$/,
    );
  });

  test('a line after the total is read again', () => {
    const s = analyzeText(log(`12950 1700000000.005000 ${FORK} = 12951`, ...table, 'garbage'));
    assert.match(s.warnings[0]?.reason ?? '', /unrecognized line: garbage/);
  });
});

describe('two runs appended to one log (strace -A)', () => {
  const run = (pid: number, at: number): string[] => [
    `${pid} ${at}.000000 execve("/usr/bin/sh", ["sh", "-c", "sleep 0.05 & wait"], 0x7ffc75e32268 /* 35 vars */) = 0`,
    `${pid} ${at}.001000 vfork( <unfinished ...>`,
    `${pid + 1} ${at}.002000 execve("/usr/bin/sleep", ["sleep", "0.05"], 0x7ffc75e32268 /* 35 vars */) = 0`,
    `${pid} ${at}.002100 <... vfork resumed>) = ${pid + 1}`,
    `${pid + 1} ${at}.050000 exit_group(0)   = ?`,
    `${pid + 1} ${at}.050100 +++ exited with 0 +++`,
    `${pid} ${at}.050200 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = ${pid + 1}`,
    `${pid} ${at}.051000 exit_group(0)   = ?`,
    `${pid} ${at}.051100 +++ exited with 0 +++`,
  ];

  test('the second run is reaped by strace, as the first; its vfork child (exec before the vfork returned) by its parent', () => {
    const s = analyzeText(log(...run(28588, 1700000000), ...run(28593, 1700000001)));
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.parentPid, p.reaped?.how, p.reaped?.by]),
      [
        [28588, null, 'tracer', null],
        [28589, 28588, 'wait', 28588],
        [28593, null, 'tracer', null],
        [28594, 28593, 'wait', 28593],
      ],
    );
    assert.deepEqual(s.warnings, []);
  });
});

describe('a log that begins mid-run (strace -f -p PID, recorded by hand)', () => {
  // strace 6.1 attached to test/programs/attach_target (pid 32313, threads 32315 and 32316)
  // and its living child 32317; the child exits, 32313 reaps it, then forks and reaps 32328.
  const attached = log(
    '32317 1796286929.015996 read(0,  <unfinished ...>',
    '32316 1796286929.016053 pause( <unfinished ...>',
    '32315 1796286929.016062 pause( <unfinished ...>',
    '32313 1796286929.016075 wait4(32317,  <unfinished ...>',
    '32317 1796286930.008613 <... read resumed>"\\n", 4096) = 1',
    '32317 1796286930.008751 exit_group(4)   = ?',
    '32317 1796286930.008923 +++ exited with 4 +++',
    '32313 1796286930.008999 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 4}], 0, NULL) = 32317',
    '32313 1796286930.009037 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=32317, si_uid=0, si_status=4, si_utime=0, si_stime=0} ---',
    '32313 1796286930.511736 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>',
    '32328 1796286930.513312 set_robust_list(0x7fe1bc523a20, 24) = 0',
    '32313 1796286930.513373 <... clone resumed>, child_tidptr=0x7fe1bc523a10) = 32328',
    '32328 1796286930.513503 exit_group(5)   = ?',
    '32328 1796286930.513658 +++ exited with 5 +++',
    '32313 1796286930.513665 wait4(32328,  <unfinished ...>',
    '32313 1796286930.513780 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 5}], 0, NULL) = 32328',
    '32313 1796286930.513933 clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=5, tv_nsec=0},  <detached ...>',
  );

  test('an attached child is reaped by the traced process whose wait returned it, not by "an unidentified process"', () => {
    const s = analyzeText(attached);
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.parentPid, p.state, p.reaped?.by ?? null, p.before ?? false]),
      [
        [32317, null, 'reaped', 32313, true],
        [32313, null, 'running', null, true],
        [32328, 32313, 'reaped', 32313, false],
        [32316, null, 'running', null, true],
        [32315, null, 'running', null, true],
      ],
    );
    assert.ok(!s.warnings.some((w) => /already reaped/.test(w.reason)), JSON.stringify(s.warnings));
  });

  test('times count from the earliest call it reads, begun then and read once it resumed (the wait4 of line 4); those found there start at 0', () => {
    const s = analyzeText(attached);
    assert.equal(byPid(s, 32317).start, 0);
    assert.equal(byPid(s, 32317).exit?.time, 0.992848);
    assert.equal(byPid(s, 32328).start, 1.495661);
    assert.equal(s.duration, 1.497858);
  });

  test('says first, at line 1, that the processes found there have unknown parents and may be threads', () => {
    const [first, ...rest] = analyzeText(attached).warnings;
    assert.equal(first.line, 1);
    assert.equal(first.recording, true);
    assert.match(
      first.reason,
      /^this log begins mid-run: .*strace attached to running processes \(-p\).* 4 processes appear in it with no fork that made them \(pids 32317, 32313, 32316, 32315\): .*which of them are threads of one process are not in the log\. forktrace attach PID/,
    );
    assert.deepEqual(rest, []);
  });

  test('a wait that reaps a child the log never showed (there before it, never traced) shows that child, reaped by the waiter, with no warning', () => {
    // strace -f -ttt -p of a threaded server (/tmp/qa2/tpool.c): strace -p follows only the pids it is
    // given, so the child forked just before the attach, 11169, shows only in the wait that reaps it.
    const s = analyzeText(
      log(
        '11150 1796307436.878782 getppid() = 1',
        '11150 1796307436.952418 clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=100000000}, NULL) = 0',
        '11150 1796307436.952601 wait4(11169, [{WIFEXITED(s) && WEXITSTATUS(s) == 2}], 0, NULL) = 11169',
        '11150 1796307436.952700 write(1, "x", 1) = 1',
        '11150 1796307436.952833 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 11170',
        '11170 1796307436.963000 exit_group(0)   = ?',
        '11170 1796307436.963200 +++ exited with 0 +++',
        '11150 1796307437.053000 wait4(11170, NULL, 0, NULL) = 11170',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.parentPid, p.state, p.reaped?.by ?? null, p.before ?? false, p.exit?.code ?? null, p.exit?.time ?? null]),
      [
        [11150, null, 'running', null, true, null, null],
        [11169, 11150, 'reaped', 11150, true, 2, null],
        [11170, 11150, 'reaped', 11150, false, 0, 0.084418],
      ],
    );
    // Its exit time is not known: a zombie from some time until the wait, never said to be one before the trace.
    assert.deepEqual(byPid(s, 11169).zombie, { from: null, to: 0.073819 });
    assert.ok(!s.warnings.some((w) => /never saw start/.test(w.reason)), JSON.stringify(s.warnings));
    assert.deepEqual(s.diagnostics, []);
  });

  test('in a log that began with the program (its execve), such a wait is a warning: no process is made up', () => {
    const s = analyzeText(
      log(
        `100 1700000000.000000 ${EXEC}`,
        '100 1700000000.100000 write(1, "x", 1) = 1',
        '100 1700000000.200000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4242',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => p.pid),
      [100],
    );
    assert.deepEqual(
      s.warnings.map((w) => [w.line, w.reason]),
      [[3, 'wait4 reaped pid 4242, which the trace never saw start']],
    );
  });

  test('an idle process attached to shows, though its only record is the call it sat in (detached, or never resumed)', () => {
    // strace -f -p A -p B of two sleeping processes, stopped after a second.
    const idle = log(
      '1862  1796287283.252514 restart_syscall(<... resuming interrupted read ...> <unfinished ...>',
      '1863  1796287283.252597 restart_syscall(<... resuming interrupted read ...> <detached ...>',
    );
    const s = analyzeText(idle);
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.state, p.start, p.before]),
      [
        [1863, 'running', 0, true],
        [1862, 'running', 0, true],
      ],
    );
    const one = analyzeText(log('1754  1796287258.403874 restart_syscall(<... resuming interrupted read ...> <detached ...>'));
    assert.deepEqual(
      one.processes.map((p) => [p.pid, p.state]),
      [[1754, 'running']],
    );
    assert.deepEqual(one.warnings, [], 'one process: nothing about it is unknown that the picture claims');
  });

  test('a call still open when a whole log ends does not shorten it, and names no process of its own', () => {
    const s = analyzeText(
      log(
        `12933 1700000000.000000 ${EXEC}`,
        `12933 1700000000.005000 ${FORK} = 12934`,
        '12934 1700000000.006000 read(0,  <unfinished ...>',
        '12933 1700000000.900000 exit_group(0) = ?',
        '12933 1700000000.900100 +++ exited with 0 +++',
      ),
    );
    assert.equal(s.duration, 0.9001);
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.parentPid, p.before ?? false]),
      [
        [12933, null, false],
        [12934, 12933, false],
      ],
    );
    assert.deepEqual(s.warnings, []);
  });
});

describe('a log recorded with -e trace=!clone (exit_group kept, the forks left out)', () => {
  // strace -f -ttt -e 'trace=!clone' test/programs/make_zombies: three children nobody waits for.
  const notClone = log(
    '32243 1796286779.260206 execve("/work/main/test/programs/make_zombies", ["/work/main/test/programs/make_zo"...], 0x7ffcc0e230e8 /* 35 vars */) = 0',
    '32243 1796286779.261865 set_tid_address(0x7fa613aeea10) = 32243',
    '32244 1796286779.262649 set_robust_list(0x7fa613aeea20, 24) = 0',
    '32244 1796286779.262806 exit_group(0 <unfinished ...>',
    '32245 1796286779.262829 set_robust_list(0x7fa613aeea20, 24) = 0',
    '32245 1796286779.262895 exit_group(0 <unfinished ...>',
    '32244 1796286779.262909 <... exit_group resumed>) = ?',
    '32246 1796286779.262934 set_robust_list(0x7fa613aeea20, 24) = 0',
    '32246 1796286779.262997 exit_group(0)   = ?',
    '32244 1796286779.263100 +++ exited with 0 +++',
    '32245 1796286779.263200 <... exit_group resumed>) = ?',
    '32245 1796286779.263300 +++ exited with 0 +++',
    '32246 1796286779.263400 +++ exited with 0 +++',
    '32243 1796286779.264000 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=32244, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
    '32243 1796286839.265000 exit_group(0)   = ?',
    '32243 1796286839.265100 +++ exited with 0 +++',
  );

  test('no tree (before, three zombies leaked for a minute showed as reaped at once, with no finding), and the pids that came from nowhere', () => {
    assert.match(
      unusable(notClone) ?? '',
      /^it was recorded with -e trace= naming calls that leave out the forks: fork, vfork, clone and clone3 are not in it, though pids 32244, 32245, 32246 appear in it, so who forked whom cannot be known\. Record it again/,
    );
  });

  test('with a fork left in the log (threads made by clone3), the processes that came from nowhere are named first', () => {
    const withThread = notClone.replace(
      /^(32243 1796286779.261865 .*\n)/m,
      '$1' +
        '32243 1796286779.262000 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f00, parent_tid=0x7f00, exit_signal=0, stack=0x7f00, stack_size=0x7fff00, tls=0x7f00} => {parent_tid=[32250]}, 88) = 32250\n',
    );
    assert.equal(unusable(withThread), null);
    const [first] = analyzeText(withThread).warnings;
    assert.equal(first.recording, true);
    // The first record the model reads of them: 32244's exit (set_robust_list and exit_group are skipped).
    assert.equal(first.line, 11);
    assert.match(
      first.reason,
      /^pids 32244, 32245, 32246 appear in this log with no fork that made them: they are drawn as roots, .* -e trace= that leaves out clone or clone3/,
    );
  });
});

describe('strace -X raw: flags, signals and codes printed as numbers', () => {
  // strace 6.1 -f -ttt -X raw of test/programs/threads (two threads, then a child reaped)
  // and of a program that installs a SIGCHLD handler with SA_NOCLDWAIT|SA_RESTART.
  test('a thread made by clone3 with flags=0x3d0f00 (CLONE_THREAD is 0x10000) is a thread, not a process', () => {
    const s = analyzeText(
      log(
        '2135  1796288026.536343 execve("/work/main/test/programs/threads", ["/work/main/test/programs/threads"], 0x7fff5d323468 /* 35 vars */) = 0',
        '2135  1796288026.539266 clone3({flags=0x3d0f00, child_tid=0x7f73e841a990, parent_tid=0x7f73e841a990, exit_signal=0, stack=0x7f73e7c1a000, stack_size=0x7fff80, tls=0x7f73e841a6c0} => {parent_tid=[2136]}, 88) = 2136',
        '2136  1796288026.539991 exit(0) = ?',
        '2136  1796288026.540094 +++ exited with 0 +++',
        '2135  1796288026.540376 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f73e841ba10) = 2138',
        '2138  1796288026.540786 exit_group(7)   = ?',
        '2138  1796288026.541040 +++ exited with 7 +++',
        '2135  1796288026.541070 wait4(2138, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = 2138',
        '2135  1796288026.541321 exit_group(0)   = ?',
        '2135  1796288026.541555 +++ exited with 0 +++',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.threads, p.state]),
      [
        [2135, 2, 'exited'],
        [2138, 1, 'reaped'],
      ],
    );
    assert.deepEqual(s.diagnostics, []);
    assert.deepEqual(s.warnings, []);
  });

  test('rt_sigaction(17, {sa_handler=…, sa_flags=0x14000002}) is SIGCHLD with SA_NOCLDWAIT: the kernel reaps, no leak', () => {
    const s = analyzeText(
      log(
        '300  1700000000.000000 execve("/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '300  1700000000.001000 rt_sigaction(17, {sa_handler=0x55b9312891b9, sa_mask=[], sa_flags=0x14000002, sa_restorer=0x7fbba7505050}, NULL, 8) = 0',
        '300  1700000000.002000 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f73e841ba10) = 301',
        '301  1700000000.003000 exit_group(0)   = ?',
        '301  1700000000.003100 +++ exited with 0 +++',
        '300  1700000000.003200 --- SIGCHLD {si_signo=17, si_code=0x1, si_pid=301, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
        '300  1700000000.003300 rt_sigreturn({mask=[]}) = 0',
        '300  1700000000.500000 exit_group(0)   = ?',
        '300  1700000000.500100 +++ exited with 0 +++',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.state, p.reaped?.how ?? null]),
      [
        [300, 'exited', 'tracer'],
        [301, 'exited', 'auto'],
      ],
    );
    assert.deepEqual(s.diagnostics, []);
  });

  test("SIG_IGN is 0x1, waitid's si_code=0x1 is CLD_EXITED, and WNOWAIT is 0x1000000 of waitid's options", () => {
    const ignored = analyzeText(
      log(
        '300  1700000000.000000 execve("/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '300  1700000000.001000 rt_sigaction(17, {sa_handler=0x1, sa_mask=[], sa_flags=0x4000000, sa_restorer=0x7fbba7505050}, NULL, 8) = 0',
        '300  1700000000.002000 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f73e841ba10) = 301',
        '301  1700000000.003100 +++ exited with 0 +++',
        '300  1700000000.500100 +++ exited with 0 +++',
      ),
    );
    assert.equal(byPid(ignored, 301).reaped?.how, 'auto');
    const waited = (options: string) =>
      analyzeText(
        log(
          '300  1700000000.000000 execve("/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
          '300  1700000000.002000 clone(child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f73e841ba10) = 301',
          '301  1700000000.003100 +++ exited with 3 +++',
          `300  1700000000.004000 waitid(0, 0, {si_signo=17, si_code=0x1, si_pid=301, si_uid=0, si_status=3, si_utime=0, si_stime=0}, ${options}, NULL) = 0`,
          '300  1700000000.500100 +++ exited with 0 +++',
        ),
      );
    assert.equal(byPid(waited('0x4'), 301).reaped?.how, 'wait', 'WEXITED: reaped');
    assert.equal(byPid(waited('0x1000004'), 301).reaped?.how, 'adopter', 'WEXITED|WNOWAIT: only looked at, then init reaped it');
  });
});

describe('a log narrowed by -e trace= to the process calls, without execve or clone3', () => {
  // strace -f -ttt -e trace=clone,wait4,exit_group test/programs/handler_and_system: system()
  // forks 6810 with clone3 (left out), then three children by fork (clone).
  const narrowed = log(
    '6809  1796288833.344507 wait4(6810,  <unfinished ...>',
    '6810  1796288833.352459 exit_group(0)   = ?',
    '6810  1796288833.352960 +++ exited with 0 +++',
    '6809  1796288833.353001 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 6810',
    '6809  1796288833.353129 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7faaf61cea10) = 6811',
    '6811  1796288833.360034 exit_group(0)   = ?',
    '6811  1796288833.362148 +++ exited with 0 +++',
    '6809  1796288833.466757 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 6811',
    '6809  1796288833.667415 exit_group(0)   = ?',
    '6809  1796288833.667802 +++ exited with 0 +++',
  );

  test('says the forks of the processes that came from nowhere were left out, not that strace attached; nothing is marked present before', () => {
    const s = analyzeText(narrowed);
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.parentPid, p.before ?? false]),
      [
        [6810, null, false],
        [6809, null, false],
        [6811, 6809, false],
      ],
    );
    const [first, ...rest] = s.warnings;
    assert.equal(first.recording, true);
    assert.match(
      first.reason,
      /^this log holds only calls that make, run and reap processes \(strace -e trace= named them\), and pids 6810, 6809 appear in it with no fork that made them \(the program strace started among them: .*\): the fork was left out \(clone3, which posix_spawn and system\(\) use, .*Record with -e trace=%process,%signal/,
    );
    assert.deepEqual(rest, []);
  });

  test("with a handler's WNOHANG wait right after SIGCHLD but no rt_sigaction or rt_sigreturn (-e trace=%process), says the handler findings cannot be made", () => {
    const sigchld =
      '6809  1796288833.466641 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=6810, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---';
    const withSignal = narrowed.replace(/^(6809 .*WNOHANG.*)$/m, `${sigchld}\n$1`);
    const warning = analyzeText(withSignal).warnings.find((w) => w.reason.startsWith('a SIGCHLD handler seems to reap here'));
    assert.ok(warning);
    assert.equal(warning.recording, true);
    assert.equal(warning.line, 9);
    assert.match(warning.reason, /only the process calls .*: the handler is not in it, so eintr-no-restart and sigchld-coalesced cannot be found/);
    // A whole log of a program that never installs a handler: its other calls show it is not narrowed.
    const whole = withSignal.replace(/^(6809 .*WNOHANG.*)$/m, '6809  1796288833.466700 write(1, "x", 1) = 1\n$1');
    assert.ok(!analyzeText(whole).warnings.some((w) => w.reason.startsWith('a SIGCHLD handler')));
    // Nor a narrowed log whose SIGCHLD no wait follows (no handler to speak of).
    assert.ok(
      !analyzeText(narrowed.replace(/^(6809 .*WNOHANG.*)$/m, `${sigchld}\n6809  1796288833.466700 getppid() = 1\n$1`)).warnings.some((w) =>
        w.reason.startsWith('a SIGCHLD handler'),
      ),
    );
  });

  test('with no fork in it at all and processes that came from nowhere, no tree', () => {
    assert.match(unusable(narrowed.replace(/^6809 .* clone\(.*\n/m, '')) ?? '', /leave out the forks: .*though pids 6810, 6809, 6811 appear in it/);
  });
});

describe('a log recorded with -e trace=!execve (the program started by strace, its execve left out)', () => {
  // strace -f -ttt -e 'trace=!execve' examples/double_fork_daemon 0.2, cut to the records the model reads.
  const withoutExec = (first: string) =>
    log(
      `6180  1796307033.040052 ${first}`,
      '6180  1796307033.040373 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fe7b4a54000',
      `6180  1796307033.041672 ${FORK} = 6181`,
      '6180  1796307033.041861 wait4(6181,  <unfinished ...>',
      `6181  1796307033.041973 ${FORK} = 6182`,
      '6181  1796307033.042264 exit_group(0)   = ?',
      '6181  1796307033.042391 +++ exited with 0 +++',
      '6180  1796307033.042398 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 6181',
      '6180  1796307033.042557 exit_group(0)   = ?',
      '6180  1796307033.042689 +++ exited with 0 +++',
      '6182  1796307033.247787 exit_group(0)   = ?',
      '6182  1796307033.248001 +++ exited with 0 +++',
    );

  test("begun by brk(NULL), a program's first call: the root is strace's child, reaped by strace, not present before the trace", () => {
    const s = analyzeText(withoutExec('brk(NULL)       = 0x5637dfc6b000'));
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.parentPid, p.before ?? false, p.reaped?.how]),
      [
        [6180, null, false, 'tracer'],
        [6181, 6180, false, 'wait'],
        [6182, 6181, false, 'adopter'],
      ],
    );
    const [first, ...rest] = s.warnings;
    assert.deepEqual([first.line, first.recording], [1, true]);
    assert.match(
      first.reason,
      /^this log has no execve: it begins with brk\(NULL\), a program's first call, so strace started the program, but -e trace= left execve out/,
    );
    assert.match(first.reason, /Record with execve in the trace .*: strace -f -ttt -o trace\.log PROGRAM$/);
    assert.deepEqual(rest, []);
  });

  test('begun by any other call, it began mid-run (an attach): the root was there before the trace, and no execve warning', () => {
    const s = analyzeText(withoutExec('brk(0x5637dfc8c000) = 0x5637dfc8c000'));
    assert.equal(byPid(s, 6180).before, true);
    assert.ok(!s.warnings.some((w) => w.reason.startsWith('this log has no execve')), JSON.stringify(s.warnings));
  });

  test('brk(NULL) after the first record, or a log with an execve in it, changes nothing', () => {
    const later = withoutExec('getppid() = 1').replace('0x7fe7b4a54000\n', '0x7fe7b4a54000\n6180  1796307033.040400 brk(NULL) = 0x5637dfc6b000\n');
    assert.equal(byPid(analyzeText(later), 6180).before, true);
    const execed = log(`6180  1796307033.040000 ${EXEC}`, withoutExec('brk(NULL)       = 0x5637dfc6b000').trimEnd());
    const s = analyzeText(execed);
    assert.equal(byPid(s, 6180).command, 'double_fork_daemon');
    assert.deepEqual(s.warnings, []);
  });
});
