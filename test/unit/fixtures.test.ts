// The recorded strace logs of test/fixtures/logs: the facts its README lists (pids,
// who reaped whom, zombies, adopters), and one story told by every format variant.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { analyzeLog } from '../../src/tracer/logReader';
import type { SnapshotJson } from '../../src/shared/schema';
import { buildPartialSnapshot, buildSnapshot } from '../../src/core/snapshotBuilder';
import { renderPartialSnapshot, renderSnapshot } from '../../src/cli/render';
import { analyzeFixture, byId, byPid, diagnosticsOf, echoLocator, fixturePath, kindsOf, readFixture, analyzeText, treeOf, us } from '../support/core';

/** An absolute -ttt time from the README as the snapshot shows it (seconds since the first event). */
function rel(s: SnapshotJson, absolute: number): number {
  assert.ok(s.origin !== null);
  return us(absolute - s.origin);
}

function summaryOfDiagnostics(s: SnapshotJson): Array<[string, number[]]> {
  return s.diagnostics.map((d) => [d.kind, d.pids]);
}

describe('small programs', () => {
  test('threads.ttt.log: threads 4186 and 4187 belong to 4185; child 4188 exits 7, reaped by 4185', () => {
    const s = analyzeFixture('threads.ttt.log');
    assert.deepEqual(treeOf(s), [
      ['4185', null],
      ['4188', '4185'],
    ]);
    assert.equal(byPid(s, 4185).threads, 3);
    assert.equal(byPid(s, 4188).threads, 1);
    assert.equal(byPid(s, 4188).exit?.code, 7);
    assert.deepEqual(byPid(s, 4188).reaped, { time: rel(s, 1795356398.564671), by: 4185, how: 'wait', seen: true });
    assert.deepEqual(byPid(s, 4185).exit, { time: rel(s, 1795356398.565235), code: 0, signal: null, core: false });
    assert.equal(s.summary.zombiesAtEnd, 0);
    assert.deepEqual(s.diagnostics, []);
    assert.deepEqual(s.warnings, []);
  });

  test("exec_from_thread.ttt.log: one process 4196, running /bin/true after its thread 4197 exec'd", () => {
    const s = analyzeFixture('exec_from_thread.ttt.log');
    assert.deepEqual(treeOf(s), [['4196', null]]);
    const p = byPid(s, 4196);
    assert.equal(p.command, 'true');
    assert.deepEqual(p.argv, ['/bin/true']);
    assert.equal(p.threads, 2);
    assert.equal(p.exit?.code, 0);
    assert.equal(s.summary.zombiesAtEnd, 0);
    assert.deepEqual(s.warnings, []);
  });

  test('clone_parent.ttt.log: grandchild 4207 (CLONE_PARENT) has parent 4205, which reaps both', () => {
    const s = analyzeFixture('clone_parent.ttt.log');
    assert.deepEqual(treeOf(s), [
      ['4205', null],
      ['4206', '4205'],
      ['4207', '4205'],
    ]);
    assert.deepEqual(byPid(s, 4206).reaped, { time: rel(s, 1795356398.593738), by: 4205, how: 'wait', seen: true });
    assert.deepEqual(byPid(s, 4207).reaped, { time: rel(s, 1795356398.643969), by: 4205, how: 'wait', seen: true });
    assert.equal(byPid(s, 4207).exit?.code, 3);
    assert.deepEqual(byPid(s, 4207).adoptedBy, []);
    assert.equal(s.summary.zombiesAtEnd, 0);
    assert.deepEqual(s.diagnostics, []);
  });

  test('subreaper.ttt.log: orphan 4217 is adopted by subreaper 4215, which reaps it (status 5) though it never forked it', () => {
    const s = analyzeFixture('subreaper.ttt.log');
    assert.deepEqual(treeOf(s), [
      ['4215', null],
      ['4216', '4215'],
      ['4217', '4216'],
    ]);
    assert.equal(byPid(s, 4216).reaped?.by, 4215);
    const b = byPid(s, 4217);
    assert.deepEqual(b.adoptedBy, [{ time: rel(s, 1795356398.656218), pid: 4215, command: 'subreaper' }]);
    assert.deepEqual(b.reaped, { time: rel(s, 1795356398.856786), by: 4215, how: 'wait', seen: true });
    assert.equal(b.exit?.code, 5);
    assert.equal(s.summary.zombiesAtEnd, 0);
    assert.deepEqual(summaryOfDiagnostics(s), [['orphan-adopted', [4217, 4216, 4215]]]);
  });

  test('sigchld_ignore.ttt.log: children 4226-4228 (exit 0, 1, 2) are auto-reaped, never zombies', () => {
    const s = analyzeFixture('sigchld_ignore.ttt.log');
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.parentPid, p.exit?.code, p.state, p.zombie, p.reaped?.how, p.reaped?.by]),
      [
        [4225, null, 0, 'exited', null, 'tracer', null],
        [4226, 4225, 0, 'exited', null, 'auto', 4225],
        [4227, 4225, 1, 'exited', null, 'auto', 4225],
        [4228, 4225, 2, 'exited', null, 'auto', 4225],
      ],
    );
    assert.equal(s.summary.maxZombies, 0);
    assert.deepEqual(s.diagnostics, []);
  });

  test('nocldwait.ttt.log: SA_NOCLDWAIT auto-reaps 4237-4239 though the handler runs', () => {
    const s = analyzeFixture('nocldwait.ttt.log');
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.parentPid, p.exit?.code, p.state, p.zombie, p.reaped?.how, p.reaped?.by]),
      [
        [4236, null, 0, 'exited', null, 'tracer', null],
        [4237, 4236, 0, 'exited', null, 'auto', 4236],
        [4238, 4236, 1, 'exited', null, 'auto', 4236],
        [4239, 4236, 2, 'exited', null, 'auto', 4236],
      ],
    );
    assert.equal(s.summary.maxZombies, 0);
    assert.deepEqual(s.diagnostics, []);
    assert.deepEqual(s.warnings, []);
  });

  test('waitid_nowait.ttt.log: waitid(WNOWAIT) leaves 4248 a zombie from .503006 until wait4 at .603710', () => {
    const s = analyzeFixture('waitid_nowait.ttt.log');
    const c = byPid(s, 4248);
    assert.equal(c.exit?.code, 4);
    assert.deepEqual(c.zombie, { from: rel(s, 1795356399.503006), to: rel(s, 1795356399.60371) });
    assert.deepEqual(c.reaped, { time: rel(s, 1795356399.60371), by: 4247, how: 'wait', seen: true });
    assert.deepEqual(s.diagnostics, []);
  });

  test('pid_reuse.ttt.log: two processes named 4257 (exit 0, then exit 1), both reaped by 4256', () => {
    const s = analyzeFixture('pid_reuse.ttt.log');
    assert.deepEqual(treeOf(s), [
      ['4256', null],
      ['4257', '4256'],
      ['4257.2', '4256'],
    ]);
    assert.equal(byId(s, '4257').exit?.code, 0);
    assert.equal(byId(s, '4257.2').exit?.code, 1);
    assert.deepEqual(byId(s, '4257').reaped, { time: rel(s, 1795356399.615584), by: 4256, how: 'wait', seen: true });
    assert.deepEqual(byId(s, '4257.2').reaped, { time: rel(s, 1795356399.616346), by: 4256, how: 'wait', seen: true });
    assert.deepEqual(s.warnings, []);
  });

  test('crash.ttt.log: 4266 killed by SIGSEGV with a core dump, reaped by 4265', () => {
    const s = analyzeFixture('crash.ttt.log');
    const c = byPid(s, 4266);
    assert.deepEqual(c.exit, { time: rel(s, 1795356399.627043), code: null, signal: 'SIGSEGV', core: true });
    assert.deepEqual(c.reaped, { time: rel(s, 1795356399.627076), by: 4265, how: 'wait', seen: true });
  });

  test('posix_spawn.ttt.log: clone3 VFORK child 4275 runs true; vfork child 4276 exits 6; both reaped by 4274', () => {
    const s = analyzeFixture('posix_spawn.ttt.log');
    assert.deepEqual(treeOf(s), [
      ['4274', null],
      ['4275', '4274'],
      ['4276', '4274'],
    ]);
    assert.equal(byPid(s, 4275).command, 'true');
    assert.equal(byPid(s, 4275).exit?.code, 0);
    assert.equal(byPid(s, 4275).reaped?.by, 4274);
    assert.equal(byPid(s, 4276).exit?.code, 6);
    assert.equal(byPid(s, 4276).reaped?.by, 4274);
    assert.equal(s.summary.zombiesAtEnd, 0);
    assert.deepEqual(s.warnings, []);
  });

  test('zombie_then_orphan.ttt.log: zombie 4286 is reparented when 4285 dies and reaped outside, unseen: a leak of 4285', () => {
    const s = analyzeFixture('zombie_then_orphan.ttt.log');
    assert.deepEqual(treeOf(s), [
      ['4284', null],
      ['4285', '4284'],
      ['4286', '4285'],
    ]);
    const g = byPid(s, 4286);
    assert.equal(g.zombie?.from, rel(s, 1795356399.654989));
    assert.ok(g.zombie?.to !== null && g.zombie?.to !== undefined && g.zombie.to >= rel(s, 1795356399.856048), `zombie until ${g.zombie?.to}`);
    assert.equal(g.reaped?.how, 'adopter');
    assert.equal(g.reaped?.seen, false);
    assert.equal(g.adoptedBy.length, 1);
    assert.deepEqual(byPid(s, 4285).reaped, { time: rel(s, 1795356399.856071), by: 4284, how: 'wait', seen: true });
    assert.deepEqual(summaryOfDiagnostics(s), [['zombie-leak', [4285, 4286]]]);
  });

  test('double_fork.ttt.log: daemon 4296 is adopted by pid 1 (getppid) and reaped there unseen; a deliberate double fork', () => {
    const s = analyzeFixture('double_fork.ttt.log');
    assert.deepEqual(treeOf(s), [
      ['4294', null],
      ['4295', '4294'],
      ['4296', '4295'],
    ]);
    assert.deepEqual(byPid(s, 4295).reaped, { time: rel(s, 1795356399.867796), by: 4294, how: 'wait', seen: true });
    const d = byPid(s, 4296);
    assert.deepEqual(d.adoptedBy, [{ time: rel(s, 1795356399.867787), pid: 1, command: null }]);
    assert.equal(d.state, 'exited');
    assert.deepEqual(d.reaped, { time: rel(s, 1795356400.06906), by: 1, how: 'adopter', seen: false });
    assert.equal(s.summary.zombiesAtEnd, 0);
    assert.deepEqual(summaryOfDiagnostics(s), [['orphan-adopted', [4296, 4295, 1]]]);
    assert.match(s.diagnostics[0].message, /orphaned on purpose: a double fork/);
  });
});

