// The timeline's time axis: which time is at which x, zooming around a point that must
// stay put, panning, following the live end, and tick marks at round numbers.
// Pure (no DOM). Times are seconds since the first event, x is CSS pixels.

export interface TimeScale {
  /** The time at x = 0. */
  start: number;
  /** Seconds per CSS pixel; smaller is more zoomed in. */
  secondsPerPixel: number;
}

/** Zoom stops here: a microsecond per pixel is finer than strace's -ttt stamps. */
export const MIN_SECONDS_PER_PIXEL = 1e-7;

export function timeToX(scale: TimeScale, t: number): number {
  return (t - scale.start) / scale.secondsPerPixel;
}

export function xToTime(scale: TimeScale, x: number): number {
  return scale.start + x * scale.secondsPerPixel;
}

/** The widest zoom worth having: the whole trace in half the width. */
export function maxSecondsPerPixel(duration: number, width: number): number {
  return (Math.max(duration, 1e-3) * 2) / Math.max(width, 1);
}

/** Zooms by `factor` (> 1 zooms out) keeping the time under `x` at `x`. */
export function zoomAt(scale: TimeScale, x: number, factor: number, duration: number, width: number): TimeScale {
  const anchor = xToTime(scale, x);
  const spp = clamp(scale.secondsPerPixel * factor, MIN_SECONDS_PER_PIXEL, maxSecondsPerPixel(duration, width));
  return clampPan({ start: anchor - x * spp, secondsPerPixel: spp }, duration, width);
}

/** Moves the view by `dx` pixels (positive shows later times). */
export function panBy(scale: TimeScale, dx: number, duration: number, width: number): TimeScale {
  return clampPan({ start: scale.start + dx * scale.secondsPerPixel, secondsPerPixel: scale.secondsPerPixel }, duration, width);
}

/** Keeps at least a quarter of the view on [0, duration]: the trace can't be panned out of sight. */
export function clampPan(scale: TimeScale, duration: number, width: number): TimeScale {
  const visible = width * scale.secondsPerPixel;
  const lo = -visible * 0.75;
  const hi = Math.max(duration, 0) - visible * 0.25;
  return { start: clamp(scale.start, lo, Math.max(lo, hi)), secondsPerPixel: scale.secondsPerPixel };
}

/** [from, to] across `width` pixels with a small margin each side. */
export function fit(from: number, to: number, width: number, marginPx = 8): TimeScale {
  const span = Math.max(to - from, 1e-3);
  const usable = Math.max(width - 2 * marginPx, 1);
  const spp = Math.max(span / usable, MIN_SECONDS_PER_PIXEL);
  return { start: from - marginPx * spp, secondsPerPixel: spp };
}

/**
 * Follow-live: the present (`now`) sits near the right edge at the current zoom; while
 * the whole trace still fits, the view starts at 0 instead.
 */
export function follow(scale: TimeScale, now: number, width: number, marginPx = 24): TimeScale {
  const visible = width * scale.secondsPerPixel;
  const startAtNow = now - (width - marginPx) * scale.secondsPerPixel;
  const start = now + marginPx * scale.secondsPerPixel <= visible ? -8 * scale.secondsPerPixel : startAtNow;
  return { start, secondsPerPixel: scale.secondsPerPixel };
}

export interface Ticks {
  /** Seconds between ticks: 1, 2 or 5 times a power of ten. */
  step: number;
  times: number[];
}

/** Round-numbered ticks at least `minSpacingPx` apart across [0, width]. */
export function ticks(scale: TimeScale, width: number, minSpacingPx = 80): Ticks {
  const step = niceStep(minSpacingPx * scale.secondsPerPixel);
  const first = Math.ceil(scale.start / step);
  const last = Math.floor(xToTime(scale, width) / step);
  const times: number[] = [];
  for (let k = first; k <= last && times.length < 1000; k++) times.push(roundTo(k * step, step));
  return { step, times };
}

/** The smallest 1, 2 or 5 × 10^k that is at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) {
    if (m * power >= raw * (1 - 1e-9)) return m * power;
  }
  return 10 * power;
}

/** A tick's label with as many decimals as the step needs: "0.25 s", "1.5 ms" style kept to seconds. */
export function tickLabel(t: number, step: number): string {
  const decimals = Math.max(0, Math.min(7, -Math.floor(Math.log10(step) + 1e-9)));
  const value = Math.abs(t) < step / 2 ? 0 : t;
  return `${value.toFixed(decimals)} s`;
}

function roundTo(t: number, step: number): number {
  const decimals = Math.max(0, Math.min(12, -Math.floor(Math.log10(step)) + 1));
  return Number(t.toFixed(decimals));
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
