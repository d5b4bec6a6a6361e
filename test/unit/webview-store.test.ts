// The panel's store: a snapshot, then deltas upserted by id, must end exactly where a
// snapshot of the final state starts — and stay fast at 10,000 processes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessStore } from '../../webview/store';
import { cpuMs } from '../support/cpuTime';
import { deltasBetween, proc, serverTrace, smallTrace, snapshotAsOf } from '../browser/traces';
import type { SnapshotJson } from '../../src/shared/schema';
import { TraceSession } from '../../src/core/session';
import { buildDelta } from '../../src/core/snapshotBuilder';
import { flattenTree } from '../../webview/tree';

function storeOf(snapshot: SnapshotJson): ProcessStore {
  const store = new ProcessStore();
  store.applySnapshot(snapshot);
  return store;
}

describe('a snapshot then deltas is the final snapshot', () => {
  test('the small trace, cut at 0.15 s and brought forward in 50 ms deltas', () => {
    const full = smallTrace();
    const store = storeOf(snapshotAsOf(full, 0.15));
    assert.equal(store.size, 2);
    assert.equal(store.get('101')!.state, 'running');
    for (const delta of deltasBetween(full, 0.15, full.duration!, 0.05)) store.applyDelta(delta);
    assert.deepEqual(store.toSnapshot(), full);
  });

  test('a 3,000-process server trace in 100 ms deltas keeps arrival order and every state', () => {
    const full = serverTrace({ processes: 3000, duration: 10, seed: 7 });
    const store = storeOf(snapshotAsOf(full, 5));
    const deltas = deltasBetween(full, 5, 10, 0.1);
    assert.ok(deltas.length >= 50);
    for (const delta of deltas) store.applyDelta(delta);
    assert.deepEqual(store.toSnapshot(), full);
    assert.ok(
      full.processes.some((p) => p.state === 'zombie'),
      'the trace has zombies to check',
    );
  });

  test('a delta replaces diagnostics, summary, duration and ended', () => {
    const full = smallTrace();
    const store = storeOf(snapshotAsOf(full, 0.5));
    const summary = { processes: 9, running: 1, zombiesAtEnd: 2, maxZombies: 3, orphans: 4 };
    store.applyDelta({ processes: [], removed: [], folded: [], diagnostics: [], summary, duration: 12.5, ended: true, warningCount: 3 });
    assert.deepEqual(store.summary, summary);
    assert.deepEqual(store.diagnostics, []);
    assert.equal(store.duration, 12.5);
    assert.equal(store.ended, true);
    assert.equal(store.warningCount, 3);
  });

  test('a state change bumps the tree version; a new exit time alone does not', () => {
    const store = storeOf(snapshotAsOf(smallTrace(), 0.15));
    const before = store.treeVersion;
    const p101 = store.get('101')!;
    store.applyDelta({
      processes: [{ ...p101, exit: { time: 0.2, code: 0, signal: null, core: false } }],
      removed: [],
      folded: [],
      diagnostics: [],
      summary: store.summary,
      duration: 0.2,
      ended: false,
      warningCount: 0,
    });
    assert.equal(store.treeVersion, before);
    store.applyDelta({
      processes: [{ ...p101, state: 'zombie' }],
      removed: [],
      folded: [],
      diagnostics: [],
      summary: store.summary,
      duration: 0.2,
      ended: false,
      warningCount: 0,
    });
    assert.equal(store.treeVersion, before + 1);
  });
});

describe('the tree index', () => {
  test('a child that arrives before its parent is a root until the parent comes', () => {
    const store = storeOf({ ...smallTrace(), processes: [proc({ pid: 1 })] });
    store.applyDelta({
      processes: [proc({ pid: 3, parentPid: 2, parentId: '2' })],
      removed: [],
      folded: [],
      diagnostics: [],
      summary: store.summary,
      duration: 1,
      ended: false,
      warningCount: 0,
    });
    assert.deepEqual(store.rootIds(), ['1', '3']);
    store.applyDelta({
      processes: [proc({ pid: 2, parentPid: 1, parentId: '1' })],
      removed: [],
      folded: [],
      diagnostics: [],
      summary: store.summary,
      duration: 1,
      ended: false,
      warningCount: 0,
    });
    assert.deepEqual(store.rootIds(), ['1']);
    assert.deepEqual(store.childrenOf('1'), ['2']);
    assert.deepEqual(store.childrenOf('2'), ['3']);
  });

  test('a reused pid is a second process, and each gets only the diagnostics of its own life', () => {
    const first = proc({
      pid: 50,
      parentPid: 1,
      parentId: '1',
      start: 0,
      exit: { time: 1, code: 0, signal: null, core: false },
      zombie: { from: 1, to: 2 },
      reaped: { time: 2, by: 1, how: 'wait', seen: true },
      state: 'reaped',
    });
    const second = proc({
      pid: 50,
      id: '50.2',
      parentPid: 1,
      parentId: '1',
      start: 5,
      exit: { time: 6, code: 0, signal: null, core: false },
      zombie: { from: 6, to: null },
      state: 'zombie',
    });
    const lingering = {
      kind: 'zombie-lingering' as const,
      severity: 'info' as const,
      pids: [50],
      message: 'late',
      location: null,
      locationNote: 'no -g',
      locationPreciseWouldPin: false,
      related: [],
      time: 1,
      fixes: [],
      fixNote: null,
    };
    const leak = { ...lingering, kind: 'zombie-leak' as const, severity: 'error' as const, message: 'leak', time: 6 };
    const store = storeOf({ ...smallTrace(), processes: [proc({ pid: 1 }), first, second], diagnostics: [lingering, leak] });
    assert.deepEqual(
      store.withPid(50).map((p) => p.id),
      ['50', '50.2'],
    );
    assert.deepEqual(
      store.diagnosticsFor(store.get('50')!).map((d) => d.message),
      ['late'],
    );
    assert.deepEqual(
      store.diagnosticsFor(store.get('50.2')!).map((d) => d.message),
      ['leak'],
    );
    assert.equal(store.pidAt(50, 5.5)!.id, '50.2');
  });
});