describe('servers', () => {
  test('zombie_server.ttt.log: 4316-4318 are never reaped by 4306; they stay zombies until SIGTERM kills it', () => {
    const s = analyzeFixture('zombie_server.ttt.log');
    const serverDeath = rel(s, 1795356400.549745);
    assert.deepEqual(byPid(s, 4306).exit, { time: serverDeath, code: null, signal: 'SIGTERM', core: false });
    for (const [pid, exit] of [
      [4316, 1795356400.231179],
      [4317, 1795356400.233046],
      [4318, 1795356400.234358],
    ]) {
      const c = byPid(s, pid);
      assert.equal(c.parentPid, 4306);
      assert.deepEqual(c.zombie, { from: rel(s, exit), to: serverDeath });
      assert.notEqual(c.reaped?.how, 'wait');
      assert.equal(c.reaped?.seen, false);
    }
    assert.equal(s.summary.maxZombies, 3);
    assert.deepEqual(summaryOfDiagnostics(s), [['zombie-leak', [4306, 4316, 4317, 4318]]]);
    assert.match(s.diagnostics[0].message, /It never calls wait\(\), waitpid\(\) or waitid\(\)\./);
  });

  test('zombie_server.ttt.log: ERESTARTSYS with no handler is not an EINTR', () => {
    assert.deepEqual(diagnosticsOf(analyzeFixture('zombie_server.ttt.log'), 'eintr-no-restart'), []);
  });

  test('reap_once_server.ttt.log: 4343-4345 are reaped by the handler; 4346 is left a zombie until the server dies', () => {
    const s = analyzeFixture('reap_once_server.ttt.log');
    for (const pid of [4343, 4344, 4345]) {
      assert.equal(byPid(s, pid).reaped?.by, 4333, `pid ${pid}`);
      assert.equal(byPid(s, pid).reaped?.how, 'wait', `pid ${pid}`);
    }
    const left = byPid(s, 4346);
    assert.deepEqual(left.zombie, { from: rel(s, 1795356400.703138), to: rel(s, 1795356401.020266) });
    assert.notEqual(left.reaped?.how, 'wait');
    assert.deepEqual(
      diagnosticsOf(s, 'zombie-leak').map((d) => d.pids),
      [[4333, 4346]],
    );
    assert.match(diagnosticsOf(s, 'zombie-leak')[0].message, /Its SIGCHLD handler reaps one child per signal/);
    assert.deepEqual(diagnosticsOf(s, 'eintr-no-restart'), []);
  });

  test('reap_once_server.ttt.log: sigchld-coalesced names 4346, the one child whose SIGCHLD was coalesced', () => {
    const s = analyzeFixture('reap_once_server.ttt.log');
    assert.deepEqual(
      diagnosticsOf(s, 'sigchld-coalesced').map((d) => d.pids),
      [[4333, 4346]],
    );
  });

  test('reap_loop_server.ttt.log: the looping handler reaps 4371-4374; no coalescing, no leak', () => {
    const s = analyzeFixture('reap_loop_server.ttt.log');
    for (const pid of [4371, 4372, 4373, 4374]) {
      assert.equal(byPid(s, pid).parentPid, 4360);
      assert.equal(byPid(s, pid).state, 'reaped');
      assert.equal(byPid(s, pid).reaped?.by, 4360);
    }
    assert.deepEqual(byPid(s, 4374).reaped?.time, rel(s, 1795356401.17135));
    assert.equal(s.summary.maxZombies, 3);
    assert.equal(s.summary.zombiesAtEnd, 0);
    assert.deepEqual(s.diagnostics, []);
  });

  test('eintr_server.ttt.log: accept interrupted twice by SIGCHLD without SA_RESTART; 4400 and 4401 reaped', () => {
    const s = analyzeFixture('eintr_server.ttt.log');
    assert.deepEqual(summaryOfDiagnostics(s), [['eintr-no-restart', [4390]]]);
    assert.match(s.diagnostics[0].message, /^accept in eintr_server \(pid 4390\) .* 2 times: /);
    assert.equal(byPid(s, 4400).reaped?.by, 4390);
    assert.equal(byPid(s, 4401).reaped?.by, 4390);
  });

  test('full.reap_loop.ttt.log: every syscall traced, no warnings; 4428-4432 each reaped by 4417', () => {
    const s = analyzeFixture('full.reap_loop.ttt.log');
    assert.deepEqual(s.warnings, []);
    assert.deepEqual(treeOf(s), [
      ['4417', null],
      ['4428', '4417'],
      ['4429', '4417'],
      ['4430', '4417'],
      ['4431', '4417'],
      ['4432', '4417'],
    ]);
    for (const pid of [4428, 4429, 4430, 4431, 4432]) assert.equal(byPid(s, pid).reaped?.by, 4417);
    assert.deepEqual(s.diagnostics, []);
  });

  test('every recorded log parses without a warning', () => {
    for (const name of readdirSync(fixturePath('.')).filter((n) => n.endsWith('.log'))) {
      assert.deepEqual(analyzeFixture(name).warnings, [], name);
    }
  });
});

