// The timeline's axis: time ↔ x, zoom that keeps the time under the cursor still,
// panning, fitting, following the live end, and round-numbered ticks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clampPan, fit, follow, MIN_SECONDS_PER_PIXEL, niceStep, panBy, tickLabel, ticks, timeToX, xToTime, zoomAt, type TimeScale } from '../../webview/scale';

const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${a} ≉ ${b}`);

describe('time and x', () => {
  const scale: TimeScale = { start: 2, secondsPerPixel: 0.01 };
  test('x is pixels from the view start at the zoom', () => {
    close(timeToX(scale, 2), 0);
    close(timeToX(scale, 3), 100);
    close(xToTime(scale, 250), 4.5);
  });
  test('they are inverses', () => {
    for (const t of [0, 1.234567, 59.9]) close(xToTime(scale, timeToX(scale, t)), t);
  });
});

describe('zoom', () => {
  const scale: TimeScale = { start: 10, secondsPerPixel: 0.02 };
  test('zooming in around the cursor keeps the time under it at the same x', () => {
    for (const x of [0, 137, 400, 799]) {
      const before = xToTime(scale, x);
      const zoomed = zoomAt(scale, x, 0.5, 60, 800);
      close(zoomed.secondsPerPixel, 0.01);
      close(xToTime(zoomed, x), before);
    }
  });
  test('zooming out does the same, and in-then-out returns to the start', () => {
    const out = zoomAt(scale, 300, 1.5, 60, 800);
    close(xToTime(out, 300), xToTime(scale, 300));
    const back = zoomAt(zoomAt(scale, 300, 0.25, 60, 800), 300, 4, 60, 800);
    close(back.start, scale.start);
    close(back.secondsPerPixel, scale.secondsPerPixel);
  });
  test('zoom stops at a tenth of a microsecond per pixel and at twice the trace', () => {
    assert.equal(zoomAt(scale, 0, 1e-12, 60, 800).secondsPerPixel, MIN_SECONDS_PER_PIXEL);
    close(zoomAt(scale, 0, 1e6, 60, 800).secondsPerPixel, 120 / 800);
  });
});

describe('pan, fit, follow', () => {
  test('panning moves the view by pixels at the current zoom', () => {
    const scale = panBy({ start: 10, secondsPerPixel: 0.01 }, 100, 60, 800);
    close(scale.start, 11);
  });
  test('the trace cannot be panned out of sight', () => {
    const left = clampPan({ start: -100, secondsPerPixel: 0.01 }, 60, 800);
    close(left.start, -6); // three quarters of the 8 s view may be before 0
    const right = clampPan({ start: 100, secondsPerPixel: 0.01 }, 60, 800);
    close(right.start, 58); // a quarter of the view stays on the trace
  });
  test('fit puts [from, to] across the width inside the margins', () => {
    const scale = fit(0, 10, 816, 8);
    close(timeToX(scale, 0), 8);
    close(timeToX(scale, 10), 808);
  });
  test('follow keeps now near the right edge once the trace is longer than the view', () => {
    const scale = follow({ start: 0, secondsPerPixel: 0.01 }, 30, 800, 24);
    close(timeToX(scale, 30), 776);
  });
  test('follow starts the view at 0 while the whole trace fits', () => {
    const scale = follow({ start: 3, secondsPerPixel: 0.01 }, 2, 800);
    assert.ok(timeToX(scale, 0) > 0 && timeToX(scale, 0) < 10);
  });
});

describe('ticks', () => {
  test('steps are 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceStep(0.7), 1);
    assert.equal(niceStep(1), 1);
    close(niceStep(0.013), 0.02);
    close(niceStep(0.0031), 0.005);
    assert.equal(niceStep(120), 200);
  });
  test('ticks sit on multiples of the step inside the view, at least the minimum spacing apart', () => {
    const scale: TimeScale = { start: 0.05, secondsPerPixel: 0.001 };
    const { step, times } = ticks(scale, 800, 80);
    close(step, 0.1);
    assert.deepEqual(times, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
  });
  test('labels carry the decimals the step needs', () => {
    assert.equal(tickLabel(0.2, 0.1), '0.2 s');
    assert.equal(tickLabel(1.005, 0.005), '1.005 s');
    assert.equal(tickLabel(20, 10), '20 s');
    assert.equal(tickLabel(-1e-17, 0.1), '0.0 s');
  });
});
