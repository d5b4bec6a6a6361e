// The panel's own text and the timeline's lanes; the words it shares with the CLI and
// the debug view are pinned in words.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLocation } from '../../src/shared/words';
import { quoteArgv, shortLocation } from '../../webview/format';
import { laneOf } from '../../webview/lanes';
import { attachedTrace, proc, smallTrace } from '../browser/traces';

const byId = (id: string) => smallTrace().processes.find((p) => p.id === id)!;

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
});

describe('lanes', () => {
  test('a zombie: its life in the exited colour, then a zombie span open to now, with fork and exit marks', () => {
    const lane = laneOf(byId('101'), 1);
    assert.deepEqual(lane.spans, [
      { kind: 'exited', from: 0.1, to: 0.2, open: false },
      { kind: 'zombie', from: 0.2, to: 1, open: true },
    ]);
    assert.deepEqual(
      lane.marks.map((m) => [m.kind, m.time]),
      [
        ['fork', 0.1],
        ['exit', 0.2],
      ],
    );
  });
  test('a reaped child: reaped life, a closed zombie span, and a reap mark', () => {
    const lane = laneOf(byId('102'), 1);
    assert.deepEqual(
      lane.spans.map((s) => [s.kind, s.from, s.to]),
      [
        ['reaped', 0.3, 0.4],
        ['zombie', 0.4, 0.41],
      ],
    );
    assert.deepEqual(
      lane.marks.map((m) => m.kind),
      ['fork', 'exit', 'reap'],
    );
  });
  test('a running process grows to now; exec and adoption are marked', () => {
    assert.deepEqual(laneOf(byId('103'), 2).spans, [{ kind: 'running', from: 0.5, to: 2, open: true }]);
    assert.deepEqual(
      laneOf(byId('103'), 2).marks.map((m) => m.kind),
      ['fork', 'exec'],
    );
    assert.deepEqual(
      laneOf(byId('105'), 2).marks.map((m) => [m.kind, m.time]),
      [
        ['fork', 0.65],
        ['adopt', 0.7],
      ],
    );
  });
  test('the root has no fork mark, and a log without timestamps has no lane', () => {
    assert.deepEqual(
      laneOf(byId('100'), 1).marks.map((m) => m.kind),
      ['exec'],
    );
    assert.deepEqual(laneOf(proc({ pid: 1, start: null }), 1), { spans: [], marks: [] });
  });
});

describe('lanes of what an attach found already there', () => {
  const byAttachId = (id: string) => attachedTrace().processes.find((p) => p.id === id)!;
  test('the attached server runs from the attach, not from an hour before it, and has no fork mark', () => {
    const lane = laneOf(byAttachId('200'), 2);
    assert.deepEqual(lane.spans, [{ kind: 'running', from: 0, to: 2, open: true }]);
    assert.deepEqual(lane.marks, []);
  });
  test('a zombie since before the trace: only its zombie span, from the attach to now (its exit is unknown)', () => {
    const lane = laneOf(byAttachId('201'), 2);
    assert.deepEqual(lane.spans, [{ kind: 'zombie', from: 0, to: 2, open: true }]);
    assert.deepEqual(lane.marks, []);
  });
  test('one reaped after the attach: its zombie span ends at the reaping', () => {
    const lane = laneOf(byAttachId('202'), 2);
    assert.deepEqual(lane.spans, [{ kind: 'zombie', from: 0, to: 0.5, open: false }]);
    assert.deepEqual(
      lane.marks.map((m) => [m.kind, m.time]),
      [['reap', 0.5]],
    );
  });
});