describe('10,000 processes', () => {
  test('a snapshot and a delta that upserts every process each take well under 200 ms', () => {
    const full = serverTrace({ processes: 10_000 });
    const store = new ProcessStore();
    const snapshotMs = cpuMs(() => store.applySnapshot(full));
    const changed = full.processes.map((p) => ({ ...p, threads: 2 }));
    const deltaMs = cpuMs(() =>
      store.applyDelta({
        processes: changed,
        removed: [],
        folded: [],
        diagnostics: full.diagnostics,
        summary: full.summary,
        duration: full.duration,
        ended: true,
        warningCount: 0,
      }),
    );
    assert.equal(store.size, 10_000);
    assert.equal(store.get(full.processes[9999]!.id)!.threads, 2);
    assert.ok(snapshotMs < 200, `snapshot took ${snapshotMs.toFixed(1)} ms`);
    assert.ok(deltaMs < 200, `delta took ${deltaMs.toFixed(1)} ms`);
  });

  test('a delta of 100 processes costs what it carries, not what the store holds', () => {
    const full = serverTrace({ processes: 10_000 });
    const store = storeOf(full);
    const batch = full.processes.slice(5000, 5100).map((p) => ({ ...p, threads: 3 }));
    const perDelta =
      cpuMs(() => {
        for (let i = 0; i < 100; i++)
          store.applyDelta({
            processes: batch,
            removed: [],
            folded: [],
            diagnostics: full.diagnostics,
            summary: full.summary,
            duration: full.duration,
            ended: false,
            warningCount: 0,
          });
      }) / 100;
    assert.ok(perDelta < 2, `a 100-process delta took ${perDelta.toFixed(3)} ms`);
  });
});

describe('folding reaches the panel: the store stays as bounded as the model', () => {
  test('deltas from a folding model (removed ids, changed groups) leave the store equal to the final snapshot, never holding more than the model kept', () => {
    const session = new TraceSession({ keepReaped: 100 });
    const stamp = (t: number): string => (1700000000 + t).toFixed(6);
    session.push(`100 ${stamp(0)} execve("/srv/server", ["server"], 0x7ffd0000 /* 3 vars */) = 0\n`);
    const store = storeOf(session.snapshot());
    session.model.takeChanged(); // deltas continue from this picture, as traceRun.sendSnapshot does
    let most = 0;
    for (let batch = 0; batch < 40; batch++) {
      const lines: string[] = [];
      for (let k = 0; k < 100; k++) {
        const n = batch * 100 + k;
        const pid = 1000 + n;
        lines.push(
          `100 ${stamp(n * 0.001 + 0.1)} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = ${pid}`,
        );
        lines.push(`${pid} ${stamp(n * 0.001 + 0.1002)} +++ exited with ${n % 3} +++`);
        lines.push(`100 ${stamp(n * 0.001 + 0.1004)} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == ${n % 3}}], 0, NULL) = ${pid}`);
      }
      session.push(lines.join('\n') + '\n');
      store.applyDelta(buildDelta(session.model));
      most = Math.max(most, store.size);
    }
    const final = session.snapshot();
    const mine = store.toSnapshot();
    assert.deepEqual(mine.processes.map((p) => p.id).sort(), final.processes.map((p) => p.id).sort());
    assert.deepEqual(mine.folded, final.folded);
    assert.equal(final.folded[0]!.count + final.processes.length, 4001);
    assert.ok(most <= 1 + 100 + 100, `the store held at most ${most} processes`);
    // The tree shows the group's row last under the server.
    const rows = flattenTree(store, { filter: 'all', search: '', collapsed: new Set() }).rows;
    assert.deepEqual(rows[rows.length - 1], { id: final.folded[0]!.id, depth: 1, hasChildren: false, expanded: true, folded: true });
    assert.equal(rows.length, 1 + 100 + 1);
    // A filter hides it: no zombie, orphan or running process is in a group.
    assert.equal(flattenTree(store, { filter: 'zombies', search: '', collapsed: new Set() }).rows.length, 0);
  });
});