describe('format variants of one double-fork run', () => {
  const variantFiles = readdirSync(fixturePath('.')).filter((n) => n.startsWith('variant.') && n.endsWith('.log'));
  const variants: Array<[string, () => SnapshotJson]> = [
    ...variantFiles.map((n): [string, () => SnapshotJson] => [n, () => analyzeFixture(n)]),
    ['variant.ff/', () => analyzeLog(fixturePath('variant.ff')).snapshot()],
  ];

  test('all nine variants (eight logs and the -ff directory) are here', () => {
    assert.deepEqual(
      variants.map(([n]) => n).sort(),
      [
        'variant.Y.log',
        'variant.ff/',
        'variant.k.log',
        'variant.ns.log',
        'variant.r.log',
        'variant.stderr.log',
        'variant.t.log',
        'variant.tt.log',
        'variant.ttt-T.log',
      ].sort(),
    );
  });

  /** The story relative to the parent's pid P: who forked whom, who reaped whom, who adopted. */
  function shape(s: SnapshotJson): unknown {
    const root = s.processes[0];
    const P = root.pid;
    const ids = new Set(s.processes.map((p) => p.id));
    return s.processes.map((p) => ({
      pid: p.pid - P,
      parent: p.parentPid === null ? null : p.parentPid - P,
      parentIdKnown: p.parentId === null || ids.has(p.parentId),
      exit: p.exit?.code,
      state: p.state,
      reapedHow: p.reaped?.how,
      reapedBy: p.reaped?.by === null || p.reaped?.by === undefined ? null : p.reaped.by === 1 ? 'init' : p.reaped.by - P,
      adoptedBy: p.adoptedBy.map((a) => a.pid),
    }));
  }

  const expected = [
    { pid: 0, parent: null, parentIdKnown: true, exit: 0, state: 'exited', reapedHow: 'tracer', reapedBy: null, adoptedBy: [] },
    { pid: 1, parent: 0, parentIdKnown: true, exit: 0, state: 'reaped', reapedHow: 'wait', reapedBy: 0, adoptedBy: [] },
    { pid: 2, parent: 1, parentIdKnown: true, exit: 0, state: 'exited', reapedHow: 'adopter', reapedBy: 'init', adoptedBy: [1] },
  ];

  for (const [name, load] of variants) {
    test(`${name}: parent -> child -> daemon adopted and reaped by pid 1, no warnings`, () => {
      const s = load();
      assert.deepEqual(shape(s), expected);
      assert.deepEqual(s.warnings, []);
    });
  }

  test('every variant gives the same tree shape as double_fork.ttt.log', () => {
    const reference = shape(analyzeFixture('double_fork.ttt.log'));
    for (const [name, load] of variants) assert.deepEqual(shape(load()), reference, name);
  });

  test('every variant reports the daemon as orphan-adopted, and nothing else', () => {
    for (const [name, load] of variants) {
      const s = load();
      const P = s.processes[0].pid;
      assert.deepEqual(kindsOf(s), ['orphan-adopted'], name);
      assert.deepEqual(s.diagnostics[0].pids, [P + 2, P + 1, 1], name);
    }
  });

  test('variant.stderr.log: the root gets its pid 4444 as id from its first [pid 4444] line', () => {
    const s = analyzeFixture('variant.stderr.log');
    assert.deepEqual(treeOf(s), [
      ['4444', null],
      ['4445', '4444'],
      ['4446', '4445'],
    ]);
  });

  test('variant.stderr.log: the last three unprefixed lines belong to the daemon 4446', () => {
    const s = analyzeFixture('variant.stderr.log');
    assert.equal(byPid(s, 4446).exit?.code, 0);
    assert.equal(byPid(s, 4446).state, 'exited');
    assert.equal(byPid(s, 4444).exit?.code, 0);
    assert.equal(s.processes.length, 3);
  });

  test('variant.r.log: relative stamps add up to the daemon exiting ~0.2 s after its parent', () => {
    const s = analyzeFixture('variant.r.log');
    assert.equal(byPid(s, 4464).exit?.time, 0.205924);
    assert.equal(byPid(s, 4463).exit?.time, 0.005128);
  });

  test('variant.t.log and variant.tt.log: clock times become seconds of the run', () => {
    assert.equal(analyzeFixture('variant.tt.log').duration, 0.205892);
    assert.equal(analyzeFixture('variant.t.log').duration, 0);
  });

  test('variant.Y.log: the comm annotations do not leak into commands or pids', () => {
    const s = analyzeFixture('variant.Y.log');
    assert.deepEqual(
      s.processes.map((p) => p.command),
      ['double_fork_daemon', 'double_fork_daemon', 'double_fork_daemon'],
    );
  });

  test('variant.k.log: each fork site carries its own -k frames', () => {
    const s = analyzeText(readFixture('variant.k.log'), {}, echoLocator);
    assert.match(byPid(s, 4487).forkSite?.file ?? '', /double_fork_daemon\(main\+0x92\) \[0x126b\]/);
    assert.equal(byPid(s, 4487).forkSite?.line, 3);
    assert.match(byPid(s, 4488).forkSite?.file ?? '', /double_fork_daemon\(main\+0xc8\) \[0x12a1\]/);
    assert.equal(byPid(s, 4488).forkSite?.line, 17);
  });
});

