// The one wording of src/shared/words: what the CLI, the panel, the debug view and the
// findings call a process, an exit, a zombie interval, an adoption, a reaping and a count.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adopterWords,
  attachedWords,
  BEFORE_THE_TRACE,
  describeBefore,
  count,
  countGrouped,
  describeAdoption,
  describeExit,
  describePid,
  describeReap,
  describeZombie,
  exitWords,
  foldedGroupWords,
  formatDuration,
  formatLifetime,
  formatTime,
  logWarningsWords,
  readWords,
  pidList,
  processName,
  reapBrief,
  summaryWords,
  traceEndWords,
  zombieBrief,
} from '../../src/shared/words';
import { renderSnapshot } from '../../src/cli/render';
import { foldedVariables, lifeVariables } from '../../src/debug/variables';
import { zombieText } from '../../src/debug/processView';
import { attachedTrace, proc, smallTrace } from '../browser/traces';
import { analyzeText, log } from '../support/core';

const byId = (id: string) => smallTrace().processes.find((p) => p.id === id)!;

describe('counts and times', () => {
  test('a count agrees with its noun; the panel groups the digits', () => {
    assert.equal(count(1, 'zombie'), '1 zombie');
    assert.equal(count(0, 'zombie'), '0 zombies');
    assert.equal(count(3, 'child', 'children'), '3 children');
    assert.equal(count(30000, 'process', 'processes'), '30000 processes');
    assert.equal(countGrouped(1, 'zombie'), '1 zombie');
    assert.equal(countGrouped(10000, 'process', 'processes'), '10,000 processes');
  });
  test('times are seconds since the first event, to the millisecond', () => {
    assert.equal(formatTime(0.0084), '0.008 s');
    assert.equal(formatTime(null), 'unknown time');
  });
  test('durations pick the unit that reads best', () => {
    assert.equal(formatDuration(0.00085), '850 µs');
    assert.equal(formatDuration(0.0125), '12.5 ms');
    assert.equal(formatDuration(0.012), '12 ms');
    assert.equal(formatDuration(3.2), '3.200 s');
    assert.equal(formatDuration(125), '2 min 5.0 s');
  });
  test('a lifetime: start–end, or … while running; nothing without timestamps', () => {
    assert.equal(formatLifetime(byId('101')), '0.100–0.200s');
    assert.equal(formatLifetime(byId('103')), '0.500–…s');
    assert.equal(formatLifetime(proc({ pid: 1, start: null })), '');
  });
});

describe('a process', () => {
  test('named by command and pid, as the findings name it', () => {
    assert.equal(processName({ pid: 4, command: 'srv' }), 'srv (pid 4)');
    assert.equal(describePid(4, 'srv'), 'srv (pid 4)');
    assert.equal(describePid(4, null), 'pid 4');
    assert.equal(describePid(null, 'srv'), 'an unidentified process');
  });
  test('a group of processes lists its first eight pids', () => {
    const ps = (n: number) => Array.from({ length: n }, (_, k) => ({ pid: 300 + k }));
    assert.equal(pidList(ps(1)), 'pid 300');
    assert.equal(pidList(ps(3)), 'pids 300, 301, 302');
    assert.equal(pidList(ps(12)), 'pids 300, 301, 302, 303, 304, 305, 306, 307 and 4 more');
  });
});

describe('an exit', () => {
  test('by code, by signal with a core dump, or still running', () => {
    assert.equal(exitWords(byId('102').exit), 'exited with code 3');
    assert.equal(exitWords(byId('107').exit), 'killed by SIGSEGV (core dumped)');
    assert.equal(exitWords({ code: null, signal: 'SIGKILL', core: false }), 'killed by SIGKILL');
    assert.equal(exitWords({ code: null, signal: null, core: false }), 'exited');
    assert.equal(exitWords(null), 'running');
  });
  test('with its time where the view shows one', () => {
    assert.equal(describeExit(byId('102').exit), 'exited with code 3 at 0.400 s');
    assert.equal(describeExit(byId('107').exit), 'killed by SIGSEGV (core dumped) at 0.900 s');
    assert.equal(describeExit({ time: null, code: 0, signal: null, core: false }), 'exited with code 0');
    assert.equal(describeExit(null), 'running');
  });
});

