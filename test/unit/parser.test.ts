// The strace parser against every output form of design.md §3, on short hand-written
// snippets (and a few lines copied from the recorded fixtures).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExitEvent, SignalEvent, StraceMessageEvent, SupersededEvent, SyscallEvent, TraceEvent } from '../../src/core/events';
import { StraceParser } from '../../src/core/parser';
import { TraceSession } from '../../src/core/session';
import { analyzeText, byPid, diagnosticsOf, echoLocator, log, parseEvents, sessionOf } from '../support/core';

function syscalls(events: TraceEvent[]): SyscallEvent[] {
  return events.filter((e): e is SyscallEvent => e.kind === 'syscall');
}

function only<T extends TraceEvent>(events: TraceEvent[], kind: T['kind']): T {
  const found = events.filter((e) => e.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind} event, got ${found.length}`);
  return found[0] as T;
}

function near(actual: number, expected: number, tolerance = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
}

describe('pid prefixes', () => {
  test('a line with no pid prefix gives an event with pid null', () => {
    const { events, warnings } = parseEvents(log('execve("/bin/true", ["true"], 0x7ffd0000 /* 3 vars */) = 0'));
    assert.deepEqual(warnings, []);
    const e = only<SyscallEvent>(events, 'syscall');
    assert.equal(e.pid, null);
    assert.equal(e.name, 'execve');
    assert.equal(e.args, '"/bin/true", ["true"], 0x7ffd0000 /* 3 vars */');
    assert.equal(e.result, '0');
    assert.equal(e.errno, null);
    assert.equal(e.line, 1);
  });

  test('`[pid  N] ` (strace without -o) gives pid N', () => {
    const { events } = parseEvents(log('[pid  4445] setsid()                    = 4445'));
    const e = only<SyscallEvent>(events, 'syscall');
    assert.equal(e.pid, 4445);
    assert.equal(e.name, 'setsid');
    assert.equal(e.args, '');
    assert.equal(e.result, '4445');
  });

  test('`N  ` (strace -f -o FILE) gives pid N', () => {
    const { events } = parseEvents(log('4445  setsid()        = 4445'));
    const e = only<SyscallEvent>(events, 'syscall');
    assert.equal(e.pid, 4445);
    assert.equal(e.result, '4445');
    assert.ok(Number.isNaN(e.time));
  });

  test('`N<comm> ` (-Y) gives pid and comm, and `= 4481<comm>` results are plain pids', () => {
    const { events, warnings } = parseEvents(
      log(
        '4480<strace> 1795356403.716312 execve("examples/double_fork_daemon", ["examples/double_fork_daemon", "0.2"], 0x7ffeb67a2550 /* 39 vars */) = 0',
        '4480<double_fork_dae> 1795356403.720382 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7fe76171da10) = 4481<double_fork_dae>',
        '4482<double_fork_dae> 1795356403.922295 getppid() = 1<process_api>',
      ),
    );
    assert.deepEqual(warnings, []);
    const [exec, clone, getppid] = syscalls(events);
    assert.equal(exec.pid, 4480);
    assert.equal(exec.comm, 'strace');
    assert.equal(clone.pid, 4480);
    assert.equal(clone.comm, 'double_fork_dae');
    assert.equal(clone.result, '4481');
    assert.equal(clone.time, 1795356403.720382);
    assert.equal(getppid.pid, 4482);
    assert.equal(getppid.result, '1');
  });

  test('`[pid N<comm>] ` (-Y without -o) gives pid and comm', () => {
    const { events, warnings } = parseEvents(log('[pid  4481<srv>] setsid() = 4481'));
    assert.deepEqual(warnings, []);
    const e = only<SyscallEvent>(events, 'syscall');
    assert.equal(e.pid, 4481);
    assert.equal(e.comm, 'srv');
    assert.equal(e.name, 'setsid');
  });

  test('-Y decorations inside arguments do not stop a wait4 from reaping its child', () => {
    const s = analyzeText(
      log(
        '4480<strace> 1795356403.716312 execve("examples/double_fork_daemon", ["examples/double_fork_daemon", "0.2"], 0x7ffe /* 39 vars */) = 0',
        '4480<double_fork_dae> 1795356403.720382 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7fe76171da10) = 4481<double_fork_dae>',
        '4480<double_fork_dae> 1795356403.720723 wait4(4481<double_fork_dae>,  <unfinished ...>',
        '4481<double_fork_dae> 1795356403.721611 exit_group(0) = ?',
        '4481<double_fork_dae> 1795356403.721831 +++ exited with 0 +++',
        '4480<double_fork_dae> 1795356403.721904 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4481',
      ),
    );
    const child = byPid(s, 4481);
    assert.equal(child.parentPid, 4480);
    assert.equal(child.state, 'reaped');
    assert.deepEqual(child.reaped, { time: 0.005592, by: 4480, how: 'wait', seen: true });
  });
});

describe('timestamps', () => {
  test('-t `HH:MM:SS` is seconds of the day', () => {
    const { events, parser } = parseEvents(log('4450  14:06:42 setsid()                 = 4451'));
    assert.equal(only<SyscallEvent>(events, 'syscall').time, 14 * 3600 + 6 * 60 + 42);
    assert.equal(parser.timestampStyle, 'clock');
  });

  test('-tt `HH:MM:SS.uuuuuu` keeps the microseconds', () => {
    const { events } = parseEvents(log('4456  14:06:42.872808 setsid()          = 4457'));
    near(only<SyscallEvent>(events, 'syscall').time, 50802.872808, 1e-9);
  });

  test('-ttt epoch seconds with microseconds', () => {
    const { events, parser } = parseEvents(log('4185  1795356398.558863 setsid() = 4185'));
    assert.equal(only<SyscallEvent>(events, 'syscall').time, 1795356398.558863);
    assert.equal(parser.timestampStyle, 'epoch');
  });

  test('-ttt with nanoseconds (--timestamps=unix,ns)', () => {
    const { events, warnings } = parseEvents(
      log('4474  1795356403.506163535 execve("examples/double_fork_daemon", ["examples/double_fork_daemon", "0.2"], 0x7fff59e00cd8 /* 39 vars */) = 0'),
    );
    assert.deepEqual(warnings, []);
    near(only<SyscallEvent>(events, 'syscall').time, 1795356403.506164, 1e-6);
  });

  test('-r stamps are relative to the previous line, whichever pid printed it: times accumulate', () => {
    const { events, parser } = parseEvents(
      log(
        '4462       0.000000 execve("examples/double_fork_daemon", ["examples/double_fork_daemon", "0.2"], 0x7ffdb07aadd8 /* 39 vars */) = 0',
        '4462       0.004048 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f22a46bca10) = 4463',
        '4462       0.000266 wait4(4463,  <unfinished ...>',
        '4463       0.000080 setsid()            = 4463',
        '4463       0.000102 exit_group(0)       = ?',
        '4463       0.000185 +++ exited with 0 +++',
        '4462       0.000034 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4463',
      ),
    );
    assert.equal(parser.timestampStyle, 'relative');
    const times = events.map((e) => e.time);
    const expected = [0, 0.004048, 0.004394, 0.004496, 0.004681, 0.004715];
    assert.equal(times.length, expected.length);
    times.forEach((t, k) => near(t, expected[k], 1e-9));
    const wait = syscalls(events).find((e) => e.name === 'wait4');
    assert.ok(wait);
    near(wait.entryTime ?? NaN, 0.004314, 1e-9);
  });

  test('-r gives the snapshot relative times that add up', () => {
    const s = analyzeText(
      log(
        '4462       0.000000 execve("examples/double_fork_daemon", ["examples/double_fork_daemon", "0.2"], 0x7ffdb07aadd8 /* 39 vars */) = 0',
        '4462       0.004048 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f22a46bca10) = 4463',
        '4463       0.000500 exit_group(0)       = ?',
        '4463       0.000500 +++ exited with 0 +++',
        '4462       0.250000 wait4(4463, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4463',
      ),
    );
    assert.deepEqual(byPid(s, 4463).zombie, { from: 0.005048, to: 0.255048 });
  });

  test('-T `<0.000229>` is not part of the result; a whole call returned at stamp + duration', () => {
    const { events, warnings } = parseEvents(
      log(
        '4468  1795356403.299344 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f10b3671a10) = 4469 <0.000229>',
        '4468  1795356403.300100 wait4(-1, NULL, 0, NULL) = -1 ECHILD (No child processes) <0.000010>',
        '4468  1795356403.300721 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4469 <0.000969>',
      ),
    );
    assert.deepEqual(warnings, []);
    const [clone, failed, resumed] = syscalls(events);
    assert.equal(clone.result, '4469');
    assert.equal(clone.args, 'child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f10b3671a10');
    assert.equal(clone.entryTime, 1795356403.299344);
    near(clone.time, 1795356403.299573);
    assert.equal(failed.result, '-1');
    assert.equal(failed.errno, 'ECHILD');
    assert.equal(resumed.result, '4469');
    assert.equal(resumed.time, 1795356403.300721);
  });

  test('-t wraps at midnight: 00:00:01 after 23:59:59 is the next day', () => {
    const { events } = parseEvents(
      log(
        '100   23:59:59.900000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 101',
        '101   00:00:00.100000 exit_group(0) = ?',
        '101   00:00:00.200000 +++ exited with 0 +++',
        '100   00:00:00.300000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      ),
    );
    const times = events.map((e) => e.time);
    [86399.9, 86400.1, 86400.2, 86400.3].forEach((t, k) => near(times[k], t, 1e-9));
  });

  test('a snapshot across midnight keeps the zombie interval positive', () => {
    const s = analyzeText(
      log(
        '100   23:59:59 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 101',
        '101   23:59:59 exit_group(0) = ?',
        '101   23:59:59 +++ exited with 0 +++',
        '100   00:00:02 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      ),
    );
    assert.deepEqual(byPid(s, 101).zombie, { from: 0, to: 3 });
    assert.equal(s.duration, 3);
  });
});

describe('unfinished and resumed calls', () => {
  test('pairs interleaved across pids are joined to their own start', () => {
    const { events, warnings } = parseEvents(
      log(
        '100  1700000000.100000 wait4(-1,  <unfinished ...>',
        '101  1700000000.200000 read(0,  <unfinished ...>',
        '102  1700000000.300000 write(1, "x", 1 <unfinished ...>',
        '101  1700000000.400000 <... read resumed>"abc", 4096) = 3',
        '102  1700000000.500000 <... write resumed>) = 1',
        '100  1700000000.600000 <... wait4 resumed>0x7ffd0000, WNOHANG, NULL) = 0',
      ),
    );
    assert.deepEqual(warnings, []);
    const [read, write, wait] = syscalls(events);
    assert.deepEqual([read.pid, read.name, read.args, read.result, read.line], [101, 'read', '0, "abc", 4096', '3', 2]);
    assert.equal(read.entryTime, 1700000000.2);
    assert.equal(read.time, 1700000000.4);
    assert.deepEqual([write.pid, write.name, write.args, write.result, write.line], [102, 'write', '1, "x", 1', '1', 3]);
    assert.deepEqual([wait.pid, wait.name, wait.args, wait.result, wait.line], [100, 'wait4', '-1, 0x7ffd0000, WNOHANG, NULL', '0', 1]);
  });

  for (const reference of [false, true]) {
    test(`a call in progress when strace detached (\`strace -p\`, then Ctrl-C) ends in \`<detached ...>\`: no event, no warning (${reference ? 'text' : 'byte'} reading)`, () => {
      const text = log(
        '3618  1700000000.100000 close(3)        = 0',
        '3618  1700000000.200000 clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=50000000},  <detached ...>',
        '3619  1700000000.300000 wait4(-1,  <detached ...>',
      );
      for (const interesting of [undefined, new Set(['wait4'])]) {
        const { events, warnings, parser } = parseEvents(text, { reference, interesting });
        assert.deepEqual(warnings, []);
        assert.deepEqual(
          syscalls(events).map((e) => e.name),
          interesting ? [] : ['close'],
        );
        assert.equal(parser.fatal, null);
      }
    });
  }

  for (const reference of [false, true]) {
    test(`without -o: a call started on an unprefixed line (the only task then) resumes under its pid once another task appears (${reference ? 'text' : 'byte'} reading)`, () => {
      // As strace 6.1 printed GNU make -j2 to stderr: the clone3 of the only task, then `[pid N]` once its child was attached.
      const text = log(
        '1700000000.000000 execve("/usr/bin/make", ["make"], 0x7ffd0000 /* 3 vars */) = 0',
        '1700000000.100000 read(3,  <unfinished ...>',
        '[pid  1708] 1700000000.110000 <... read resumed>"x", 1) = 1',
        '1700000000.120000 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f5e42d80000, stack_size=0x9000}, 88strace: Process 1709 attached',
        ' <unfinished ...>',
        '[pid  1709] 1700000000.130000 execve("/usr/bin/gcc", ["gcc"], 0x7ffd0000 /* 3 vars */) = 0',
        '[pid  1708] 1700000000.140000 <... clone3 resumed>) = 1709',
        '[pid  1709] 1700000000.150000 exit_group(0) = ?',
        '[pid  1709] 1700000000.160000 +++ exited with 0 +++',
        '1700000000.170000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 1709',
      );
      const { events, warnings } = parseEvents(text, { reference, interesting: new Set(['clone3', 'execve', 'wait4', 'exit_group']) });
      assert.deepEqual(warnings, [], 'the unprefixed start and the prefixed end are one call');
      const clone = syscalls(events).find((e) => e.name === 'clone3');
      assert.deepEqual([clone?.pid, clone?.line, clone?.result, clone?.entryTime], [1708, 4, '1709', 1700000000.12]);
      assert.match(clone?.args ?? '', /^\{flags=CLONE_VM\|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f5e42d80000, stack_size=0x9000\}, 88$/);
    });
  }

  test('`<... wait4 resumed>, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 24983` reaps 24983', () => {
    const text = log(
      '24980 1700000000.000000 execve("/usr/bin/make", ["make"], 0x7ffd0000 /* 3 vars */) = 0',
      '24980 1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 24983',
      '24980 1700000000.200000 wait4(-1 <unfinished ...>',
      '24983 1700000000.300000 exit_group(0)     = ?',
      '24983 1700000000.400000 +++ exited with 0 +++',
      '24980 1700000000.500000 <... wait4 resumed>, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 24983',
    );
    const wait = syscalls(parseEvents(text).events).find((e) => e.name === 'wait4');
    assert.ok(wait);
    assert.equal(wait.args, '-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL');
    assert.equal(wait.result, '24983');
    assert.equal(wait.line, 3);
    const s = analyzeText(text);
    assert.deepEqual(byPid(s, 24983).reaped, { time: 0.5, by: 24980, how: 'wait', seen: true });
    assert.deepEqual(byPid(s, 24983).zombie, { from: 0.4, to: 0.5 });
  });

  test('a resumed call whose start was never seen still counts: its wait4 reaps the child', () => {
    const text = log(
      '100  1700000000.000000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
      '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 101',
      '101  1700000000.200000 exit_group(0) = ?',
      '101  1700000000.300000 +++ exited with 0 +++',
      '100  1700000000.400000 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
    );
    const { events } = parseEvents(text);
    const wait = syscalls(events).find((e) => e.name === 'wait4');
    assert.ok(wait);
    assert.equal(wait.result, '101');
    assert.equal(wait.line, 5);
    assert.equal(wait.entryTime, undefined);
    const s = analyzeText(text);
    assert.equal(byPid(s, 101).state, 'reaped');
    assert.equal(byPid(s, 101).reaped?.by, 100);
  });

  test('`= ? ERESTARTSYS (To be restarted if SA_RESTART is set)` gives result ? and errno ERESTARTSYS', () => {
    const { events, warnings } = parseEvents(
      log(
        '4306  1795356400.229701 accept(3, NULL, NULL <unfinished ...>',
        '4306  1795356400.231241 <... accept resumed>) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)',
        '4306  1795356400.236363 accept(3, NULL, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)',
      ),
    );
    assert.deepEqual(warnings, []);
    const [first, second] = syscalls(events);
    assert.deepEqual([first.name, first.args, first.result, first.errno], ['accept', '3, NULL, NULL', '?', 'ERESTARTSYS']);
    assert.deepEqual([second.result, second.errno], ['?', 'ERESTARTSYS']);
  });

  test('a fork interrupted with ERESTARTNOINTR made no child; the restarted clone did', () => {
    const s = analyzeText(
      log(
        '100  1700000000.000000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = ? ERESTARTNOINTR (To be restarted)',
        '100  1700000000.200000 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=99, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
        '100  1700000000.300000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 101',
      ),
    );
    assert.deepEqual(
      s.processes.map((p) => p.id),
      ['100', '101'],
    );
    assert.equal(byPid(s, 101).parentPid, 100);
    assert.equal(byPid(s, 101).start, 0.3);
    assert.deepEqual(s.warnings, []);
  });
});