describe('the CLI report', () => {
  test('a process whose parent is not in the snapshot is a root; past maxChildren children are counted', () => {
    const base = analyzeFixture('threads.ttt.log');
    const proc = (id: string, parentId: string | null) => ({ ...base.processes[0], id, pid: Number(id), parentId, forkSite: null });
    const snapshot = { ...base, processes: [proc('1', null), proc('3', '99'), proc('2', '1'), proc('4', '1'), proc('5', '1')] };
    const tree = renderSnapshot(snapshot, { maxChildren: 2 })
      .split('\n')
      .slice(0, 5)
      .map((l) => l.replace(/ {2}.*$/, ''));
    assert.deepEqual(tree, ['1', '├─ 2', '├─ 4', '└─ … 1 more child', '3']);
  });

  test('the summary line counts in words that agree: 1 zombie, 1 orphan, 2 processes', () => {
    const base = analyzeFixture('threads.ttt.log');
    const summary = { processes: 2, running: 0, zombiesAtEnd: 1, maxZombies: 1, orphans: 1 };
    const last = (s: SnapshotJson) =>
      renderSnapshot(s, { color: false })
        .trimEnd()
        .split('\n')
        .filter((l) => /running/.test(l))[0];
    assert.match(last({ ...base, diagnostics: [], summary }), /^2 processes, 0 running, 1 zombie at end, most zombies at once 1, 1 orphan\b/);
    assert.match(
      last({ ...base, diagnostics: [], summary: { ...summary, processes: 1, zombiesAtEnd: 2, orphans: 0 } }),
      /^1 process, 0 running, 2 zombies at end, most zombies at once 1, 0 orphans\b/,
    );
  });

  test('rendering from the partial snapshot prints what the full snapshot prints, for every log', () => {
    const logs = readdirSync(fixturePath('')).filter((f) => f.endsWith('.log') || f.endsWith('.ff'));
    assert.ok(logs.length > 10);
    for (const log of logs) {
      const model = analyzeLog(fixturePath(log)).model;
      for (const options of [{ color: false }, { color: true, maxChildren: 1 }, { maxChildren: 0 }]) {
        const { snapshot, processes } = buildPartialSnapshot(model, echoLocator);
        assert.equal(
          renderPartialSnapshot(snapshot, processes, options),
          renderSnapshot(buildSnapshot(model, echoLocator), options),
          `${log} ${JSON.stringify(options)}`,
        );
      }
    }
  });
});