describe('a zombie interval', () => {
  test('still open, closed, or never (auto-reaped)', () => {
    assert.equal(describeZombie(byId('101'), 1), 'zombie since 0.200 s (800 ms so far)');
    assert.equal(describeZombie(byId('101'), null), 'zombie since 0.200 s');
    assert.equal(describeZombie(byId('102'), 1), 'zombie from 0.400 s to 0.410 s (10 ms)');
    const auto = proc({
      pid: 9,
      exit: { time: 1, code: 0, signal: null, core: false },
      reaped: { time: 1, by: null, how: 'auto', seen: true },
      state: 'reaped',
    });
    assert.match(describeZombie(auto, 2), /never a zombie: auto-reaped/);
    assert.equal(describeZombie(byId('103'), 1), 'not exited');
  });
  test('in brief, for one line per process', () => {
    assert.equal(zombieBrief(byId('101')), 'zombie since 0.200 s');
    assert.equal(zombieBrief(byId('102')), 'zombie 0.400–0.410s');
    assert.equal(zombieBrief(byId('103')), null);
    assert.equal(zombieBrief(proc({ pid: 9, state: 'zombie' })), 'zombie, not yet reaped');
  });
});

describe('a reaping', () => {
  test('names the reaper as a process, or as an adopter, and says "unseen" when it is outside the trace', () => {
    assert.equal(describeReap(byId('102').reaped, 'server'), 'reaped by server (pid 100) at 0.410 s');
    const unseen = describeReap({ time: 3, by: 1, how: 'adopter', seen: false }, 'systemd');
    assert.equal(unseen, 'reaped by its adopter, init (systemd, pid 1) at 3.000 s — unseen: the reaper is outside the trace, so the reaping was inferred');
    assert.equal(describeReap({ time: 1, by: null, how: 'auto', seen: true }, null), 'auto-reaped by the kernel at 1.000 s');
    assert.equal(describeReap({ time: 2, by: null, how: 'tracer', seen: true }, null), 'reaped by strace at 2.000 s');
    assert.equal(describeReap(null, null), 'not reaped');
  });
  test('in brief: the same words, the reaper by pid, no time', () => {
    assert.equal(reapBrief(byId('102').reaped!), 'reaped by pid 100');
    assert.equal(reapBrief({ time: 3, by: null, how: 'adopter', seen: false }), 'reaped by its adopter, init or a subreaper outside the trace (unseen)');
    assert.equal(reapBrief({ time: 3, by: 1, how: 'adopter', seen: false }), 'reaped by its adopter, init (pid 1) (unseen)');
  });
});

describe('an adoption', () => {
  test('the adopter: init, a subreaper of the trace, one outside it, or one the trace could not name', () => {
    assert.equal(adopterWords({ pid: 1, command: null, inTrace: false }), 'init (pid 1)');
    assert.equal(adopterWords({ pid: 1, command: 'systemd' }), 'init (systemd, pid 1)');
    assert.equal(adopterWords({ pid: 40, command: 'srv', inTrace: true }), 'the subreaper srv (pid 40)');
    assert.equal(adopterWords({ pid: 40, command: null, inTrace: false }), 'a subreaper (pid 40, outside the trace)');
    assert.equal(adopterWords({ pid: 40, command: 'tini' }), 'tini (pid 40)');
    assert.equal(adopterWords({ pid: null, command: null }), 'init or a subreaper outside the trace');
    assert.equal(adopterWords(undefined), 'its adopter');
  });
  test('in a view, with its time', () => {
    assert.equal(describeAdoption({ time: 0.7, pid: 1, command: 'systemd' }), 'adopted by init (systemd, pid 1) at 0.700 s');
    assert.equal(describeAdoption({ time: null, pid: null, command: null }), 'adopted by init or a subreaper outside the trace');
  });
  test('the findings name the adopter with the same words', () => {
    const snapshot = analyzeText(
      log(
        '100  1700000000.000000 execve("./srv", ["./srv"], 0x7ffd /* 1 var */) = 0',
        '100  1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
        '100  1700000000.200000 exit_group(0) = ?',
        '100  1700000000.200100 +++ exited with 0 +++',
      ),
    );
    const orphan = snapshot.diagnostics.find((d) => d.kind === 'orphan-adopted')!;
    const adoption = snapshot.processes.find((p) => p.pid === 101)!.adoptedBy[0];
    assert.ok(orphan.message.includes(`and ${adopterWords(adoption)} adopted it`), orphan.message);
  });
});

