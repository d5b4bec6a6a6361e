// Opens the panel's bundle in headless Chromium outside VS Code: harness.html under
// the panel's CSP, served from a made-up origin by request interception (no server,
// no port). Shared by test/browser/*.test.ts and bench/webview.mjs.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostMessage, WebviewMessage, WebviewState } from '../../src/shared/protocol';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** Stands in for VS Code's `webview.cspSource`. */
export const ORIGIN = 'http://forktrace.test';
export const ROOT = join(__dirname, '..', '..');

export interface Violation {
  directive: string;
  blocked: string;
  sample: string;
  source: string;
  line: number;
}

/** What the stand-in acquireVsCodeApi and the page's listeners recorded. */
export interface HarnessRecord {
  posted: WebviewMessage[];
  violations: Violation[];
  errors: string[];
  state: WebviewState | undefined;
  setStateCount: number;
}

export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;
}

/** dist/webview.js is missing or older than a file under webview/ or src/shared/ (what the page is built from). */
export function bundleIsStale(): boolean {
  const bundle = join(ROOT, 'dist', 'webview.js');
  if (!existsSync(bundle) || !existsSync(join(ROOT, 'dist', 'webview.css'))) return true;
  const built = statSync(bundle).mtimeMs;
  const newer = (dir: string): boolean => readdirSync(dir).some((name) => statSync(join(dir, name)).mtimeMs > built);
  return newer(join(ROOT, 'webview')) || newer(join(ROOT, 'src', 'shared'));
}

/**
 * Builds the webview bundle alone (as esbuild.mjs does in development), so a test never
 * rewrites the CLI bundle another test may be running.
 */
export async function buildWebview(production = false): Promise<void> {
  await esbuild.build({
    minify: production,
    entryPoints: [join(ROOT, 'webview', 'main.ts')],
    outfile: join(ROOT, 'dist', 'webview.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    sourcesContent: false,
    logLevel: 'warning',
  });
}

export interface HarnessOptions {
  theme?: 'dark' | 'light' | 'hc' | 'hc-light';
  width?: number;
  height?: number;
  /** Reuse a browser (the bench opens several pages). */
  browser?: Browser;
  /** Serve these bytes as dist/webview.js and .css (the bench pins the build it measured). */
  bundle?: { js: Buffer; css: Buffer };
}

export class Harness {
  readonly consoleErrors: string[] = [];
  readonly pageErrors: string[] = [];
  readonly dialogs: string[] = [];

  private constructor(
    readonly browser: Browser,
    readonly page: Page,
    private readonly ownsBrowser: boolean,
  ) {}

  static async launch(): Promise<Browser> {
    return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  }

  static async open(options: HarnessOptions = {}): Promise<Harness> {
    const browser = options.browser ?? (await Harness.launch());
    const context = await browser.newContext({ viewport: { width: options.width ?? 1200, height: options.height ?? 800 } });
    const page = await context.newPage();
    const harness = new Harness(browser, page, !options.browser);
    page.on('console', (m) => {
      if (m.type() === 'error') harness.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => harness.pageErrors.push(String(e)));
    page.on('dialog', (d) => {
      harness.dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    const nonce = randomBytes(16)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, '');
    const html = readFileSync(join(__dirname, 'harness.html'), 'utf8').replaceAll('{{CSP_SOURCE}}', ORIGIN).replaceAll('{{NONCE}}', nonce);
    const files: Record<string, [string, string]> = {
      '/dist/webview.js': [join(ROOT, 'dist', 'webview.js'), 'text/javascript'],
      '/dist/webview.js.map': [join(ROOT, 'dist', 'webview.js.map'), 'application/json'],
      '/dist/webview.css': [join(ROOT, 'dist', 'webview.css'), 'text/css'],
      '/dist/webview.css.map': [join(ROOT, 'dist', 'webview.css.map'), 'application/json'],
      '/test/browser/theme.css': [join(__dirname, 'theme.css'), 'text/css'],
    };
    await page.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort();
      if (url.pathname === '/harness.html') return route.fulfill({ status: 200, contentType: 'text/html', body: html });
      if (options.bundle && url.pathname === '/dist/webview.js') return route.fulfill({ status: 200, contentType: 'text/javascript', body: options.bundle.js });
      if (options.bundle && url.pathname === '/dist/webview.css') return route.fulfill({ status: 200, contentType: 'text/css', body: options.bundle.css });
      const file = files[url.pathname];
      if (!file || !existsSync(file[0])) return route.fulfill({ status: 404, body: 'not found' });
      return route.fulfill({ status: 200, contentType: file[1], body: readFileSync(file[0]) });
    });
    await page.goto(`${ORIGIN}/harness.html?theme=${options.theme ?? 'dark'}`);
    await page.waitForFunction(() => (globalThis as unknown as { __harness: HarnessRecord }).__harness.posted.length > 0);
    return harness;
  }

  /** Delivers a host message the way VS Code does: a `message` event on the window. */
  async send(message: HostMessage): Promise<void> {
    await this.page.evaluate((m) => (globalThis as unknown as { postMessage(data: unknown, origin: string): void }).postMessage(m, '*'), message);
  }

  /** Waits until the page has painted a frame after everything sent so far. */
  async settle(): Promise<void> {
    await this.page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const w = globalThis as unknown as { requestAnimationFrame(cb: () => void): void; setTimeout(cb: () => void, ms: number): void };
          w.setTimeout(() => w.requestAnimationFrame(() => w.requestAnimationFrame(() => resolve())), 0);
        }),
    );
  }

  async record(): Promise<HarnessRecord> {
    return this.page.evaluate(() => {
      const h = (globalThis as unknown as { __harness: HarnessRecord }).__harness;
      return { posted: h.posted, violations: h.violations, errors: h.errors, state: h.state, setStateCount: h.setStateCount };
    });
  }

  async posted(): Promise<WebviewMessage[]> {
    return (await this.record()).posted;
  }

  async close(): Promise<void> {
    await this.page.context().close();
    if (this.ownsBrowser) await this.browser.close();
  }
}