describe('process-creating calls', () => {
  test('clone3 with CLONE_VM|CLONE_VFORK makes a child process, not a thread', () => {
    const s = analyzeText(
      log(
        '4274  1795356399.635922 execve("test/programs/posix_spawn", ["test/programs/posix_spawn"], 0x7ffd54f211c0 /* 39 vars */) = 0',
        '4274  1795356399.637620 clone3({flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f6992bf2000, stack_size=0x9000}, 88 <unfinished ...>',
        '4275  1795356399.641305 execve("/bin/true", ["true"], 0x7ffc8361f5c8 /* 39 vars */) = 0',
        '4274  1795356399.641492 <... clone3 resumed>) = 4275',
      ),
    );
    assert.equal(s.processes.length, 2);
    assert.equal(byPid(s, 4274).threads, 1);
    const child = byPid(s, 4275);
    assert.equal(child.parentPid, 4274);
    assert.equal(child.command, 'true');
    assert.deepEqual(child.argv, ['true']);
  });

  test('vfork() makes a child process', () => {
    const s = analyzeText(
      log(
        '4274  1795356399.635922 execve("test/programs/posix_spawn", ["test/programs/posix_spawn"], 0x7ffd54f211c0 /* 39 vars */) = 0',
        '4274  1795356399.642893 vfork( <unfinished ...>',
        '4276  1795356399.642987 exit_group(6)   = ?',
        '4274  1795356399.643030 <... vfork resumed>) = 4276',
        '4276  1795356399.643045 +++ exited with 6 +++',
        '4274  1795356399.643084 wait4(4276, [{WIFEXITED(s) && WEXITSTATUS(s) == 6}], 0, NULL) = 4276',
      ),
    );
    const child = byPid(s, 4276);
    assert.equal(child.parentPid, 4274);
    assert.equal(child.command, 'posix_spawn');
    assert.deepEqual(child.exit, { time: 0.007123, code: 6, signal: null, core: false });
    assert.equal(child.state, 'reaped');
    assert.equal(s.processes.length, 2);
  });
});

