// From finding to fix in a real VS Code (code-server + the packaged .vsix, driven by
// headless Chromium): Build and Trace the Active C File on the never-reaping example,
// 3 loopback clients leave 3 zombies, Stop; the cursor on the zombie line, the light
// bulb (Ctrl+.) offers the preferred fix first, it is applied and saved; Trace Again
// from the notification rebuilds and traces the fixed file, the same 3 clients, and the
// new panel compares the runs: zombies 3 → 0, zombie-leak "fixed". Then the same loop
// from F5: a `forktrace` launch configuration whose preLaunchTask builds the server with
// gcc -g, stopped from the debug toolbar; Trace Again runs the task again and the new
// debug session's panel compares the runs. Last, Trace Forks on the configured program
// (forkTrace.program), which the user rebuilds after the fix: Trace Again runs it again,
// as built, and compares. The debug toolbar's Restart compares too: the restarted run
// with the one before it, in the same session.
//
// Uses the code-server cached by test/e2e/vscode.test.ts (~/.cache/fork-trace-e2e).
// Screenshots go to artifacts/e2e-fixes/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import {
  ROOT,
  Timings,
  focusFirstGroupEditor,
  opensSourceAt,
  closeWorkbench,
  dialogText,
  listeningPort,
  openFile,
  pressF5,
  sleep,
  panelRows,
  quickInputClosed,
  runClients,
  runCommand,
  startWorkbench,
  waitFor,
  type Workbench,
  runCommandOnceListed,
  suiteShots,
  visibleWebviewFrame,
  webviewFrames,
} from './workbench';
import { lineOf } from '../support/system';

const CLIENTS = 3;
/** The preferred fix for a server that never waits (src/fixes/zombieLeak.ts). */
const PREFERRED_FIX = 'Reap children in a SIGCHLD handler (waitpid in a loop, installed with SA_RESTART)';
const OTHER_FIX = 'Ignore SIGCHLD so the kernel reaps children (when their exit statuses are not needed)';

/** The launch configuration and its preLaunchTask (written into the folder's .vscode/). */
const DEBUG_CONFIGURATION = 'Trace zombie_server';
const BUILD_TASK = 'build zombie_server';

const timings = new Timings();
let wb: Workbench | null = null;
let page: Page;
let source = '';
let binary = '';
let forkLine = 0;

