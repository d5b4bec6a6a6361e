// Attach needs a trusted workspace, in a real VS Code: code-server started with
// workspace trust on (no --disable-workspace-trust, and security.workspace.trust.enabled
// left at VS Code's default, true). code-server's default startup prompt is "never": the
// folder opens in Restricted Mode, untrusted. "Fork Trace: Attach to Process…" then attaches to
// nothing: no process list, a warning that says why with "Manage Workspace Trust", and
// the server stays untraced. Find Zombies' list works without trust (it only reads
// /proc); choosing a holder asks for trust the same way.
//
// Uses the code-server cached by test/e2e/vscode.test.ts (~/.cache/fork-trace-e2e).
// Screenshots go to artifacts/e2e-trust/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  Timings,
  buildVsix,
  browseWorkbench,
  closeWorkbench,
  copyExamples,
  dialogText,
  loadCodeServerModule,
  runClients,
  runCommand,
  waitFor,
  type CodeServerModule,
  type RunningCodeServer,
  runCommandOnceListed,
  suiteShots,
} from './workbench';

const timings = new Timings();
let cs: CodeServerModule;
let server: RunningCodeServer | null = null;
let browser: Browser | null = null;
let page: Page;
let work = '';
let profileRoot = '';
let folder = '';
let target: ChildProcess | null = null;

const NOT_TRUSTED_RUN =
  'Fork Trace: tracing runs a program from this workspace, which is not trusted. Trust the workspace to trace programs; opening an existing strace log works without trust.';
const NOT_TRUSTED =
  'Fork Trace: attaching takes control of a running process (strace stops it at every system call), which this untrusted workspace may not do. Trust the workspace to attach.';

let shot: (name: string) => Promise<void> = async () => undefined;

