// Driving the real VS Code workbench (code-server) from headless Chromium: the
// command palette, webviews in nested iframes, the status bar, the Problems panel,
// the Call Stack view. Selectors are the workbench's own; nothing here knows the
// extension except the data-* attributes its panel promises.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Frame, Locator, Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'artifacts', 'e2e');

/** Flags from design.md §5: headless Debian chromium that leaves the network alone. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// ---- scripts/code-server.mjs, typed ----

export interface CodeServerInstall {
  node: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  cache: string;
  seconds: number;
  installed: boolean;
  version: string;
}
export interface Profile {
  root: string;
  userDataDir: string;
  extensionsDir: string;
}
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  comm: string;
  state: string;
}
export interface RunningCodeServer {
  port: number;
  url: string;
  pid: number;
  seconds: number;
  stop(): Promise<{ left: ProcInfo[] }>;
  output(): string;
  processes(): ProcInfo[];
}
export interface CodeServerModule {
  CODE_SERVER_VERSION: string;
  ensureCodeServer(options?: { cache?: string; baseEnv?: NodeJS.ProcessEnv; spec?: string }): CodeServerInstall;
  isolatedNpmEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  npmInstallInto(target: string, spec: string, env: NodeJS.ProcessEnv): void;
  freshProfile(): Profile;
  installExtension(cs: CodeServerInstall, vsix: string, profile: Profile): Profile & { installed: string[] };
  startCodeServer(cs: CodeServerInstall, options: { folder: string; profile: Profile; workspaceTrust?: boolean }): Promise<RunningCodeServer>;
  freePort(): Promise<number>;
  pidAlive(pid: number): boolean;
}

export async function loadCodeServerModule(): Promise<CodeServerModule> {
  // A runtime specifier: the .mjs stays plain JavaScript, typed by the interface above.
  const url = pathToFileURL(join(ROOT, 'scripts', 'code-server.mjs')).href;
  return (await import(url)) as CodeServerModule;
}

/** The loopback client of examples/client.js, as the user runs it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { runClients } = require(join(ROOT, 'examples', 'client.js')) as {
  runClients(options: { port: number; count: number; holdMs?: number }): Promise<{ ok: number; failed: number }>;
};

/** A copy of examples/ in a new temporary folder, built in place (so debug info names this copy), with an empty .vscode/. */
export function copyExamples(prefix: string): { work: string; folder: string } {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const folder = join(work, 'examples');
  const binaries = new Set(
    readFileSync(join(ROOT, 'examples', '.gitignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  cpSync(join(ROOT, 'examples'), folder, { recursive: true, filter: (src) => !binaries.has(src.split('/').pop() ?? '') });
  execFileSync('make', ['-s', '-C', folder], { stdio: 'inherit' });
  mkdirSync(join(folder, '.vscode'));
  return { work, folder };
}

// ---- timings ----

export class Timings {
  private readonly start = Date.now();
  private last = this.start;
  readonly steps: Array<[string, number]> = [];
  mark(step: string): void {
    const now = Date.now();
    this.steps.push([step, (now - this.last) / 1000]);
    console.log(`[e2e] ${step}: ${((now - this.last) / 1000).toFixed(1)} s (total ${((now - this.start) / 1000).toFixed(1)} s)`);
    this.last = now;
  }
  report(): string {
    const total = (Date.now() - this.start) / 1000;
    return [...this.steps.map(([s, t]) => `  ${t.toFixed(1).padStart(6)} s  ${s}`), `  ${total.toFixed(1).padStart(6)} s  total`].join('\n');
  }
}

// ---- the package ----

/** The .vsix a user installs: FORKTRACE_E2E_VSIX if given (built earlier in this run), else `npm run package`. */
export function buildVsix(): string {
  const given = process.env.FORKTRACE_E2E_VSIX;
  if (given) return resolve(given);
  execFileSync('npm', ['run', '-s', 'package'], { cwd: ROOT, stdio: 'inherit' });
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return join(ROOT, `fork-trace-${version}.vsix`);
}

// ---- the browser ----

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: process.env.FORKTRACE_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** Headless Chromium on the workbench at `url` with `folder` open; the browser is closed again if the workbench never loads. */
export async function browseWorkbench(url: string, folder: string): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    await openWorkbench(page, url, folder);
    return { browser, page };
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw e;
  }
}

/**
 * The end of a suite: closes the browser, stops code-server (its output kept in
 * `serverLog` when given) and removes `dirs`. Returns what code-server left running.
 */
export async function closeWorkbench(browser: Browser | null, server: RunningCodeServer | null, dirs: string[], serverLog?: string): Promise<ProcInfo[]> {
  try {
    await browser?.close().catch(() => undefined);
    if (!server) return [];
    if (serverLog) writeFileSync(serverLog, server.output());
    return (await server.stop()).left;
  } finally {
    for (const dir of dirs) if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** A suite's workbench: the packaged .vsix in a fresh profile, code-server on a copy of examples/, Chromium on it. */
export interface Workbench {
  cs: CodeServerModule;
  server: RunningCodeServer;
  browser: Browser;
  page: Page;
  /** The copy of examples/ that is open. */
  folder: string;
  /** What closeWorkbench removes: the copy's temporary folder and the profile. */
  dirs: string[];
}

/**
 * The start of a suite, as a user gets there: `npm run package` (or FORKTRACE_E2E_VSIX), the
 * cached code-server, a copy of examples/ built in place (`prepare` may add to it), the
 * .vsix installed, code-server started on the copy, the workbench loaded. What was started
 * is stopped again if a later step fails.
 */
export async function startWorkbench(prefix: string, timings: Timings, prepare?: (folder: string) => void): Promise<Workbench> {
  const cs = await loadCodeServerModule();
  const vsix = buildVsix();
  if (!existsSync(vsix)) throw new Error(`${vsix} was not built`);
  const install = cs.ensureCodeServer();
  timings.mark(install.installed ? `install code-server ${install.version} (cold)` : `code-server ${install.version} cached`);
  const { work, folder } = copyExamples(prefix);
  const dirs = [work];
  let server: RunningCodeServer | null = null;
  try {
    prepare?.(folder);
    const profile = cs.installExtension(install, vsix, cs.freshProfile());
    dirs.push(profile.root);
    if (!profile.installed.some((d) => d.startsWith('fork-trace.fork-trace-'))) throw new Error(`the .vsix was not installed: ${profile.installed.join(', ')}`);
    server = await cs.startCodeServer(install, { folder, profile });
    const { browser, page } = await browseWorkbench(server.url, folder);
    timings.mark('code-server up, workbench loaded');
    return { cs, server, browser, page, folder, dirs };
  } catch (e) {
    await closeWorkbench(null, server, dirs);
    throw e;
  }
}

/**
 * One suite's screenshots, in artifacts/e2e-SUITE/ (emptied now): `shot(name)` saves the
 * page as it is; a screenshot that fails never fails the test.
 */
export function suiteShots(suite: string, page: () => Page | null | undefined): (name: string) => Promise<void> {
  const dir = join(ROOT, 'artifacts', `e2e-${suite}`);
  rmSync(dir, { recursive: true, force: true });
  return async (name) => {
    const p = page();
    if (!p || p.isClosed()) return;
    mkdirSync(dir, { recursive: true });
    await p.screenshot({ path: join(dir, `${name}.png`) }).catch(() => undefined);
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  console.log(`[e2e] screenshot ${path}`);
  return path;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something truthy. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 20_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await sleep(everyMs);
  }
}

// ---- the workbench ----

export async function openWorkbench(page: Page, url: string, folder: string): Promise<void> {
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  // The explorer and the status bar are up once the folder is open.
  await page.locator('#status\\.editor\\.selection, .statusbar').first().waitFor({ timeout: 30_000 });
}

const quickInput = (page: Page) => page.locator('.quick-input-widget');

/** Brings keyboard focus back to the workbench (out of a webview iframe). */
export async function focusWorkbench(page: Page): Promise<void> {
  await page.bringToFront();
  // The status bar takes a click without changing anything.
  const statusbar = page.locator('.part.statusbar');
  const box = await statusbar.boundingBox();
  if (box) await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/** F1, the command's title, Enter: exactly what a user does. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = await openQuickInput(page);
  await input.fill(`>${title}`);
  // The row whose label is exactly the title (fuzzy matching may rank others first).
  const rows = quickInput(page).locator('.monaco-list-row');
  const index = await waitFor(
    `"${title}" in the palette`,
    async () => {
      const labels = (await rows.allInnerTexts()).map((t) => t.split('\n')[0].trim());
      const i = labels.indexOf(title);
      return i >= 0 ? i + 1 : null; // +1: index 0 is falsy for waitFor
    },
    15_000,
  );
  for (let i = 1; i < index; i++) await page.keyboard.press('ArrowDown');
  await waitFor(
    `"${title}" focused`,
    async () => ((await quickInput(page).locator('.monaco-list-row.focused').first().innerText()) ?? '').split('\n')[0].trim() === title,
    5000,
  );
  await page.keyboard.press('Enter');
}

/**
 * runCommand, tried again for up to a minute: right after the workbench loads, the
 * palette may not list the extension's commands yet.
 */
export async function runCommandOnceListed(page: Page, title: string): Promise<void> {
  await waitFor(
    `${title} in the palette`,
    async () => {
      try {
        await runCommand(page, title);
        return true;
      } catch {
        await quickInputClosed(page);
        return false;
      }
    },
    60_000,
    1000,
  );
}

/**
 * The quick input's box is "live" when it is shown and takes typing. For 150 ms after it
 * closes it is still visible but inert (VS Code's close animation): an input found then
 * looks open, yet no F1 opened it and a fill waits on it in vain.
 */
const quickInputLive = (page: Page): Promise<boolean> =>
  quickInput(page)
    .evaluateAll((boxes) => boxes.some((b) => (b as { offsetParent: unknown }).offsetParent !== null && !b.closest('[inert]')))
    .catch(() => false);

export async function quickInputClosed(page: Page): Promise<void> {
  if (await quickInputLive(page)) await page.keyboard.press('Escape');
  // Also waits out the close animation of a box that was closing already.
  await quickInput(page)
    .waitFor({ state: 'hidden', timeout: 5000 })
    .catch(() => undefined);
}

/**
 * F1, and the quick input's box once it takes typing. Focus inside a webview keeps F1
 * from the workbench: then the workbench gets focus back and F1 is pressed again.
 */
async function openQuickInput(page: Page): Promise<Locator> {
  await quickInputClosed(page);
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    const live = await waitFor('the quick input', () => quickInputLive(page), 5000).then(
      () => true,
      () => false,
    );
    if (live) return quickInput(page).locator('input');
    if (attempt === 3) throw new Error('F1 opened no quick input, three times (after giving the workbench focus)');
    await quickInputClosed(page);
    await focusWorkbench(page);
  }
}

/** Quick Open (F1 without the '>'): opens a file of the folder by name. */
export async function openFile(page: Page, name: string): Promise<void> {
  const input = await openQuickInput(page);
  await input.fill(name);
  await quickInput(page).locator('.monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await waitFor(`${name} in the active editor`, async () => (await activeEditorTitle(page)) === name);
}

/** The file name on a tab, or null when there is none. */
async function tabTitle(tab: Locator): Promise<string | null> {
  if ((await tab.count()) === 0) return null;
  // Its aria-label is "NAME" or, with several groups, "NAME, Editor Group N".
  return ((await tab.getAttribute('aria-label')) ?? '').split(',')[0].trim();
}

/** The first editor group's shown tab: where a click in the panel opens the source. */
const firstGroupTab = (page: Page): Locator => page.locator('.editor-group-container').first().locator('.tab.active').first();

/** The file name on the active editor group's active tab. */
export function activeEditorTitle(page: Page): Promise<string | null> {
  return tabTitle(page.locator('.editor-group-container.active .tab.active').first());
}

/** The file name on the first editor group's shown tab. */
export function firstGroupEditorTitle(page: Page): Promise<string | null> {
  return tabTitle(firstGroupTab(page));
}

/** The texts of the notifications on screen (for an error that says what the user saw). */
export async function notificationTexts(page: Page): Promise<string[]> {
  const texts = await page
    .locator('.notification-toast .notification-list-item-message')
    .allInnerTexts()
    .catch(() => []);
  return texts.map((t) => t.trim()).filter((t) => t.length > 0);
}

/**
 * The cursor's line in the first editor group, focused or not: the line number its gutter
 * highlights (the status bar shows "Ln" only while an editor has focus).
 */
export async function firstGroupCursorLine(page: Page): Promise<number | null> {
  const active = page.locator('.editor-group-container').first().locator('.margin-view-overlays .line-numbers.active-line-number').first();
  if ((await active.count()) === 0) return null;
  const n = Number((await active.innerText()).trim());
  return Number.isInteger(n) && n > 0 ? n : null;
}

/**
 * Does `open` (a click on a process in the panel, say) and waits for what the user sees:
 * `file` shown in the first editor group with its cursor on `line` (read from the gutter:
 * the workbench can hand focus back to the webview after the editor took it, and moving
 * focus through the palette from a webview loses a race with the palette's own focus
 * restore). When the cursor is there already, it is first moved to the top, so `open` has
 * to be what puts it on `line`. A failure names both groups' tabs and the notifications on
 * screen (a "No source line is known…" says why).
 */
export async function opensSourceAt(page: Page, open: () => Promise<unknown>, file: string, line: number, timeoutMs = 20_000): Promise<void> {
  if ((await firstGroupEditorTitle(page)) === file && (await firstGroupCursorLine(page)) === line) {
    await runCommand(page, 'View: Focus First Editor Group');
    await page.keyboard.press('Control+Home');
    await waitFor('the cursor on line 1 before the click', async () => (await firstGroupCursorLine(page)) === 1, 10_000);
  }
  await open();
  try {
    await waitFor(
      `${file} at line ${line} in the first editor group`,
      async () => (await firstGroupEditorTitle(page)) === file && (await firstGroupCursorLine(page)) === line,
      timeoutMs,
    );
  } catch (e) {
    const notes = await notificationTexts(page);
    throw new Error(
      `${(e as Error).message}; the first editor group shows ${JSON.stringify(await firstGroupEditorTitle(page))} at line ${await firstGroupCursorLine(page)}, the active group ${JSON.stringify(await activeEditorTitle(page))}${notes.length > 0 ? `; notifications: ${JSON.stringify(notes)}` : ''}`,
      { cause: e },
    );
  }
}

/** Focuses the editor shown in the first group by clicking its tab (its cursor stays where it is). */
export async function focusFirstGroupEditor(page: Page, file: string): Promise<void> {
  if ((await activeEditorTitle(page)) === file) return;
  await firstGroupTab(page).click();
  await waitFor(`${file} focused`, async () => (await activeEditorTitle(page)) === file, 10_000);
}

/** The webview frame (nested iframes) in which `selector` matches something. */
export function webviewFrame(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame> {
  return waitFor(`a webview frame with ${selector}`, async () => (await webviewFramesWith(page, selector, false))[0] ?? null, timeoutMs, 250);
}

/** The webview frame in which `selector` is visible: the newest panel when several show it. */
export function visibleWebviewFrame(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame> {
  return waitFor(`a panel showing ${selector}`, async () => (await webviewFramesWith(page, selector, true)).pop() ?? null, timeoutMs, 250);
}

/** The webview frames (nested iframes) now attached, in page order. */
export function webviewFrames(page: Page): Frame[] {
  return page.frames().filter((frame) => frame !== page.mainFrame() && !frame.isDetached());
}

/** The webview frames where `selector` matches, or is visible. */
export async function webviewFramesWith(page: Page, selector: string, visible: boolean): Promise<Frame[]> {
  const found: Frame[] = [];
  for (const frame of webviewFrames(page)) {
    const first = frame.locator(selector).first();
    if (await (visible ? first.isVisible() : first.count().then((n) => n > 0)).catch(() => false)) found.push(frame);
  }
  return found;
}

export interface PanelRow {
  pid: number;
  state: string;
  id: string;
}

export async function panelRows(frame: Frame): Promise<PanelRow[]> {
  // No named helpers inside: the function runs in the page, without tsx's __name.
  return frame
    .locator('[data-pid]')
    .evaluateAll((nodes) =>
      nodes.map((n) => ({ pid: Number(n.getAttribute('data-pid')), state: n.getAttribute('data-state') ?? '', id: n.getAttribute('data-id') ?? '' })),
    );
}

/** The Problems panel's text (it is a virtual list: the visible rows, which is all of ours). */
export async function problemsText(page: Page): Promise<string> {
  const panel = page.locator('.markers-panel');
  if ((await panel.count()) === 0) return '';
  return (await panel.first().innerText()) ?? '';
}

/** F5 in the active editor; when VS Code asks which debugger (no launch.json), Fork Trace. */
export async function pressF5(page: Page): Promise<void> {
  await page.keyboard.press('F5');
  // The question can take a few seconds on a loaded machine; a session may start without one.
  const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Fork Trace' });
  const asked = await pick
    .first()
    .waitFor({ state: 'visible', timeout: 5000 })
    .then(() => true)
    .catch(() => false);
  if (asked) await pick.first().click();
}

/** The text of a modal dialog the workbench shows (an error), or null. */
export async function dialogText(page: Page): Promise<string | null> {
  const dialog = page.locator('.monaco-dialog-box');
  if ((await dialog.count()) === 0 || !(await dialog.first().isVisible())) return null;
  return (await dialog.first().innerText()).trim();
}

/** What the Debug Console shows. */
export async function debugConsoleText(page: Page): Promise<string> {
  const repl = page.locator('.repl');
  if ((await repl.count()) === 0) return '';
  return (await repl.first().innerText()) ?? '';
}

/** The Call Stack view's rows. */
export async function callStackRows(page: Page): Promise<string[]> {
  return page.locator('.debug-call-stack .monaco-list-row').allInnerTexts();
}

/** The TCP port a process listens on (from /proc/PID/net/tcp and its fds), or 0. */
export function listeningPort(pid: number): number {
  try {
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        /* closed meanwhile */
      }
    }
    for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) return parseInt(f[1].split(':')[1], 16);
    }
  } catch {
    /* gone */
  }
  return 0;
}
