// The panel's words and the timeline's lanes, in the design's vocabulary.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeAdoption, describeExit, describeReap, describeZombie, formatDuration, formatLifetime, formatLocation, formatTime, plural, quoteArgv, shortLocation } from '../../webview/format';
import { laneOf } from '../../webview/lanes';
import { proc, smallTrace } from '../browser/traces';

const byId = (id: string) => smallTrace().processes.find((p) => p.id === id)!;

describe('times', () => {
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
  test('a lifetime reads like the CLI: start–end, or … while running', () => {
    assert.equal(formatLifetime(byId('101')), '0.100–0.200s');
    assert.equal(formatLifetime(byId('103')), '0.500–…s');
    assert.equal(formatLifetime(proc({ pid: 1, start: null })), '');
  });
});

describe('what happened to a process', () => {
  test('exit by code, by signal with a core dump, or still running', () => {
    assert.equal(describeExit(byId('102').exit), 'exited with code 3 at 0.400 s');
    assert.equal(describeExit(byId('107').exit), 'killed by SIGSEGV (core dumped) at 0.900 s');
    assert.equal(describeExit(null), 'still running');
  });
  test('the zombie interval: still open, closed, or never (auto-reaped)', () => {
    assert.equal(describeZombie(byId('101'), 1), 'zombie since 0.200 s (800 ms so far)');
    assert.equal(describeZombie(byId('102'), 1), 'zombie from 0.400 s to 0.410 s (10 ms)');
    const auto = proc({ pid: 9, exit: { time: 1, code: 0, signal: null, core: false }, reaped: { time: 1, by: null, how: 'auto', seen: true }, state: 'reaped' });
    assert.match(describeZombie(auto, 2), /never a zombie: auto-reaped/);
  });
  test('reaping names the reaper and says "unseen" when it is outside the trace', () => {
    assert.equal(describeReap(byId('102').reaped, 'server'), 'reaped by pid 100 (server) at 0.410 s (wait)');
    const unseen = describeReap({ time: 3, by: 1, how: 'adopter', seen: false }, 'systemd');
    assert.equal(unseen, 'reaped by its adopter, pid 1 (systemd) at 3.000 s — unseen: the reaper is outside the trace, so the reaping was inferred');
    assert.equal(describeReap(null, null), 'not reaped');
  });
  test('an adopter outside the trace that could not be named says so', () => {
    assert.equal(describeAdoption({ time: 0.7, pid: 1, command: 'systemd' }), 'adopted by pid 1 (systemd) at 0.700 s');
    assert.equal(describeAdoption({ time: null, pid: null, command: null }), 'adopted by an unidentified process outside the trace');
  });
});

describe('text', () => {
  test('argv is quoted the way a shell would read it back', () => {
    assert.equal(quoteArgv(['./server', '--port', '8080']), './server --port 8080');
    assert.equal(quoteArgv(['sh', '-c', 'echo hi; exit']), "sh -c 'echo hi; exit'");
    assert.equal(quoteArgv(["it's", '']), `'it'\\''s' ''`);
    assert.equal(quoteArgv(['<img src=x onerror=alert(1)>']), "'<img src=x onerror=alert(1)>'");
  });
  test('locations: the whole path with the function, or the short form', () => {
    const loc = { file: '/work/examples/zombie_server.c', line: 70, function: 'main' };
    assert.equal(formatLocation(loc), '/work/examples/zombie_server.c:70 (main)');
    assert.equal(shortLocation(loc), 'zombie_server.c:70');
    assert.equal(formatLocation({ ...loc, function: null }), '/work/examples/zombie_server.c:70');
  });
  test('plurals with thousands separators', () => {
    assert.equal(plural(1, 'zombie'), '1 zombie');
    assert.equal(plural(10000, 'process', 'processes'), '10,000 processes');
  });
});

describe('lanes', () => {
  test('a zombie: its life in the exited colour, then a zombie span open to now, with fork and exit marks', () => {
    const lane = laneOf(byId('101'), 1);
    assert.deepEqual(lane.spans, [
      { kind: 'exited', from: 0.1, to: 0.2, open: false },
      { kind: 'zombie', from: 0.2, to: 1, open: true },
    ]);
    assert.deepEqual(lane.marks.map((m) => [m.kind, m.time]), [['fork', 0.1], ['exit', 0.2]]);
  });
  test('a reaped child: reaped life, a closed zombie span, and a reap mark', () => {
    const lane = laneOf(byId('102'), 1);
    assert.deepEqual(lane.spans.map((s) => [s.kind, s.from, s.to]), [['reaped', 0.3, 0.4], ['zombie', 0.4, 0.41]]);
    assert.deepEqual(lane.marks.map((m) => m.kind), ['fork', 'exit', 'reap']);
  });
  test('a running process grows to now; exec and adoption are marked', () => {
    assert.deepEqual(laneOf(byId('103'), 2).spans, [{ kind: 'running', from: 0.5, to: 2, open: true }]);
    assert.deepEqual(laneOf(byId('103'), 2).marks.map((m) => m.kind), ['fork', 'exec']);
    assert.deepEqual(laneOf(byId('105'), 2).marks.map((m) => [m.kind, m.time]), [['fork', 0.65], ['adopt', 0.7]]);
  });
  test('the root has no fork mark, and a log without timestamps has no lane', () => {
    assert.deepEqual(laneOf(byId('100'), 1).marks.map((m) => m.kind), ['exec']);
    assert.deepEqual(laneOf(proc({ pid: 1, start: null }), 1), { spans: [], marks: [] });
  });
});
