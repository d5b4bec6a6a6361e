// How often the panel saves its state: a save that costs more waits longer, so that
// saving stays within its share of the page's time; the end of a trace saves at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAVE_BUDGET, saveDelay } from '../../webview/persist';

test('a cheap save keeps the requested delay', () => {
  assert.equal(saveDelay(1000, 0), 1000);
  assert.equal(saveDelay(1000, 17), 1000, '10,000 processes: 17 ms a save, once a second is within the budget');
});

test('a costly save waits until it is SAVE_BUDGET of the time between saves', () => {
  assert.equal(SAVE_BUDGET, 1 / 30);
  assert.equal(saveDelay(1000, 89), 2670, '30,000 processes: 89 ms a save, every 2.67 s');
  assert.equal(saveDelay(1000, 900), 27000);
});

test('a save asked for now (the trace ended) happens now, whatever it costs', () => {
  assert.equal(saveDelay(0, 900), 0);
});
