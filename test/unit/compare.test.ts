// Trace Again's comparison: the previous run as a small summary, and the rows the panel
// shows (processes, zombies now, most zombies at once, one per finding kind) before →
// after, "fixed" where a kind is gone. On recorded traces of the never-reaping server and
// of the server that reaps in a loop: the fix's before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRowWords, compareRuns, findingsByKind, summarizeRun, type RunSummary } from '../../src/shared/compare';
import type { DiagnosticJson } from '../../src/shared/schema';
import { analyzeText, readFixture } from '../support/core';

/** A recorded server, stopped before the recording's SIGTERM: as Stop leaves it, zombies still held. */
function stoppedServer(name: string) {
  return analyzeText(
    readFixture(name)
      .split('\n')
      .filter((l) => !/SIGTERM/.test(l))
      .join('\n'),
  );
}
const leaking = stoppedServer('zombie_server.ttt.log');
const reaping = stoppedServer('reap_loop_server.ttt.log');

test('a run is summarized by its counts and its findings by kind, nothing of its processes', () => {
  const s = summarizeRun('zombie_server 0', 'Stopped: the picture was taken.', leaking);
  assert.deepEqual(s, {
    title: 'zombie_server 0',
    message: 'Stopped: the picture was taken.',
    processes: leaking.summary.processes,
    zombiesNow: 3,
    maxZombies: 3,
    findings: { 'zombie-leak': 1 },
  });
  assert.equal(leaking.summary.processes, 4, 'the server and its 3 children');
});

test('the never-reaping server, then the one that reaps in a loop: zombies 3 → 0, zombie-leak fixed', () => {
  const rows = compareRuns(summarizeRun('zombie_server 0', null, leaking), reaping);
  assert.deepEqual(
    rows.map((r) => [r.key, r.label, r.before, r.after, r.verdict]),
    [
      ['processes', 'processes', 4, reaping.summary.processes, null],
      ['zombies', 'zombies now', 3, 0, null],
      ['maxZombies', 'most zombies at once', 3, reaping.summary.maxZombies, null],
      ['zombie-leak', 'zombie-leak', 1, 0, 'fixed'],
    ],
  );
  assert.equal(compareRowWords(rows[3]), 'zombie-leak 1 → 0, fixed');
  assert.equal(compareRowWords(rows[1]), 'zombies now 3 → 0');
});

test('a kind only after is new; more or fewer of a kind says so; a kind in neither run has no row', () => {
  const d = (kind: DiagnosticJson['kind']) => ({ kind });
  const before: RunSummary = {
    title: 't',
    message: null,
    processes: 5,
    zombiesNow: 0,
    maxZombies: 1,
    findings: { 'sigchld-coalesced': 2, 'zombie-lingering': 1 },
  };
  const after = {
    summary: { processes: 5, running: 1, zombiesAtEnd: 2, maxZombies: 2, orphans: 0 },
    diagnostics: [d('zombie-leak'), d('sigchld-coalesced'), d('zombie-lingering'), d('zombie-lingering')],
  };
  const findings = compareRuns(before, after).filter((r) => r.finding);
  assert.deepEqual(
    findings.map((r) => [r.key, r.before, r.after, r.verdict]),
    [
      ['zombie-leak', 0, 1, 'new'],
      ['sigchld-coalesced', 2, 1, 'fewer'],
      ['zombie-lingering', 1, 2, 'more'],
    ],
  );
  assert.deepEqual(findingsByKind(after.diagnostics), { 'zombie-leak': 1, 'sigchld-coalesced': 1, 'zombie-lingering': 2 });
});

test('the same count is no verdict; the "after" side is the run as it is now (a live summary)', () => {
  const before = summarizeRun('srv', null, leaking);
  const live = { summary: { ...leaking.summary, zombiesAtEnd: 1, maxZombies: 1, processes: 2 }, diagnostics: leaking.diagnostics };
  const rows = compareRuns(before, live);
  assert.deepEqual(
    rows.map((r) => [r.key, r.after, r.verdict]),
    [
      ['processes', 2, null],
      ['zombies', 1, null],
      ['maxZombies', 1, null],
      ['zombie-leak', 1, null],
    ],
  );
});

test('a saved summary of another shape (an older or newer version, or hostile) gives zeros and text rows, never a throw', () => {
  const odd = {
    title: '<b>x</b>',
    message: null,
    processes: 'many',
    zombiesNow: -3,
    maxZombies: Infinity,
    findings: { 'zombie-leak': 2, '<img src=x onerror=alert(1)>': 1, constructor: 'x' },
  } as unknown as RunSummary;
  const rows = compareRuns(odd, { summary: { processes: 1, running: 1, zombiesAtEnd: 0, maxZombies: 0, orphans: 0 }, diagnostics: [] });
  assert.deepEqual(
    rows.map((r) => [r.key, r.before, r.after, r.verdict]),
    [
      ['processes', 0, 1, null],
      ['zombies', 0, 0, null],
      ['maxZombies', 0, 0, null],
      ['zombie-leak', 2, 0, 'fixed'],
      ['<img src=x onerror=alert(1)>', 1, 0, 'fixed'],
    ],
  );
  const noFindings = compareRuns({ ...odd, findings: null } as unknown as RunSummary, { summary: leaking.summary, diagnostics: [] });
  assert.equal(noFindings.length, 3);
});
