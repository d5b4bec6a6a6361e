// Faults in the editor, in a real VS Code (code-server + the packaged .vsix, driven by
// headless Chromium): two traces in two panels, closing one trace's terminal, Stop
// pressed twice, closing the panel, reloading the window. After each: what the panel
// says, the picture kept, and no process of the trace left alive (checked in /proc).
//
// Uses the code-server cached by test/e2e/vscode.test.ts (~/.cache/fork-trace-e2e).
// Screenshots go to artifacts/e2e-faults/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import {
  Timings,
  buildVsix,
  focusWorkbench,
  browseWorkbench,
  closeWorkbench,
  copyExamples,
  loadCodeServerModule,
  openFile,
  panelRows,
  runClients,
  runCommand,
  sleep,
  waitFor,
  listeningPort,
  type CodeServerModule,
  type RunningCodeServer,
  suiteShots,
  webviewFrame,
} from './workbench';

const timings = new Timings();
let cs: CodeServerModule;
let server: RunningCodeServer | null = null;
let browser: Browser | null = null;
let page: Page;
let work = '';
let profileRoot = '';
let folder = '';

let shot: (name: string) => Promise<void> = async () => undefined;

/** A copy of examples/ built in place; Trace Forks runs zombie_server on a port of its choosing. */
function prepareFolder(): void {
  ({ work, folder } = copyExamples('forktrace-e2e-faults-'));
  writeFileSync(
    join(folder, '.vscode', 'settings.json'),
    JSON.stringify({ 'forkTrace.program': '${workspaceFolder}/zombie_server', 'forkTrace.args': ['0'] }, null, 2),
  );
}

interface Traced {
  /** The traced server (the first process of the trace). */
  pid: number;
  port: number;
  strace: number;
}

/** The live (non-zombie) processes running `name` under code-server (comm holds 15 characters). */
function running(name: string): Array<{ pid: number; ppid: number }> {
  return (server?.processes() ?? []).filter((p) => p.comm === name.slice(0, 15) && p.state !== 'Z');
}

/** The newest traced server named `comm` that is not in `known`: its pid, port and strace. */
async function newServer(name: string, known: number[] = []): Promise<Traced> {
  return waitFor(
    `a traced ${name} listening`,
    () => {
      for (const p of running(name)) {
        if (known.includes(p.pid)) continue;
        const strace = (server?.processes() ?? []).find((s) => s.pid === p.ppid && s.comm === 'strace');
        const port = listeningPort(p.pid);
        if (strace && port > 0) return { pid: p.pid, port, strace: strace.pid };
      }
      return null;
    },
    30_000,
  );
}

/** Every pid whose parent is `pid` (the server's children, zombies included). */
function childPids(pid: number): number[] {
  return (server?.processes() ?? []).filter((p) => p.ppid === pid).map((p) => p.pid);
}