describe('signals, exits and strace messages', () => {
  test('`--- SIGCHLD {si_pid=…} ---` is a signal event carrying the siginfo text', () => {
    const { events } = parseEvents(
      log('4306  1795356400.231265 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4316, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---'),
    );
    const e = only<SignalEvent>(events, 'signal');
    assert.equal(e.pid, 4306);
    assert.equal(e.signal, 'SIGCHLD');
    assert.equal(e.info, '{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4316, si_uid=0, si_status=0, si_utime=0, si_stime=0}');
  });

  test('`--- stopped by SIGSTOP ---` is a stop, not a delivered signal', () => {
    const { events, warnings } = parseEvents(log('101   1700000000.200000 --- stopped by SIGSTOP ---'));
    assert.deepEqual(warnings, []);
    const e = only<SignalEvent>(events, 'signal');
    assert.equal(e.signal, 'SIGSTOP');
    assert.equal(e.info, 'stopped');
  });

  test('`+++ exited with N +++` gives the exit code', () => {
    const e = only<ExitEvent>(parseEvents(log('4188  1795356398.564634 +++ exited with 7 +++')).events, 'exit');
    assert.deepEqual([e.pid, e.code, e.signal, e.core], [4188, 7, null, false]);
  });

  test('`+++ killed by SIGSEGV (core dumped) +++` gives signal and core', () => {
    const e = only<ExitEvent>(parseEvents(log('4266  1795356399.627043 +++ killed by SIGSEGV (core dumped) +++')).events, 'exit');
    assert.deepEqual([e.code, e.signal, e.core], [null, 'SIGSEGV', true]);
  });

  test('`+++ killed by SIGTERM +++` has no core', () => {
    const e = only<ExitEvent>(parseEvents(log('4306  1795356400.549745 +++ killed by SIGTERM +++')).events, 'exit');
    assert.deepEqual([e.code, e.signal, e.core], [null, 'SIGTERM', false]);
  });

  test("`+++ superseded by execve in pid N +++` names the thread that exec'd", () => {
    const e = only<SupersededEvent>(parseEvents(log('4196  1795356398.577827 +++ superseded by execve in pid 4197 +++')).events, 'superseded');
    assert.deepEqual([e.pid, e.byTid], [4196, 4197]);
  });

  test("an execve ending `<pid changed to N ...>` resumes under the leader's pid after the superseded line", () => {
    const { events, warnings } = parseEvents(
      log(
        '4196  1795356398.577099 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f9a73cfe990, parent_tid=0x7f9a73cfe990, exit_signal=0, stack=0x7f9a734fe000, stack_size=0x7fff80, tls=0x7f9a73cfe6c0} => {parent_tid=[4197]}, 88) = 4197',
        '4197  1795356398.577374 execve("/bin/true", ["/bin/true"], 0x7f9a73cfdeb8 /* 0 vars */ <pid changed to 4196 ...>',
        '4196  1795356398.577827 +++ superseded by execve in pid 4197 +++',
        '4196  1795356398.577895 <... execve resumed>) = 0',
      ),
    );
    assert.deepEqual(warnings, []);
    const exec = syscalls(events).find((e) => e.name === 'execve');
    assert.ok(exec);
    assert.equal(exec.pid, 4196);
    assert.equal(exec.result, '0');
    assert.equal(exec.args, '"/bin/true", ["/bin/true"], 0x7f9a73cfdeb8 /* 0 vars */');
    assert.equal(exec.line, 2);
    assert.equal(exec.entryTime, 1795356398.577374);
  });

  test('`strace: Process N attached` on its own line is a message naming N', () => {
    const { events, warnings } = parseEvents(log('strace: Process 4446 attached'));
    assert.deepEqual(warnings, []);
    const e = only<StraceMessageEvent>(events, 'message');
    assert.equal(e.attachedPid, 4446);
    assert.equal(e.pid, null);
    assert.equal(e.line, 1);
  });

  test('`strace: Process N attached` landing mid-line: the cut record continues on the next line, later line numbers stay right', () => {
    const { events, warnings } = parseEvents(
      log(
        'execve("examples/double_fork_daemon", ["examples/double_fork_daemon", "0.2"], 0x7fff68046430 /* 39 vars */) = 0',
        'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLDstrace: Process 4445 attached',
        ', child_tidptr=0x7f31951b1a10) = 4445',
        '[pid  4444] wait4(4445,  <unfinished ...>',
        'this line is junk',
        '[pid  4445] exit_group(0)               = ?',
      ),
    );
    const messages = events.filter((e): e is StraceMessageEvent => e.kind === 'message');
    assert.deepEqual(
      messages.map((m) => [m.attachedPid, m.pid, m.inCall ?? false]),
      [
        [4445, null, false],
        // The wait4 still open at the end says 4444 was there.
        [null, 4444, true],
      ],
    );
    const clone = syscalls(events).find((e) => e.name === 'clone');
    assert.ok(clone);
    assert.equal(clone.args, 'child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f31951b1a10');
    assert.equal(clone.result, '4445');
    assert.equal(clone.line, 2);
    assert.deepEqual(
      warnings.map((w) => w.line),
      [5],
    );
    const exit = syscalls(events).find((e) => e.name === 'exit_group');
    assert.equal(exit?.line, 6);
  });

  test('`[ Process PID=N runs in 32 bit mode. ]` is recognized, not a warning', () => {
    const { warnings, parser } = parseEvents(log('[ Process PID=4000 runs in 32 bit mode. ]', '4000  setsid() = 4000'));
    assert.deepEqual(warnings, []);
    assert.equal(parser.recognizedLines, 2);
  });
});