function tracerPid(pid: number): number | null {
  try {
    return Number(/\nTracerPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return null;
  }
}

const quickInput = (p: Page) => p.locator('.quick-input-widget');
const forkTraceTabs = () => page.locator('.tab[aria-label^="Fork Trace: "]');

/** The trust warning's toast, once shown. */
async function trustToast(hasText = 'untrusted workspace') {
  const toast = page.locator('.notification-toast', { hasText });
  await toast.first().waitFor({ state: 'visible', timeout: 15_000 });
  return toast.first();
}

describe('Attach in an untrusted workspace (code-server with workspace trust on)', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    shot = suiteShots('trust', () => page);
    cs = await loadCodeServerModule();
    const vsix = buildVsix();
    assert.ok(existsSync(vsix), `${vsix} was built`);
    const install = cs.ensureCodeServer();
    ({ work, folder } = copyExamples('forktrace-e2e-trust-'));
    const fresh = cs.freshProfile();
    // The test profile turns trust off (no prompt to click through): this one keeps VS Code's default, on.
    const settingsFile = join(fresh.userDataDir, 'User', 'settings.json');
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(settingsFile, JSON.stringify({ ...settings, 'security.workspace.trust.enabled': true }, null, 2));
    const profile = cs.installExtension(install, vsix, fresh);
    profileRoot = profile.root;
    server = await cs.startCodeServer(install, { folder, profile, workspaceTrust: true });
    ({ browser, page } = await browseWorkbench(server.url, folder));
    timings.mark('code-server up (workspace trust on), workbench loaded');

    // A server with zombies, running untraced: what a user would attach to.
    target = spawn(join(folder, 'zombie_server'), ['0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    target.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const port = Number(await waitFor('the server listening', () => /listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 10_000));
    assert.equal((await runClients({ port, count: 2 })).ok, 2);
  });

  after(async () => {
    try {
      if (page && !page.isClosed()) await shot('99-last');
    } finally {
      target?.kill('SIGKILL');
      const left = await closeWorkbench(browser, server, [work, profileRoot]);
      server = null;
      console.log(`[e2e-trust] timings:\n${timings.report()}`);
      assert.deepEqual(left, [], 'code-server and everything it started are gone');
    }
  });

  it('the folder opens untrusted: Restricted Mode', async () => {
    await waitFor(
      'Restricted Mode in the status bar',
      async () => (await page.locator('.part.statusbar').innerText()).includes('Restricted Mode'),
      30_000,
    ).catch(async (e: Error) => {
      await shot('01-not-restricted');
      throw e;
    });
    assert.equal(await dialogText(page), null, 'no trust prompt to answer (code-server: startupPrompt "never")');
    await shot('01-restricted-mode');
    timings.mark('folder untrusted');
  });

  it('Attach to Process… attaches to nothing: no process list, the reason with Manage Workspace Trust, the server untraced', async () => {
    const pid = target!.pid!;
    await runCommandOnceListed(page, 'Fork Trace: Attach to Process…');
    const toast = await trustToast();
    await shot('02-attach-untrusted');
    assert.equal((await toast.locator('.notification-list-item-message').innerText()).trim(), NOT_TRUSTED);
    assert.ok(await toast.locator('.codicon-warning').count(), 'a warning');
    const manage = toast.locator('.monaco-button', { hasText: 'Manage Workspace Trust' });
    assert.ok(await manage.isVisible(), 'the way to trust the folder, one click away');
    assert.equal(await quickInput(page).isVisible(), false, 'no process list was shown');
    assert.equal(await forkTraceTabs().count(), 0, 'no panel');
    assert.equal(tracerPid(pid), 0, 'the server was not attached to');

    await manage.click();
    // The Workspace Trust editor (it opens over the workbench, not as a tab), with its Trust button.
    await page.getByText('You are in Restricted Mode', { exact: true }).first().waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok(
      await page
        .locator('.monaco-button', { hasText: /^Trust$/ })
        .first()
        .isVisible(),
      'its Trust button',
    );
    await shot('03-manage-trust');
    assert.equal(tracerPid(pid), 0);
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Notifications: Clear All Notifications');
    timings.mark('Attach to Process… refused for trust');
  });

  it('Find Zombies lists the holders without trust; choosing one asks for trust instead of attaching', async () => {
    const pid = target!.pid!;
    await waitFor('2 zombies of the server', () => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').length >= 2, 5_000);
    await runCommand(page, 'Fork Trace: Find Zombies');
    await waitFor(
      'the server in the list',
      async () => (await quickInput(page).locator('.monaco-list-row').allInnerTexts()).some((t) => t.startsWith(`${pid}  `)),
      15_000,
    );
    await quickInput(page).locator('input').fill(String(pid));
    await waitFor(
      `pid ${pid} first`,
      async () => ((await quickInput(page).locator('.monaco-list-row').first().innerText()) ?? '').startsWith(`${pid}  `),
      10_000,
    );
    await page.keyboard.press('Enter');
    const toast = await trustToast();
    assert.equal((await toast.locator('.notification-list-item-message').innerText()).trim(), NOT_TRUSTED);
    await shot('04-find-zombies-untrusted');
    assert.equal(await forkTraceTabs().count(), 0, 'no panel');
    assert.equal(tracerPid(pid), 0, 'the server was not attached to');
    timings.mark('Find Zombies → refused for trust');
    await runCommand(page, 'Notifications: Clear All Notifications');
  });

  it('Trace Forks runs nothing: the reason, Manage Workspace Trust, and Open strace Log… (which works without trust)', async () => {
    const straces = () => server!.processes().filter((p) => p.comm === 'strace' || p.comm === 'zombie_server');
    assert.deepEqual(straces(), [], 'nothing traced before');
    await runCommand(page, 'Fork Trace: Trace Forks');
    const toast = await trustToast('which is not trusted');
    await shot('05-trace-forks-untrusted');
    assert.equal((await toast.locator('.notification-list-item-message').innerText()).trim(), NOT_TRUSTED_RUN);
    const buttons = (await toast.locator('.monaco-button').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(buttons, ['Manage Workspace Trust', 'Open strace Log…']);
    assert.equal(await quickInput(page).isVisible(), false, 'no program was asked for');
    assert.equal(await forkTraceTabs().count(), 0, 'no panel');
    assert.deepEqual(straces(), [], 'no strace and no program started');
    timings.mark('Trace Forks → refused for trust');
  });
});
