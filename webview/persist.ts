// When the panel saves its state. VS Code's setState turns the whole state into JSON
// on the page's main thread (its webview bootstrap calls JSON.stringify), and the state
// holds the whole picture: 17 ms for 10,000 processes, 89 ms for 30,000 in Chromium
// here. Saving once a second would take a tenth of a big live trace's page time and
// drop frames every second, so the interval grows with what a save costs.

/** The share of the page's time that saving may take while a trace runs. */
export const SAVE_BUDGET = 1 / 30;

/**
 * How long to wait before the next save: `requestedMs` (0: now, the trace ended), or
 * longer when the last save took `lastCostMs`, so that saves stay within SAVE_BUDGET.
 */
export function saveDelay(requestedMs: number, lastCostMs: number): number {
  if (requestedMs <= 0) return 0;
  return Math.max(requestedMs, Math.ceil(lastCostMs / SAVE_BUDGET));
}