describe('-k stack frames', () => {
  test('` > ` lines attach to the event above them', () => {
    const { events, warnings } = parseEvents(
      log(
        '4486  1795356403.932646 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f63b647aa10) = 4487',
        ' > /usr/lib/x86_64-linux-gnu/libc.so.6(_Fork+0x23) [0xd4353]',
        ' > /work/main/examples/double_fork_daemon(main+0x92) [0x126b]',
        '4487  1795356403.934823 setsid()        = 4487',
        ' > /usr/lib/x86_64-linux-gnu/libc.so.6(setsid+0x7) [0xd57d7]',
      ),
    );
    assert.deepEqual(warnings, []);
    const [clone, setsid] = syscalls(events);
    assert.deepEqual(clone.stack, ['/usr/lib/x86_64-linux-gnu/libc.so.6(_Fork+0x23) [0xd4353]', '/work/main/examples/double_fork_daemon(main+0x92) [0x126b]']);
    assert.deepEqual(setsid.stack, ['/usr/lib/x86_64-linux-gnu/libc.so.6(setsid+0x7) [0xd57d7]']);
  });

  test('frames printed after an unfinished call reach its resumed event, not the records in between', () => {
    const { events, warnings } = parseEvents(
      log(
        '100  1700000000.100000 wait4(-1,  <unfinished ...>',
        ' > /lib/libc.so.6(wait4+0x13) [0xd3bd3]',
        ' > /usr/bin/srv(main+0x1a1) [0x137a]',
        '101  1700000000.200000 exit_group(0) = ?',
        ' > /lib/libc.so.6(_exit+0x29) [0xd4409]',
        '101  1700000000.300000 +++ exited with 0 +++',
        '100  1700000000.400000 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      ),
    );
    assert.deepEqual(warnings, []);
    const wait = syscalls(events).find((e) => e.name === 'wait4');
    const exit = syscalls(events).find((e) => e.name === 'exit_group');
    assert.deepEqual(wait?.stack, ['/lib/libc.so.6(wait4+0x13) [0xd3bd3]', '/usr/bin/srv(main+0x1a1) [0x137a]']);
    assert.deepEqual(exit?.stack, ['/lib/libc.so.6(_exit+0x29) [0xd4409]']);
    assert.equal(only<ExitEvent>(events, 'exit').stack, undefined);
  });

  test('frames printed after a resumed line attach to that resumed call', () => {
    const { events } = parseEvents(
      log(
        '4486  1795356403.934722 wait4(4487,  <unfinished ...>',
        '4487  1795356403.940090 +++ exited with 0 +++',
        '4486  1795356403.940120 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 4487',
        ' > /usr/lib/x86_64-linux-gnu/libc.so.6(wait4+0x13) [0xd3bd3]',
        ' > /work/main/examples/double_fork_daemon(main+0x1a1) [0x137a]',
      ),
    );
    const wait = syscalls(events).find((e) => e.name === 'wait4');
    assert.deepEqual(wait?.stack, ['/usr/lib/x86_64-linux-gnu/libc.so.6(wait4+0x13) [0xd3bd3]', '/work/main/examples/double_fork_daemon(main+0x1a1) [0x137a]']);
  });

  test('a frame with no event before it is a warning on its line', () => {
    const { warnings, events } = parseEvents(log(' > /usr/bin/srv(main+0x10) [0x1010]', '100  setsid() = 100'));
    assert.deepEqual(
      warnings.map((w) => w.line),
      [1],
    );
    assert.equal(syscalls(events).length, 1);
  });
});

describe('truncation and quoting', () => {
  test('a truncated string `"abc"...` and a truncated array `, ...]` still give the call and its argv', () => {
    const text = log(
      '100  1700000000.000000 execve("/usr/bin/very-long-name", ["very-long-name", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"..., ...], 0x7ffd0000 /* 39 vars */) = 0',
      '100  1700000000.100000 write(1, "listening on 127.0.0.1:42137\\nand"..., 300) = 300',
    );
    const { events, warnings } = parseEvents(text);
    assert.deepEqual(warnings, []);
    const [, write] = syscalls(events);
    assert.equal(write.result, '300');
    const p = byPid(analyzeText(text), 100);
    assert.equal(p.command, 'very-long-name');
    assert.deepEqual(p.argv, ['very-long-name', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']);
  });

  test('` = ` and parentheses inside a string do not confuse the result', () => {
    const { events } = parseEvents(log('100  1700000000.100000 write(1, "x) = 5 (y", 10) = 10'));
    const e = only<SyscallEvent>(events, 'syscall');
    assert.equal(e.args, '1, "x) = 5 (y", 10');
    assert.equal(e.result, '10');
  });
});

// A log that exercises most forms at once, with UTF-8 in a -k frame path (strace
// prints paths in frames unescaped).
const MIXED = log(
  'execve("/usr/bin/srv", ["srv", "caf\\303\\251"], 0x7ffd0000 /* 3 vars */) = 0',
  ' > /home/zoë/bin/srv(_start+0x21) [0x1111]',
  'rt_sigaction(SIGCHLD, {sa_handler=0x5600, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f00}, NULL, 8) = 0',
  'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLDstrace: Process 101 attached',
  ', child_tidptr=0x7f0000000a10) = 101',
  ' > /home/zoë/bin/srv(main+0x92) [0x126b]',
  '[pid   100] accept(3, NULL, NULL <unfinished ...>',
  ' > /home/zoë/bin/srv(main+0xa0) [0x1279]',
  '[pid   101] exit_group(0)               = ?',
  '[pid   101] +++ exited with 0 +++',
  '[pid   100] <... accept resumed>)       = ? ERESTARTSYS (To be restarted if SA_RESTART is set)',
  '[pid   100] --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
  '[pid   100] wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 101',
  ' > /home/zoë/bin/srv(reap+0x1c) [0x12a0]',
  '[pid   100] rt_sigreturn({mask=[]})     = -1 EINTR (Interrupted system call)',
  'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 102',
  'strace: Process 102 attached',
  '[pid   102] exit_group(3)               = ?',
  '[pid   102] +++ exited with 3 +++',
  'junk that is not strace',
  '--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=102, si_uid=0, si_status=3, si_utime=0, si_stime=0} ---',
  'exit_group(0)                           = ?',
  '+++ exited with 0 +++',
);

const MIXED_TTT = log(
  '100  1700000000.000000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
  '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>',
  ' > /home/zoë/bin/srv(main+0x92) [0x126b]',
  '101  1700000000.150000 getppid() = 100',
  '100  1700000000.200000 <... clone resumed>, child_tidptr=0x7f0000000a10) = 101 <0.100000>',
  '101  1700000000.300000 exit_group(2) = ?',
  '101  1700000000.400000 +++ exited with 2 +++',
  '100  1700000001.900000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 2}], 0, NULL) = 101 <0.000050>',
  '100  1700000002.000000 exit_group(0) = ?',
  '100  1700000002.100000 +++ exited with 0 +++',
);

describe('line endings and chunking', () => {
  test('CRLF line endings give the same snapshot as LF', () => {
    for (const text of [MIXED, MIXED_TTT]) {
      const lf = analyzeText(text, {}, echoLocator);
      const crlf = analyzeText(text.replace(/\n/g, '\r\n'), {}, echoLocator);
      assert.deepEqual(crlf, lf);
    }
  });

  test('the reference mixed log gives the expected tree (so the chunking tests compare something real)', () => {
    const s = analyzeText(MIXED, {}, echoLocator);
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.parentPid, p.state]),
      [
        [100, null, 'exited'],
        [101, 100, 'reaped'],
        [102, 100, 'exited'],
      ],
    );
    assert.deepEqual(
      s.warnings.map((w) => w.line),
      [20],
    );
    assert.equal(byPid(s, 101).forkSite?.line, 4);
    assert.equal(byPid(s, 101).forkSite?.file, '/home/zoë/bin/srv(main+0x92) [0x126b]');
    assert.equal(byPid(s, 102).exit?.code, 3);
    assert.equal(byPid(s, 102).reaped?.how, 'adopter');
    assert.deepEqual(
      diagnosticsOf(s, 'eintr-no-restart').map((d) => d.pids),
      [[100]],
    );
  });

  test('feeding a log split in two at every possible offset gives the identical snapshot', () => {
    for (const text of [MIXED, MIXED.replace(/\n/g, '\r\n'), MIXED_TTT]) {
      const whole = analyzeText(text, {}, echoLocator);
      for (let cut = 0; cut <= text.length; cut++) {
        const split = analyzeText([text.slice(0, cut), text.slice(cut)], {}, echoLocator);
        assert.deepEqual(split, whole, `split at ${cut}`);
      }
    }
  });

  test('feeding a log split in two at every offset gives the identical events, stacks included', () => {
    const whole = chunkEvents([MIXED]);
    assert.ok(whole.some((e) => e.stack !== undefined));
    for (let cut = 0; cut <= MIXED.length; cut++) {
      assert.deepEqual(chunkEvents([MIXED.slice(0, cut), MIXED.slice(cut)]), whole, `split at ${cut}`);
    }
  });

  test('feeding a log one character at a time gives the identical snapshot', () => {
    for (const text of [MIXED, MIXED.replace(/\n/g, '\r\n'), MIXED_TTT]) {
      assert.deepEqual(analyzeText([...text], {}, echoLocator), analyzeText(text, {}, echoLocator));
    }
  });

  test('bytes split inside a multi-byte UTF-8 character (one byte at a time, or anywhere in two) give the identical snapshot', () => {
    const bytes = new TextEncoder().encode(MIXED);
    const whole = analyzeText(MIXED, {}, echoLocator);
    const oneByOne: Uint8Array[] = [];
    for (let k = 0; k < bytes.length; k++) oneByOne.push(bytes.subarray(k, k + 1));
    assert.deepEqual(analyzeText(oneByOne, {}, echoLocator), whole);
    const inside = bytes.indexOf(0xc3) + 1; // between the two bytes of 'ë'
    assert.equal(bytes[inside], 0xab);
    for (let cut = 0; cut <= bytes.length; cut++) {
      assert.deepEqual(analyzeText([bytes.subarray(0, cut), bytes.subarray(cut)], {}, echoLocator), whole, `byte split at ${cut}`);
    }
  });
});

