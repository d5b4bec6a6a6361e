// One Chromium per describe block, and a fresh page of the panel per test: the hooks
// every browser test file needs, in one place.
import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import { Harness, buildWebview, bundleIsStale, type HarnessOptions } from './harness';

export interface BrowserPages {
  /** A new page of the panel. */
  open(options?: Omit<HarnessOptions, 'browser'>): Promise<Harness>;
  /** Every page opened and not closed yet, oldest first (a last test can check them all). */
  readonly opened: readonly Harness[];
  /** Closes a page early; it is no longer among `opened`. */
  close(h: Harness): Promise<void>;
}

/**
 * Call inside a `describe`: launches Chromium before its tests (building the webview
 * bundle first when it is stale) and closes every page and the browser after them.
 */
export function browserPages(): BrowserPages {
  let browser: Browser | undefined;
  const opened: Harness[] = [];
  before(async () => {
    if (bundleIsStale()) await buildWebview();
    browser = await Harness.launch();
  });
  after(async () => {
    for (const h of opened) await h.close().catch(() => undefined);
    await browser?.close();
  });
  return {
    opened,
    async open(options = {}) {
      const h = await Harness.open({ ...options, browser });
      opened.push(h);
      return h;
    },
    async close(h) {
      opened.splice(opened.indexOf(h), 1);
      await h.close();
    },
  };
}