/** A user's F5 setup: a gcc -g build task, and a forktrace launch configuration that runs it first. */
function writeDebugSetup(folder: string): void {
  writeFileSync(
    join(folder, '.vscode', 'tasks.json'),
    JSON.stringify(
      {
        version: '2.0.0',
        tasks: [
          {
            label: BUILD_TASK,
            type: 'process',
            command: 'gcc',
            args: ['-g', '-O0', '-Wall', '-o', '${workspaceFolder}/zombie_server', '${workspaceFolder}/zombie_server.c'],
            group: 'build',
            problemMatcher: ['$gcc'],
          },
        ],
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(folder, '.vscode', 'launch.json'),
    JSON.stringify(
      {
        version: '0.2.0',
        configurations: [
          {
            type: 'forktrace',
            request: 'launch',
            name: DEBUG_CONFIGURATION,
            preLaunchTask: BUILD_TASK,
            program: '${workspaceFolder}/zombie_server',
            args: ['0'],
          },
        ],
      },
      null,
      2,
    ),
  );
}

let shot: (name: string) => Promise<void> = async () => undefined;

/** A traced zombie_server not in `old` and its port: it was started with args ['0'], so the port is read from its listening socket in /proc. */
function listeningServer(old: ReadonlySet<number>): { pid: number; port: number } | null {
  for (const p of wb!.server.processes()) {
    if (p.comm !== 'zombie_server' || old.has(p.pid)) continue;
    const port = listeningPort(p.pid);
    if (port > 0) return { pid: p.pid, port };
  }
  return null;
}

function serverPort(old: ReadonlySet<number>): Promise<{ pid: number; port: number }> {
  return waitFor('the traced zombie_server listening', () => listeningServer(old), 30_000);
}

/** The server built from `text` the user's own way (gcc in a terminal), not by Fork Trace. */
function buildByHand(text: string): number {
  writeFileSync(source, text);
  execFileSync('gcc', ['-g', '-O0', '-Wall', '-o', binary, source], { stdio: 'inherit' });
  return statSync(binary).mtimeMs;
}

/** The zombie_server processes running now: a later serverPort() skips them. */
function runningServers(): Set<number> {
  return new Set(
    wb!.server
      .processes()
      .filter((p) => p.comm === 'zombie_server')
      .map((p) => p.pid),
  );
}

/** The cursor on the zombie line (from the panel's zombie row), the light bulb (Ctrl+.): the preferred fix first; it is applied and saved, and the notification offering Trace Again is returned. */
async function applyPreferredFixOnZombieLine(shotName: string): Promise<Locator> {
  // The panel's zombie row opens the fork line, where the leak's Problems entry is.
  const frame = await visibleWebviewFrame(page, '[data-state="zombie"]');
  const click = () => frame.locator('[data-state="zombie"]').first().click();
  // Click-to-source is held strictly in vscode.test.ts and attach.test.ts; here it is the
  // way to the light bulb, and it failed once in CI only: a second click, with the first's
  // failure (what was on screen) in the log.
  await opensSourceAt(page, click, 'zombie_server.c', forkLine).catch(async (e: Error) => {
    console.log(`[e2e-fixes] the zombie row's click did not land: ${e.message}; clicking again`);
    await shot('02-click-missed');
    await opensSourceAt(page, click, 'zombie_server.c', forkLine);
  });
  // Ctrl+. goes to the focused editor: if focus went back to the panel, the source's tab takes it (the cursor stays).
  await focusFirstGroupEditor(page, 'zombie_server.c');

  const actions = page.locator('.action-widget .monaco-list-row.action');
  await waitFor(
    'the quick fixes (Ctrl+.)',
    async () => {
      if ((await actions.count()) > 0 && (await actions.first().isVisible())) return true;
      await page.keyboard.press('Control+.');
      await page
        .locator('.action-widget')
        .first()
        .waitFor({ state: 'visible', timeout: 3000 })
        .catch(() => undefined);
      return false;
    },
    30_000,
    500,
  );
  const titles = (await actions.allInnerTexts()).map((t) => t.split('\n')[0].trim());
  const ours = titles.filter((t) => t === PREFERRED_FIX || t === OTHER_FIX);
  assert.deepEqual(ours, [PREFERRED_FIX, OTHER_FIX], `Fork Trace's fixes, the preferred first: ${JSON.stringify(titles)}`);
  await shot(shotName);
  await actions.filter({ hasText: PREFERRED_FIX }).first().click();

  const toast = page.locator('.notification-toast', { hasText: 'fix applied' });
  await toast.first().waitFor({ state: 'visible', timeout: 15_000 });
  const saved = await waitFor('the fix saved to disk', () => {
    const text = readFileSync(source, 'utf8');
    return /while \(waitpid\(-1, [^,]+, WNOHANG\) > 0\)/.test(text) && /SA_RESTART/.test(text) ? text : null;
  });
  assert.match(saved, /#include <sys\/wait\.h>/);
  assert.match(saved, /sigaction\(SIGCHLD, /);
  return toast.first();
}

/** The panel of a traced-again fixed server, after the same 3 clients: their children reaped, zombies 3 → 0, zombie-leak fixed. */
async function assertComparedFixed(frame: Frame): Promise<void> {
  // Wait for what the user waits for: the 3 connections' children in the comparison.
  await waitFor('processes 4 → 4 in the comparison', async () => (await compareRow(frame, 'processes'))[3] === '4', 20_000);
  const reaped = await waitFor(`${CLIENTS} reaped children in the panel`, async () => {
    const rows = (await panelRows(frame)).filter((r) => r.state === 'reaped');
    return rows.length === CLIENTS ? rows : null;
  });
  assert.equal(reaped.length, CLIENTS);
  assert.deepEqual(await compareRow(frame, 'zombies'), ['zombies now', '3', '→', '0', '']);
  assert.deepEqual(await compareRow(frame, 'zombie-leak'), ['zombie-leak', '1', '→', '0', 'fixed']);
}

/** After its trace ended, the panel still compares: the header says "after", the rows are the same, no new finding. */
async function assertStillComparedAfterEnd(frame: Frame): Promise<void> {
  await waitFor(
    'the comparison after the end',
    async () => (await frame.locator('.ft-compare thead th.ft-compare-after').innerText()).trim() === 'after',
    10_000,
  );
  assert.deepEqual(await compareRow(frame, 'zombies'), ['zombies now', '3', '→', '0', '']);
  assert.deepEqual(await compareRow(frame, 'zombie-leak'), ['zombie-leak', '1', '→', '0', 'fixed']);
  assert.equal(await frame.locator('.ft-compare tr[data-verdict="new"]').count(), 0, 'the fix brought no new finding');
}

/** The debug toolbar's Stop, clicked as a user does; resolves once the session is over (the toolbar gone). */
async function stopFromDebugToolbar(): Promise<void> {
  const stop = page.locator('.debug-toolbar .action-label.codicon-debug-stop');
  await stop.first().waitFor({ state: 'visible', timeout: 10_000 });
  await stop.first().click();
  await page.locator('.debug-toolbar').first().waitFor({ state: 'hidden', timeout: 15_000 });
}

/** The new server (not in `old`) once it listens; a dialog the start raised fails the test with its text. */
function serverStarted(what: string, old: ReadonlySet<number>): Promise<{ pid: number; port: number }> {
  return waitFor(
    `the server ${what} started`,
    async () => {
      const problem = await dialogText(page);
      if (problem) throw new Error(`${what}: ${problem}`);
      return listeningServer(old);
    },
    60_000,
    500,
  );
}

/**
 * A debug session's trace of the never-reaping server, started by `start` (F5): 3 clients
 * leave 3 zombies in its panel; the debug toolbar's Stop ends it, the picture kept.
 * Returns the server's and the zombies' pids and when the binary was last built.
 */
async function debugRunWithThreeZombies(what: string, start: () => Promise<void>, shotName: string): Promise<{ pids: Set<number>; builtAt: number }> {
  const old = runningServers();
  await start();
  const { pid, port } = await serverStarted(what, old);
  const builtAt = statSync(binary).mtimeMs;
  timings.mark(`${what}: zombie_server ${pid} listens on ${port}`);
  assert.equal((await runClients({ port, count: CLIENTS })).ok, CLIENTS, `${CLIENTS} clients were echoed`);
  const frame = await visibleWebviewFrame(page, '[data-state="zombie"]');
  const zombies = await waitFor(`${CLIENTS} zombies in the debug session's panel`, async () => {
    const rows = await panelRows(frame);
    const z = rows.filter((r) => r.state === 'zombie');
    return rows.some((r) => r.pid === pid) && z.length === CLIENTS ? z : null;
  });
  await shot(shotName);

  await stopFromDebugToolbar();
  await waitFor('the debug trace ended', async () => (await frame.locator('.ft-status').innerText()).trim() === 'ended', 15_000);
  assert.match(await frame.locator('.ft-summary').innerText(), /3 zombies now/);
  await waitFor('the traced server gone', () => !runningServers().has(pid), 10_000);
  timings.mark("3 zombies; the debug toolbar's Stop ended the session");
  return { pids: new Set([pid, ...zombies.map((z) => z.pid)]), builtAt };
}

/**
 * After a debug run: the light bulb's preferred fix, Trace Again from the notification
 * starts a new debug session of the fixed server, the same 3 clients, and its panel
 * compares: zombies 3 → 0, zombie-leak fixed. Returns when the binary was last built.
 */
async function fixAndTraceAgainInDebug(what: string, old: ReadonlySet<number>, shotPrefix: string): Promise<number> {
  const toast = await applyPreferredFixOnZombieLine(`${shotPrefix}-light-bulb`);
  timings.mark('light bulb → preferred fix applied and saved');
  await toast.locator('.monaco-button', { hasText: 'Trace Again' }).click();

  const { pid, port } = await serverStarted(what, old);
  const builtAt = statSync(binary).mtimeMs;
  await page.locator('.debug-toolbar').first().waitFor({ state: 'visible', timeout: 10_000 }); // a debug session, not a plain run
  timings.mark(`${what}: zombie_server ${pid} listens on ${port}`);
  const frame = await visibleWebviewFrame(page, '.ft-compare');
  assert.match(await frame.locator('.ft-compare-caption').innerText(), /^Compared with the previous run of zombie_server/);
  assert.equal((await runClients({ port, count: CLIENTS })).ok, CLIENTS, `${CLIENTS} clients were echoed`);
  await assertComparedFixed(frame);
  assert.ok(
    (await panelRows(frame)).some((r) => r.pid === pid),
    "the comparison is in the new debug session's panel",
  );
  await shot(`${shotPrefix}-compared-live`);

  await stopFromDebugToolbar();
  await waitFor('the traced-again debug trace ended', async () => (await frame.locator('.ft-status').innerText()).trim() === 'ended', 15_000);
  await assertStillComparedAfterEnd(frame);
  await shot(`${shotPrefix}-compared-after-stop`);
  timings.mark(`${what} → zombies 3 → 0, zombie-leak fixed`);
  return builtAt;
}

/** The comparison's row `key` as the user reads it: label, before, →, after, verdict. */
async function compareRow(frame: Frame, key: string): Promise<string[]> {
  const row = frame.locator(`.ft-compare tr[data-row="${key}"]`);
  if ((await row.count()) === 0) return [];
  return (await row.locator('th, td').allInnerTexts()).map((t) => t.trim());
}

describe('From finding to fix in a real VS Code (code-server)', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    shot = suiteShots('fixes', () => page);
    wb = await startWorkbench('forktrace-e2e-fixes-', timings, (folder) => {
      source = join(folder, 'zombie_server.c');
      binary = join(folder, 'zombie_server');
      forkLine = lineOf(source, 'pid_t pid = fork();');
      writeDebugSetup(folder);
      // Trace Forks runs the configured program without asking.
      writeFileSync(
        join(folder, '.vscode', 'settings.json'),
        JSON.stringify({ 'forkTrace.program': '${workspaceFolder}/zombie_server', 'forkTrace.args': ['0'] }, null, 2),
      );
    });
    page = wb.page;
  });

  after(async () => {
    try {
      if (page && !page.isClosed()) await shot('99-last');
    } finally {
      const left = await closeWorkbench(wb?.browser ?? null, wb?.server ?? null, wb?.dirs ?? []);
      wb = null;
      console.log(`[e2e-fixes] timings:\n${timings.report()}`);
      assert.deepEqual(left, [], 'code-server and everything it started are gone');
    }
  });

  let firstPids = new Set<number>();
  let secondPids = new Set<number>();
  let secondPanel: Frame;

  it('Build and Trace the Active C File: 3 clients leave 3 zombies; Stop keeps the picture', async () => {
    // Right after the workbench loads, Quick Open may not have searched the folder yet.
    await waitFor(
      'zombie_server.c open',
      async () => {
        try {
          await openFile(page, 'zombie_server.c');
          return true;
        } catch {
          await quickInputClosed(page);
          return false;
        }
      },
      90_000,
      1000,
    );
    await runCommand(page, 'View: Close Primary Side Bar');
    await runCommandOnceListed(page, 'Fork Trace: Build and Trace the Active C File');
    const { pid, port } = await serverPort(new Set());
    timings.mark(`built and traced: zombie_server ${pid} listens on ${port}`);
    assert.equal((await runClients({ port, count: CLIENTS })).ok, CLIENTS, `${CLIENTS} clients were echoed`);
    const frame = await visibleWebviewFrame(page, '[data-state="zombie"]');
    const zombies = await waitFor(`${CLIENTS} zombies in the panel`, async () => {
      const rows = (await panelRows(frame)).filter((r) => r.state === 'zombie');
      return rows.length === CLIENTS ? rows : null;
    });
    firstPids = new Set([pid, ...zombies.map((z) => z.pid)]);
    await runCommand(page, 'Fork Trace: Stop Tracing');
    await waitFor('the trace ended', async () => (await frame.locator('.ft-status').innerText()).trim() === 'ended', 15_000);
    assert.match(await frame.locator('.ft-summary').innerText(), /3 zombies now/);
    await shot('01-three-zombies');
    timings.mark('3 zombies, stopped');
  });

  it('the light bulb on the zombie line offers the preferred fix first; applying it saves the file and offers Trace Again', async () => {
    const toast = await applyPreferredFixOnZombieLine('02-light-bulb');
    await shot('03-fix-applied');
    timings.mark('light bulb → preferred fix applied and saved');

    await toast.locator('.monaco-button', { hasText: 'Trace Again' }).click();
  });

  it('Trace Again rebuilds and traces the fixed server; the same 3 clients; the panel compares: zombies 3 → 0, zombie-leak fixed', async () => {
    const { pid, port } = await serverPort(firstPids);
    timings.mark(`Trace Again: rebuilt zombie_server ${pid} listens on ${port}`);
    const frame = await visibleWebviewFrame(page, '.ft-compare');
    assert.match(await frame.locator('.ft-compare-caption').innerText(), /^Compared with the previous run of zombie_server 0/);
    assert.equal((await runClients({ port, count: CLIENTS })).ok, CLIENTS, `${CLIENTS} clients were echoed`);
    await assertComparedFixed(frame);
    await shot('04-compared-live');

    await runCommand(page, 'Fork Trace: Stop Tracing');
    await waitFor('the second trace ended', async () => (await frame.locator('.ft-status').innerText()).trim() === 'ended', 15_000);
    await assertStillComparedAfterEnd(frame);
    await shot('05-compared-after-stop');
    timings.mark('Trace Again → zombies 3 → 0, zombie-leak fixed');
    secondPanel = frame;
    secondPids = new Set((await panelRows(frame)).map((r) => r.pid));
  });

  it("the panel's Trace Again on the unfixed source again: zombie-leak is new; Fix… in the details asks which fix, the preferred first, and applies it", async () => {
    // The user undid the fix on disk; the panel's button rebuilds and traces it.
    writeFileSync(source, readFileSync(join(ROOT, 'examples', 'zombie_server.c')));
    await secondPanel.locator('vscode-button.ft-trace-again').click();
    const { pid, port } = await serverPort(new Set([...firstPids, ...secondPids]));
    timings.mark(`panel Trace Again: rebuilt zombie_server ${pid} listens on ${port}`);
    assert.equal((await runClients({ port, count: CLIENTS })).ok, CLIENTS, `${CLIENTS} clients were echoed`);
    const frame = await waitFor(`the panel of pid ${pid} with ${CLIENTS} zombies`, async () => {
      for (const f of webviewFrames(page)) {
        const rows = await panelRows(f).catch(() => []);
        if (rows.some((r) => r.pid === pid) && rows.filter((r) => r.state === 'zombie').length === CLIENTS) return f;
      }
      return null;
    });
    await waitFor('zombie-leak new in the comparison', async () => (await compareRow(frame, 'zombie-leak'))[4] === 'new', 15_000);
    assert.deepEqual(await compareRow(frame, 'zombie-leak'), ['zombie-leak', '0', '→', '1', 'new']);
    assert.deepEqual(await compareRow(frame, 'zombies'), ['zombies now', '0', '→', '3', '']);
    await runCommand(page, 'Fork Trace: Stop Tracing');
    await waitFor('the third trace ended', async () => (await frame.locator('.ft-status').innerText()).trim() === 'ended', 15_000);

    // The server's finding in the details: Fix…, two fixes, so a pick, the preferred first.
    await frame.locator(`.ft-row[data-id="${pid}"]`).click();
    const fix = frame.locator('.ft-details vscode-button.ft-fix-button');
    await fix.waitFor({ timeout: 10_000 });
    assert.equal((await frame.locator('.ft-details .ft-fix-title').innerText()).trim(), `${PREFERRED_FIX} (or 1 other fix)`);
    await fix.click();
    const picks = page.locator('.quick-input-widget .monaco-list-row');
    await waitFor('the fixes in a quick pick', async () => (await picks.count()) === 2, 10_000);
    const labels = (await picks.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.ok(labels[0]!.startsWith(PREFERRED_FIX) && labels[0]!.endsWith('preferred'), `the preferred fix first, marked: ${labels[0]}`);
    assert.ok(labels[1]!.startsWith(OTHER_FIX), labels[1]);
    await shot('06-fix-pick');
    await page.keyboard.press('Enter');
    await page.locator('.notification-toast', { hasText: 'fix applied' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await waitFor('the fix from the panel saved to disk', () => /while \(waitpid\(-1, [^,]+, WNOHANG\) > 0\)/.test(readFileSync(source, 'utf8')));
    await shot('07-fixed-from-the-panel');
    timings.mark('panel Trace Again → zombie-leak new; Fix… → preferred fix applied');
  });

  let debugPids = new Set<number>();
  let builtByF5 = 0;

  it('F5 on a forktrace launch configuration runs its preLaunchTask (gcc -g) and traces the server: 3 clients leave 3 zombies; Stop in the debug toolbar ends it and keeps the picture', async () => {
    // The earlier runs' panels go; the source is the never-reaping one again.
    await runCommand(page, 'View: Close All Editors');
    writeFileSync(source, readFileSync(join(ROOT, 'examples', 'zombie_server.c')));
    const builtBefore = statSync(binary).mtimeMs;
    await openFile(page, 'zombie_server.c');
    ({ pids: debugPids, builtAt: builtByF5 } = await debugRunWithThreeZombies(
      `F5 on "${DEBUG_CONFIGURATION}"`,
      () => page.keyboard.press('F5'),
      '08-debug-three-zombies',
    ));
    assert.ok(builtByF5 > builtBefore, `F5 ran the preLaunchTask "${BUILD_TASK}": the binary was rebuilt`);
  });

  it("the preferred fix, then Trace Again runs the preLaunchTask again and starts the configuration again; the same 3 clients; the new debug session's panel compares: zombies 3 → 0, zombie-leak fixed", async () => {
    const builtAt = await fixAndTraceAgainInDebug(`Trace Again of "${DEBUG_CONFIGURATION}"`, debugPids, '09-debug');
    assert.ok(builtAt > builtByF5, `Trace Again ran the preLaunchTask "${BUILD_TASK}" again: the binary was rebuilt`);
  });

  it('Trace Forks on the configured program (forkTrace.program): 3 zombies; the user fixes and rebuilds it; Trace Again runs that program again, as built, and compares: zombies 3 → 0, zombie-leak fixed', async () => {
    await runCommand(page, 'View: Close All Editors');
    const fixedText = readFileSync(source, 'utf8'); // the light bulb's fix of the test before
    assert.match(fixedText, /while \(waitpid\(-1, [^,]+, WNOHANG\) > 0\)/);
    buildByHand(readFileSync(join(ROOT, 'examples', 'zombie_server.c'), 'utf8'));
    const old = runningServers();
    await runCommand(page, 'Fork Trace: Trace Forks');
    const { pid, port } = await serverPort(old);
    timings.mark(`Trace Forks: the configured zombie_server ${pid} listens on ${port}`);
    assert.equal((await runClients({ port, count: CLIENTS })).ok, CLIENTS, `${CLIENTS} clients were echoed`);
    const first = await visibleWebviewFrame(page, '[data-state="zombie"]');
    const zombies = await waitFor(`${CLIENTS} zombies in the panel`, async () => {
      const rows = await panelRows(first);
      const z = rows.filter((r) => r.state === 'zombie');
      return rows.some((r) => r.pid === pid) && z.length === CLIENTS ? z : null;
    });
    await runCommand(page, 'Fork Trace: Stop Tracing');
    await waitFor('the Trace Forks run ended', async () => (await first.locator('.ft-status').innerText()).trim() === 'ended', 15_000);

    const builtByUser = buildByHand(fixedText);
    await runCommand(page, 'Fork Trace: Trace Again');
    const again = await serverPort(new Set([pid, ...zombies.map((z) => z.pid)]));
    assert.equal(statSync(binary).mtimeMs, builtByUser, 'Trace Again runs the configured program as it is: no build');
    timings.mark(`Trace Again: the configured zombie_server ${again.pid} listens on ${again.port}`);
    const frame = await visibleWebviewFrame(page, '.ft-compare');
    assert.match(await frame.locator('.ft-compare-caption').innerText(), /^Compared with the previous run of zombie_server 0/);
    assert.equal((await runClients({ port: again.port, count: CLIENTS })).ok, CLIENTS, `${CLIENTS} clients were echoed`);
    await assertComparedFixed(frame);
    assert.ok(
      (await panelRows(frame)).some((r) => r.pid === again.pid),
      "the comparison is in the new run's panel",
    );
    await shot('12-program-compared-live');
    await runCommand(page, 'Fork Trace: Stop Tracing');
    await waitFor('the traced-again program ended', async () => (await frame.locator('.ft-status').innerText()).trim() === 'ended', 15_000);
    await assertStillComparedAfterEnd(frame);
    timings.mark('Trace Forks → Trace Again → zombies 3 → 0, zombie-leak fixed');
  });

  it("F5 on the C file without a launch.json builds and traces it; after the fix, Trace Again builds it again (no preLaunchTask to do it) and the new debug session's panel compares: zombies 3 → 0, zombie-leak fixed", async () => {
    await runCommand(page, 'View: Close All Editors');
    rmSync(join(wb!.folder, '.vscode', 'launch.json'));
    await sleep(1500); // the workbench notices launch.json is gone
    writeFileSync(source, readFileSync(join(ROOT, 'examples', 'zombie_server.c'))); // newer than the binary: F5 builds it
    const builtBefore = statSync(binary).mtimeMs;
    await openFile(page, 'zombie_server.c');
    const first = await debugRunWithThreeZombies('F5 without a launch.json', () => pressF5(page), '13-f5-built');
    assert.ok(first.builtAt > builtBefore, 'F5 built zombie_server.c');
    const builtAt = await fixAndTraceAgainInDebug('Trace Again of the F5 run', first.pids, '14-f5');
    assert.ok(builtAt > first.builtAt, 'Trace Again built zombie_server.c again');
  });

  it('Trace Again while a debug session runs: the session ends (its trace stopped), a new one starts, and when it is stopped no session is left', async () => {
    const old = runningServers();
    await pressF5(page);
    const first = await waitFor('the server F5 started', () => listeningServer(old), 60_000, 500);
    await runCommand(page, 'Fork Trace: Trace Again');
    const second = await waitFor('the server Trace Again started', () => listeningServer(new Set([...old, first.pid])), 60_000, 500);
    await waitFor('the first server stopped', () => !runningServers().has(first.pid), 10_000);
    const frame = await visibleWebviewFrame(page, '.ft-compare');
    assert.ok(
      (await panelRows(frame)).some((r) => r.pid === second.pid),
      "the comparison is in the new debug session's panel",
    );
    timings.mark(`Trace Again during F5: zombie_server ${first.pid} stopped, ${second.pid} traced`);
    // One Stop ends everything: the first session ended with its trace.
    await stopFromDebugToolbar();
    await waitFor('the second server stopped', () => !runningServers().has(second.pid), 10_000);
  });

  it("the debug toolbar's Restart traces again in the same session; the same 3 clients; the new run's panel compares with the run before it", async () => {
    const old = runningServers();
    await pressF5(page);
    const first = await serverStarted('F5', old);
    assert.equal((await runClients({ port: first.port, count: CLIENTS })).ok, CLIENTS, `${CLIENTS} clients were echoed`);
    // The first run's picture: its 3 children, zombies or reaped as the source now stands (fixed or not).
    const firstFrame = await visibleWebviewFrame(page, `[data-pid="${first.pid}"]`);
    const children = await waitFor(`${CLIENTS} children in the first run's panel`, async () => {
      const rows = (await panelRows(firstFrame)).filter((r) => r.pid !== first.pid && (r.state === 'zombie' || r.state === 'reaped'));
      return rows.length === CLIENTS ? rows : null;
    });
    const zombies = String(children.filter((r) => r.state === 'zombie').length);
    timings.mark(`F5: zombie_server ${first.pid}, ${zombies} zombie(s) of ${CLIENTS} children`);

    const restart = page.locator('.debug-toolbar .action-label.codicon-debug-restart');
    await restart.first().waitFor({ state: 'visible', timeout: 10_000 });
    await restart.first().click();
    const second = await serverStarted("the debug toolbar's Restart", new Set([...old, first.pid]));
    await waitFor('the first server stopped by the restart', () => !runningServers().has(first.pid), 10_000);
    assert.equal(await page.locator('.debug-toolbar').count(), 1, 'one debug session: the restart kept it');
    assert.equal((await runClients({ port: second.port, count: CLIENTS })).ok, CLIENTS, `${CLIENTS} clients were echoed`);
    const frame = await visibleWebviewFrame(page, '.ft-compare');
    assert.match(await frame.locator('.ft-compare-caption').innerText(), /^Compared with the previous run of zombie_server/);
    await waitFor('processes 4 → 4 in the comparison', async () => (await compareRow(frame, 'processes'))[3] === '4', 20_000);
    const same = JSON.stringify(['zombies now', zombies, '→', zombies, '']);
    await waitFor(`zombies now ${zombies} → ${zombies}`, async () => JSON.stringify(await compareRow(frame, 'zombies')) === same, 10_000);
    assert.ok(
      (await panelRows(frame)).some((r) => r.pid === second.pid),
      "the comparison is in the restarted run's panel",
    );
    await shot('15-restart-compared');
    timings.mark(`Restart: zombie_server ${second.pid} traced, compared with ${first.pid}: zombies ${zombies} → ${zombies}`);
    await stopFromDebugToolbar();
    await waitFor('the restarted server stopped', () => !runningServers().has(second.pid), 10_000);
  });
});