/** The events (with their -k frames) a parser emits for these chunks. */
function chunkEvents(chunks: string[]): TraceEvent[] {
  const events: TraceEvent[] = [];
  const parser = new StraceParser({ event: (e) => events.push(e), warning: () => undefined });
  for (const c of chunks) parser.push(c);
  parser.finish();
  return events;
}

describe('warnings and fatal input', () => {
  test('an unknown or malformed line is a warning with its line number, and parsing goes on', () => {
    const s = analyzeText(
      log(
        '100  1700000000.000000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '100  1700000000.050000 this is not a syscall',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 101',
        '[pid abc] exit_group(0) = ?',
        '101  1700000000.200000 +++ exited with 0 +++',
        '100  1700000000.300000 accept(3, NULL, NULL',
        '100  1700000000.400000 +++ vanished +++',
        '100  1700000000.500000 wait4(101, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101',
      ),
    );
    assert.deepEqual(
      s.warnings.map((w) => w.line),
      [2, 4, 6, 7],
    );
    for (const w of s.warnings) assert.ok(w.reason.length > 0);
    assert.match(s.warnings[0].reason, /unrecognized line/);
    assert.equal(byPid(s, 101).state, 'reaped');
    assert.equal(byPid(s, 101).reaped?.by, 100);
  });

  test('an empty input is fatal with a message that says it is empty', () => {
    const session = sessionOf('');
    assert.match(session.fatal ?? '', /empty/);
  });

  test('a binary input (NUL bytes) is fatal with a message that says so', () => {
    const session = new TraceSession();
    session.push(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0]));
    assert.match(session.finish() ?? '', /binary.*NUL/);
    assert.deepEqual(session.snapshot().processes, []);
  });

  test('text that is not strace at all is fatal: no strace output', () => {
    const session = sessionOf(log('# Fork Trace', '', "See your program's fork tree live.", 'Install: npm i -g forktrace'));
    assert.match(session.fatal ?? '', /no strace output/);
  });

  test('a log that starts with junk but holds strace records is not fatal', () => {
    const session = sessionOf(log('some banner', '100  setsid() = 100'));
    assert.equal(session.fatal, null);
    assert.deepEqual(
      session.snapshot().warnings.map((w) => w.line),
      [1],
    );
  });
});