describe('the trace as a whole', () => {
  test('the summary counts in words that agree', () => {
    const summary = { processes: 2, running: 0, zombiesAtEnd: 1, maxZombies: 1, orphans: 1 };
    assert.equal(summaryWords(summary), '2 processes, 0 running, 1 zombie at end, most zombies at once 1, 1 orphan');
    assert.equal(
      summaryWords(summary, (t) => `[${t}]`),
      '2 processes, 0 running, [1 zombie at end], most zombies at once 1, 1 orphan',
    );
  });
  test('how a live trace ended: stopped, failed, or the program exited as its process did', () => {
    const processes = smallTrace().processes;
    const end = { stoppedByUser: false, failure: null, exitCode: 0, snapshot: { processes } };
    assert.equal(traceEndWords({ ...end, stoppedByUser: true }, 'server'), 'Stopped: the picture was taken, then every process of the trace was killed.');
    assert.equal(traceEndWords({ ...end, failure: 'strace was killed.' }, 'server'), 'strace was killed.');
    assert.equal(traceEndWords({ ...end, exitCode: 3 }, 'server'), 'server exited with code 3; the trace is over.', "no root exit: strace's status");
    const crashed = proc({ pid: 100, exit: { time: 1, code: null, signal: 'SIGSEGV', core: true }, state: 'reaped' });
    assert.equal(
      traceEndWords({ ...end, exitCode: 128, snapshot: { processes: [crashed] } }, 'crash'),
      'crash killed by SIGSEGV (core dumped); the trace is over.',
    );
    assert.equal(traceEndWords({ ...end, exitCode: null }, 'server'), 'server exited; the trace is over.');
  });
  test('an attached trace detaches: stopping it says the process runs on, and the panel line says so before', () => {
    const attach = { pid: 200, command: 'srv', detached: true };
    const end = { stoppedByUser: true, failure: null, exitCode: 0, snapshot: { processes: attachedTrace().processes, attach } };
    assert.equal(traceEndWords(end, 'srv'), 'Detached from srv (pid 200): the picture was taken, and it keeps running, untraced.');
    assert.equal(attachedWords(attach), 'attached to pid 200 (srv): detaching leaves it running');
  });
});

describe('what an attach found already there', () => {
  const byAttachId = (id: string) => attachedTrace().processes.find((p) => p.id === id)!;
  test('a negative time is "before the trace", by how much', () => {
    assert.equal(formatTime(-3600), `3600.000 s ${BEFORE_THE_TRACE}`);
    assert.equal(formatLifetime(byAttachId('200')), 'before–…s');
    // A zombie from before: it exited at a time no one knows.
    assert.equal(formatLifetime({ start: -20, exit: { time: null, code: null, signal: null, core: false } }), 'before');
  });
  test('the process says it was there, and when it started', () => {
    assert.equal(
      describeBefore(byAttachId('200')),
      'present before the trace (started 3600.000 s before the trace); what it did until the attach is not in the trace',
    );
    assert.equal(describeBefore(byAttachId('203')), null);
  });
  test('a zombie from before: its exit time is unknown, its reaping is not', () => {
    assert.equal(describeZombie(byAttachId('201'), 2), 'zombie since before the trace (its exit time is unknown)');
    assert.equal(describeZombie(byAttachId('202'), 2), 'zombie from before the trace to 0.500 s');
    assert.equal(zombieBrief(byAttachId('201')), 'zombie since before the trace');
  });
});

