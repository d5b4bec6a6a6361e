// The CLI's progress line for a long read: on a terminal only, after a moment, rewritten
// in place at most every 100 ms, and cleared before the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { terminalProgress } from '../../src/cli/progress';

const MiB = 1024 * 1024;

function terminal(isTTY: boolean) {
  const written: string[] = [];
  let clock = 0;
  const options = { delayMs: 500, everyMs: 100, now: () => clock };
  return {
    written,
    tick: (ms: number) => (clock += ms),
    progress: terminalProgress({ isTTY, write: (text: string) => written.push(text) }, 'reading trace.log', options),
  };
}

test('not a terminal (a pipe, a file): no progress at all, so the reader is not asked to stop and tell', () => {
  assert.equal(terminal(false).progress, null);
});

test('a read that ends within the delay shows nothing, and done() writes nothing', () => {
  const t = terminal(true);
  t.tick(499);
  t.progress?.update(8 * MiB, 30 * MiB);
  t.progress?.done();
  assert.deepEqual(t.written, []);
});

test('a long read: one line rewritten in place, at most every 100 ms, then erased before the report', () => {
  const t = terminal(true);
  t.tick(500);
  t.progress?.update(8 * MiB, 576 * MiB);
  t.tick(50);
  t.progress?.update(16 * MiB, 576 * MiB); // too soon: skipped
  t.tick(50);
  t.progress?.update(24 * MiB, 576 * MiB);
  t.tick(100);
  t.progress?.update(3.5 * MiB, 9 * MiB);
  t.progress?.done();
  assert.deepEqual(t.written, [
    '\r\x1b[Kforktrace: reading trace.log: 8.0 of 576 MiB (1%)',
    '\r\x1b[Kforktrace: reading trace.log: 24 of 576 MiB (4%)',
    '\r\x1b[Kforktrace: reading trace.log: 3.5 of 9.0 MiB (38%)',
    '\r\x1b[K',
  ]);
});

test('a log of unknown size (a pipe: stat says 0 bytes) gives how much was read, no total and no percentage', () => {
  const t = terminal(true);
  t.tick(600);
  t.progress?.update(24 * MiB, 0);
  t.tick(100);
  t.progress?.update(0, 0);
  assert.deepEqual(t.written, ['\r\x1b[Kforktrace: reading trace.log: 24 MiB', '\r\x1b[Kforktrace: reading trace.log: 0 KiB']);
});