/** pid → start time, so a check for "gone" is not fooled by a reused pid. */
function identity(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return `${pid}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
  } catch {
    return null;
  }
}

function identities(pids: number[]): string[] {
  return pids.map(identity).filter((x): x is string => x !== null);
}

/** None of these processes exists any more (zombies included: init reaps orphans), within `ms`. */
async function assertAllGone(ids: string[], what: string, ms = 8000): Promise<void> {
  const left = (): string[] => ids.filter((id) => identity(Number(id.split(':')[0])) === id);
  await waitFor(`${what} to be gone`, () => left().length === 0, ms, 100).catch(() => {
    assert.fail(`${what}: still in /proc after ${ms} ms: ${left().join(', ')}`);
  });
}

function assertAllAlive(ids: string[], what: string): void {
  for (const id of ids) assert.equal(identity(Number(id.split(':')[0])), id, `${what}: ${id} still runs`);
}

/** Trace Forks on a zombie_server not in `known`, two clients, until its panel shows both zombies. */
async function traceWithTwoZombies(known: number[]): Promise<{ traced: Traced; frame: Frame }> {
  await runCommand(page, 'Fork Trace: Trace Forks');
  const traced = await newServer('zombie_server', known);
  assert.equal((await runClients({ port: traced.port, count: 2 })).ok, 2);
  const frame = await panelOf(traced.pid, 30_000);
  await waitFor('2 zombies in the panel', async () => (await panelRows(frame)).filter((r) => r.state === 'zombie').length === 2, 15_000);
  return { traced, frame };
}

/** The webview frame showing the trace whose first process is `pid`. */
function panelOf(pid: number, timeoutMs = 20_000): Promise<Frame> {
  return webviewFrame(page, `[data-pid="${pid}"]`, timeoutMs);
}

async function panelMessage(frame: Frame): Promise<string> {
  const m = frame.locator('.ft-trace-message');
  return (await m.count()) > 0 && (await m.isVisible()) ? ((await m.innerText()) ?? '').trim() : '';
}

/** Clicks the editor tab whose label starts with `label` (a panel in another tab is not rendered). */
async function showTab(label: string): Promise<void> {
  await page.locator(`.tab[aria-label^="${label}"]`).first().click();
}

describe('Fork Trace faults in a real VS Code (code-server)', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    shot = suiteShots('faults', () => page);
    cs = await loadCodeServerModule();
    const vsix = buildVsix();
    assert.ok(existsSync(vsix), `${vsix} was built`);
    const install = cs.ensureCodeServer();
    prepareFolder();
    const profile = cs.installExtension(install, vsix, cs.freshProfile());
    profileRoot = profile.root;
    server = await cs.startCodeServer(install, { folder, profile });
    ({ browser, page } = await browseWorkbench(server.url, folder));
    timings.mark('code-server up, workbench loaded');
  });

  after(async () => {
    try {
      if (page && !page.isClosed()) await shot('99-last');
    } finally {
      const left = await closeWorkbench(browser, server, [work, profileRoot]);
      server = null;
      console.log(`[e2e-faults] timings:\n${timings.report()}`);
      assert.deepEqual(left, [], 'code-server and everything it started are gone');
    }
  });

  let zombie: Traced | undefined;
  let zombieIds: string[] = [];

  it("two traces in two panels; closing one trace's terminal stops that trace only", async () => {
    await openFile(page, 'zombie_server.c');
    await runCommand(page, 'View: Close Primary Side Bar');
    await runCommand(page, 'Fork Trace: Trace Forks');
    const z = await newServer('zombie_server');
    zombie = z;
    await panelOf(z.pid, 30_000);
    // The second trace: the active C file, built with gcc -g and run with port 0.
    await openFile(page, 'reap_loop_server.c');
    await runCommand(page, 'Fork Trace: Build and Trace the Active C File');
    const reap = await newServer('reap_loop_server');
    assert.notEqual(reap.strace, z.strace, 'two straces: two traces');
    timings.mark('two traces started');
    assert.equal((await runClients({ port: z.port, count: 2 })).ok, 2);
    assert.equal((await runClients({ port: reap.port, count: 3 })).ok, 3);
    // Each panel shows its own trace (a panel in a background tab is rendered when shown).
    const reapFrame = await panelOf(reap.pid);
    await waitFor(
      '3 reaped children in the reap_loop_server panel',
      async () => (await panelRows(reapFrame)).filter((r) => r.state === 'reaped').length === 3,
      15_000,
    );
    assert.ok(
      (await panelRows(reapFrame)).every((r) => r.pid !== z.pid),
      'the reap_loop_server panel shows only its trace',
    );
    await showTab('Fork Trace: zombie_server');
    const zombieFrame = await panelOf(z.pid);
    await waitFor('2 zombies in the zombie_server panel', async () => (await panelRows(zombieFrame)).filter((r) => r.state === 'zombie').length === 2, 15_000);
    await shot('01-two-traces');
    zombieIds = identities([z.pid, ...childPids(z.pid), z.strace]);
    const reapIds = identities([reap.pid, reap.strace]);
    assert.equal(zombieIds.length, 4);

    // The terminal created last is reap_loop_server's: killing it stops that trace.
    await focusWorkbench(page);
    await runCommand(page, 'Terminal: Kill the Active Terminal Instance');
    await assertAllGone(reapIds, 'the reap_loop_server trace after its terminal was closed');
    assertAllAlive(zombieIds, 'the zombie_server trace');
    await showTab('Fork Trace: reap_loop_server');
    const reapAfter = await panelOf(reap.pid);
    const message = await waitFor(
      "the stopped panel's message",
      async () => {
        const text = await panelMessage(reapAfter);
        return /Stopped/.test(text) ? text : null;
      },
      10_000,
    );
    assert.match(message, /the picture was taken, then every process of the trace was killed/);
    assert.equal((await panelRows(reapAfter)).length, 4, 'the picture keeps the server and its 3 children');
    await shot('02-terminal-closed');
    timings.mark('terminal closed → that trace stopped, the other runs');
  });

  it('Stop pressed twice: one stop, the picture kept, nothing left', async () => {
    assert.ok(zombie, 'the first step started the zombie_server trace');
    await showTab('Fork Trace: zombie_server');
    const frame = await panelOf(zombie.pid);
    const stop = frame.locator('.ft-stop');
    await stop.click();
    await stop.click({ force: true, timeout: 2000 }).catch(() => undefined); // a second stop, unless the button is gone
    await assertAllGone(zombieIds, 'the zombie_server trace after Stop');
    const message = await waitFor(
      "the panel's message",
      async () => {
        const text = await panelMessage(frame);
        return /Stopped/.test(text) ? text : null;
      },
      10_000,
    );
    assert.match(message, /^Stopped: the picture was taken, then every process of the trace was killed\.$/);
    assert.equal((await frame.locator('.ft-status').innerText()).trim(), 'ended');
    assert.notEqual(await stop.getAttribute('disabled'), null, 'Stop is disabled once the trace ended');
    const rows = await panelRows(frame);
    assert.equal(rows.filter((r) => r.state === 'zombie').length, 2, 'the picture shows the zombies at the stop');
    await shot('03-stopped-twice');
    timings.mark('Stop ×2 → stopped once, nothing left');
  });

  it('closing the panel ends its trace', async () => {
    await runCommand(page, 'View: Close All Editors');
    const { traced } = await traceWithTwoZombies(zombie ? [zombie.pid] : []);
    const ids = identities([traced.pid, ...childPids(traced.pid), traced.strace]);
    assert.equal(ids.length, 4);
    await runCommand(page, 'View: Close All Editors');
    await assertAllGone(ids, 'the trace whose panel was closed');
    await shot('04-panel-closed');
    timings.mark('panel closed → trace gone');
  });

  it('strace killed under the editor: the panel says so, keeps the picture, and the traced processes are gone', async () => {
    const { traced, frame } = await traceWithTwoZombies(zombie ? [zombie.pid] : []);
    const ids = identities([traced.pid, ...childPids(traced.pid)]);
    assert.equal(ids.length, 3);
    process.kill(traced.strace, 'SIGKILL');
    await assertAllGone(ids, 'the processes strace was tracing');
    const message = await waitFor(
      "the panel's message",
      async () => {
        const text = await panelMessage(frame);
        return /killed by SIGKILL/.test(text) ? text : null;
      },
      10_000,
    );
    assert.match(message, new RegExp(`^strace \\(pid ${traced.strace}\\) was killed by SIGKILL, so the trace ended early`));
    assert.equal((await panelRows(frame)).length, 3, 'the picture keeps the server and its two children');
    await shot('05-strace-killed');
    await runCommand(page, 'View: Close All Editors');
    timings.mark('strace killed → message, picture kept, processes gone');
  });

  it('reloading the window ends the trace and brings back its last picture', async () => {
    await openFile(page, 'zombie_server.c');
    const { traced } = await traceWithTwoZombies(zombie ? [zombie.pid] : []);
    await sleep(1500); // the webview saves its state (the picture) at most 1 s after a change
    const ids = identities([traced.pid, ...childPids(traced.pid), traced.strace]);
    assert.equal(ids.length, 4);
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForLoadState('load');
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await assertAllGone(ids, 'the trace after the window reloaded', 20_000);
    const restored = await panelOf(traced.pid, 30_000);
    const message = await waitFor(
      "the restored panel's message",
      async () => {
        const text = await panelMessage(restored);
        return text ? text : null;
      },
      15_000,
    );
    assert.match(message, /window was reloaded, which ended the trace/);
    assert.equal((await panelRows(restored)).filter((r) => r.state === 'zombie').length, 2, 'the last picture, zombies included');
    await shot('06-after-reload');
    timings.mark('reload → trace gone, picture restored');
  });
});