describe('one process, one wording in every view', () => {
  // The panel's details show describeExit and describeReap (pinned in Chromium by
  // test/browser/webview.test.ts); here, the CLI's tree and the debug view's variables.
  const snapshot = smallTrace();
  const cli = renderSnapshot(snapshot, { color: false }).split('\n');
  const lineOf = (pid: number) => cli.find((l) => new RegExp(`(^|─ )${pid}  `).test(l))!;

  test("the exit: the CLI line, the debug variable and the zombie's stop reason say it alike", () => {
    for (const id of ['102', '107']) {
      const p = byId(id);
      const words = exitWords(p.exit);
      assert.ok(lineOf(p.pid).includes(`  ${words}  `), lineOf(p.pid));
      const debug = lifeVariables(p, snapshot).find((v) => v.name === 'exit')!.value;
      assert.equal(debug, describeExit(p.exit));
      assert.ok(debug.startsWith(words), debug);
    }
    assert.equal(zombieText(byId('107')), 'crash (pid 107) killed by SIGSEGV (core dumped) and is a zombie until its parent reaps it');
    assert.ok(lineOf(107).includes('killed by SIGSEGV (core dumped)'));
  });

  test('the zombie interval, the reaping and the adoption', () => {
    const reaped = byId('102');
    const vars = new Map(lifeVariables(reaped, snapshot).map((v) => [v.name, v.value]));
    assert.equal(vars.get('zombie'), describeZombie(reaped, snapshot.duration));
    assert.equal(vars.get('reaped'), 'reaped by server (pid 100) at 0.410 s');
    assert.ok(lineOf(102).includes(`  ${zombieBrief(reaped)}  ${reapBrief(reaped.reaped!)}`), lineOf(102));

    const zombie = byId('101');
    assert.equal(new Map(lifeVariables(zombie, snapshot).map((v) => [v.name, v.value])).get('zombie'), 'zombie since 0.200 s (800 ms so far)');
    assert.ok(lineOf(101).endsWith(`  ${zombieBrief(zombie)}  forked at /work/examples/zombie_server.c:64`), lineOf(101));

    const orphan = byId('105');
    const adoption = orphan.adoptedBy[0];
    assert.equal(`adopted by ${lifeVariables(orphan, snapshot).find((v) => v.name === 'adopted by')!.value}`, describeAdoption(adoption));
    assert.ok(lineOf(105).includes(describeAdoption(adoption)), lineOf(105));
  });
});

describe('a folded group, in every view', () => {
  const group = {
    id: 'folded-1',
    parentId: '100',
    parentPid: 100,
    forkSite: { file: '/work/examples/server.c', line: 70, function: 'main' },
    count: 19_500,
    exits: [
      { code: 0, signal: null, count: 19_000 },
      { code: null, signal: 'SIGSEGV', count: 500 },
    ],
    zombieTime: { min: 0.0001, median: 0.0002, p99: 0.0009, max: 0.003 },
    first: 0.01,
    last: 95.5,
  };

  test("the CLI's row, the panel's row and the debug view's 'folded children' say the same words", () => {
    const words = foldedGroupWords(group);
    assert.equal(words, '19,500 more reaped children of 100, forked at server.c:70, zombie for 200 µs median');
    const snapshot = { ...smallTrace(), folded: [group] };
    const cli = renderSnapshot(snapshot, { color: false });
    assert.match(cli, new RegExp(`└─ ${words}\\n`));
    assert.match(cli, /19,500 older reaped processes were folded into 1 group/);
    const server = snapshot.processes.find((p) => p.id === '100')!;
    const debug = foldedVariables(server, snapshot);
    assert.deepEqual(
      debug.map((v) => [v.name, v.value]),
      [
        [
          'folded children',
          `${words} (exited with code 0 ×19,000; killed by SIGSEGV ×500; zombie for 100 µs (min), 200 µs (median), 900 µs (p99), 3 ms (max))`,
        ],
      ],
    );
    assert.deepEqual(
      foldedVariables(
        snapshot.processes.find((p) => p.id === '101')!,
        snapshot,
      ),
      [],
    );
  });

  test('a group under a folded group names no pid', () => {
    assert.equal(
      foldedGroupWords({ ...group, parentId: 'folded-1', parentPid: null, count: 1, forkSite: null, zombieTime: null }),
      '1 more reaped child, children of the folded ones above',
    );
  });
});

describe("an opened log's header line", () => {
  test('a note on how it was recorded comes first, then the unreadable lines; none of either says nothing', () => {
    assert.equal(logWarningsWords([]), null);
    assert.equal(logWarningsWords([{}, {}]), '2 warnings while reading the log; see the details pane.');
    assert.equal(logWarningsWords([{ recording: true }]), 'How this log was recorded limits the picture (1 note in the details pane).');
    assert.equal(
      logWarningsWords([{ recording: true }, {}]),
      'How this log was recorded limits the picture (1 note in the details pane). 1 warning while reading the log; see the details pane.',
    );
  });
});

describe('how much of a log is read', () => {
  test('MiB for a big log, KiB under 1 MiB (never "0.0 of 0.0 MiB"), no total for a pipe', () => {
    const MiB = 1024 * 1024;
    assert.equal(readWords(3.5 * MiB, 576 * MiB), '3.5 of 576 MiB');
    assert.equal(readWords(24 * MiB, 0), '24 MiB');
    assert.equal(readWords(12 * 1024, 30 * 1024 + 5), '12 of 31 KiB');
    assert.equal(readWords(0, 0), '0 KiB');
  });
});
