// Timing for tests that compare costs: this process's CPU, not the wall clock.

/**
 * Milliseconds of this process's CPU (user + system) that `run` took. Unlike the wall
 * clock, other processes on a busy machine do not lengthen it, so a test that compares
 * costs (linear time, a bound on one call) measures the work done, not how much of the
 * CPU this process happened to get.
 */
export function cpuMs(run: () => void): number {
  return cpuTimed(run)[1];
}

/** What `run` returned, and the milliseconds of CPU it took (as cpuMs). */
export function cpuTimed<T>(run: () => T): [T, number] {
  const t0 = process.cpuUsage();
  const value = run();
  const d = process.cpuUsage(t0);
  return [value, (d.user + d.system) / 1000];
}
