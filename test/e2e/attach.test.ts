// Attach in a real VS Code (code-server + the packaged .vsix, driven by headless
// Chromium): a zombie_server started by the test, untraced, already holding 3 zombies;
// "Fork Trace: Find Zombies" lists it; "Fork Trace: Attach to Process…" from the palette,
// its pid typed into the picker, picked; the panel says it is attached and shows the 3
// zombies marked "before"; Detach; the server still runs, untraced, and still serves.
//
// Uses the code-server cached by test/e2e/vscode.test.ts (~/.cache/fork-trace-e2e).
// Screenshots go to artifacts/e2e-attach/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import {
  Timings,
  buildVsix,
  browseWorkbench,
  callStackRows,
  closeWorkbench,
  copyExamples,
  dialogText,
  loadCodeServerModule,
  openFile,
  panelRows,
  quickInputClosed,
  runClients,
  runCommand,
  opensSourceAt,
  waitFor,
  type CodeServerModule,
  type RunningCodeServer,
  runCommandOnceListed,
  suiteShots,
  visibleWebviewFrame,
} from './workbench';
import { lineOf } from '../support/system';

const timings = new Timings();
let cs: CodeServerModule;
let server: RunningCodeServer | null = null;
let browser: Browser | null = null;
let page: Page;
let work = '';
let profileRoot = '';
let folder = '';
/** The server the test starts untraced: the process a user attaches to. */
let target: ChildProcess | null = null;
let targetPort = 0;

let shot: (name: string) => Promise<void> = async () => undefined;

function status(pid: number): { state: string; tracerPid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { state: /\nState:\s+(\S)/.exec(text)?.[1] ?? '', tracerPid: Number(/\nTracerPid:\s+(\d+)/.exec(text)?.[1]) };
  } catch {
    return null;
  }
}

/** The zombies `pid` holds, from /proc (its children in state Z). */
function zombiesOf(pid: number): number[] {
  let children: string;
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return [];
  }
  return children
    .split(' ')
    .filter(Boolean)
    .map(Number)
    .filter((c) => status(c)?.state === 'Z')
    .sort((a, b) => a - b);
}

const quickInput = (p: Page) => p.locator('.quick-input-widget');

/** The editor tabs of Fork Trace panels attached to `pid`. */
const attachTabs = (pid: number) => page.locator(`.tab[aria-label^="Fork Trace: pid ${pid} "]`);

/** Attach to Process… from the palette, `pid` typed into the picker, Enter. */
async function attachFromPalette(pid: number): Promise<void> {
  await runCommand(page, 'Fork Trace: Attach to Process…');
  await waitFor('the process list', async () => (await pickLabels()).length > 1, 15_000);
  await quickInput(page).locator('input').fill(String(pid));
  await waitFor(`pid ${pid} first in the list`, async () => (await pickLabels())[0]?.startsWith(`${pid}  `), 10_000);
  await page.keyboard.press('Enter');
}

/** The webview frame of the panel that says it is attached (the live one). */
function attachedFrame(): Promise<Frame> {
  return visibleWebviewFrame(page, '.ft-attached');
}

/** The labels of the quick pick's rows now shown. */
async function pickLabels(): Promise<string[]> {
  return (await quickInput(page).locator('.monaco-list-row').allInnerTexts()).map((t) => t.split('\n')[0].trim());
}

describe('Attach in a real VS Code (code-server)', { timeout: 10 * 60_000 }, () => {
  before(async () => {
    shot = suiteShots('attach', () => page);
    cs = await loadCodeServerModule();
    const vsix = buildVsix();
    assert.ok(existsSync(vsix), `${vsix} was built`);
    const install = cs.ensureCodeServer();
    ({ work, folder } = copyExamples('forktrace-e2e-attach-'));
    // F5 attaches the debugger to a process chosen with ${command:pickProcess}.
    writeFileSync(
      join(folder, '.vscode', 'launch.json'),
      JSON.stringify(
        { version: '0.2.0', configurations: [{ type: 'forktrace', request: 'attach', name: 'Attach to a server', processId: '${command:pickProcess}' }] },
        null,
        2,
      ),
    );
    const profile = cs.installExtension(install, vsix, cs.freshProfile());
    profileRoot = profile.root;
    server = await cs.startCodeServer(install, { folder, profile });
    ({ browser, page } = await browseWorkbench(server.url, folder));
    timings.mark('code-server up, workbench loaded');

    // A server that was running before anyone traced it, with 3 zombies already.
    target = spawn(join(folder, 'zombie_server'), ['0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    target.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    targetPort = Number((await waitFor('the server listening', () => /listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 10_000)) ?? 0);
    assert.equal((await runClients({ port: targetPort, count: 3 })).ok, 3);
    await waitFor('3 zombies in /proc', () => zombiesOf(target!.pid!).length === 3, 5_000);
    assert.equal(status(target.pid!)?.tracerPid, 0, 'untraced');
  });

  after(async () => {
    try {
      if (page && !page.isClosed()) await shot('99-last');
    } finally {
      target?.kill('SIGKILL');
      const left = await closeWorkbench(browser, server, [work, profileRoot]);
      server = null;
      console.log(`[e2e-attach] timings:\n${timings.report()}`);
      assert.deepEqual(left, [], 'code-server and everything it started are gone');
    }
  });

  it('Find Zombies lists the server as a holder of 3 zombies', async () => {
    const pid = target!.pid!;
    await runCommandOnceListed(page, 'Fork Trace: Find Zombies');
    const row = await waitFor(
      'the server in the Find Zombies list',
      async () => (await quickInput(page).locator('.monaco-list-row').allInnerTexts()).find((t) => t.startsWith(`${pid}  `)),
      15_000,
    );
    assert.match(row, /zombie_server/);
    assert.match(row, /holds 3 zombies/);
    await shot('01-find-zombies');
    await quickInputClosed(page);
    timings.mark('Find Zombies');
  });

  let frame: Frame;

  it('Attach to Process…: type the pid, pick it; the panel says it is attached and shows the 3 zombies from before', async () => {
    const pid = target!.pid!;
    const zombies = zombiesOf(pid);
    await runCommand(page, 'Fork Trace: Attach to Process…');
    const input = quickInput(page).locator('input');
    await waitFor('the process list', async () => (await pickLabels()).length > 1, 15_000);
    await input.fill(String(pid));
    // Typing filters: the server's row is there, and the first row is it (its label starts with the pid).
    await waitFor(`pid ${pid} first in the list`, async () => (await pickLabels())[0]?.startsWith(`${pid}  `), 10_000);
    const first = (await quickInput(page).locator('.monaco-list-row').first().innerText()).replace(/\s+/g, ' ');
    assert.match(first, /zombie_server/);
    assert.match(first, /holds 3 zombies/);
    await shot('02-attach-picker');
    await page.keyboard.press('Enter');

    frame = await attachedFrame();
    assert.match(
      await frame.locator('.ft-attached').innerText(),
      new RegExp(`^Attached to pid ${pid} \\(.*zombie_server.*\\): detaching leaves it running\\.$`),
    );
    assert.equal((await frame.locator('vscode-button.ft-stop').innerText()).trim(), 'Detach');
    await waitFor(
      'the 3 zombies in the panel',
      async () => {
        const rows = (await panelRows(frame)).filter((r) => r.state === 'zombie');
        return (
          rows.length === 3 &&
          rows
            .map((r) => r.pid)
            .sort((a, b) => a - b)
            .join() === zombies.join()
        );
      },
      15_000,
    );
    const before = await frame.locator('.ft-row[data-before="true"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-pid'))));
    assert.deepEqual(
      before.sort((a, b) => a - b),
      [pid, ...zombies].sort((a, b) => a - b),
      'the server and its zombies carry the "before" badge',
    );
    assert.notEqual(status(pid)?.tracerPid, 0, 'traced while attached');
    await shot('03-attached');
    timings.mark('attached, zombies shown');
  });

  it("clicking a zombie from before the attach lands the editor on zombie_server's only fork() line", async () => {
    const forkLine = lineOf(join(folder, 'zombie_server.c'), 'pid_t pid = fork();');
    const zombie = (await panelRows(frame)).find((r) => r.state === 'zombie');
    assert.ok(zombie, 'a zombie row');
    assert.equal(await frame.locator(`.ft-row[data-id="${zombie.id}"]`).getAttribute('data-before'), 'true', 'one that was there before the attach');
    await opensSourceAt(page, () => frame.locator(`[data-id="${zombie.id}"]`).click(), 'zombie_server.c', forkLine);
    await shot('03b-before-zombie-fork-line');
    // Opening the file hid the panel's webview: bring the panel back for what follows.
    await runCommand(page, 'Fork Trace: Show Fork Tree');
    frame = await attachedFrame();
    timings.mark(`before-zombie click → zombie_server.c Ln ${forkLine}`);
  });

  it('Detach: the server keeps running, untraced, and still serves', async () => {
    const pid = target!.pid!;
    await frame.locator('vscode-button.ft-stop').click();
    await waitFor(
      'the detached message',
      async () => /Detached from .*: the picture was taken, and it keeps running, untraced\./.test(await frame.locator('.ft-trace-message').innerText()),
      15_000,
    );
    await waitFor('TracerPid 0', () => status(pid)?.tracerPid === 0, 5_000);
    assert.notEqual(status(pid)?.state, 'Z');
    assert.equal((await runClients({ port: targetPort, count: 1 })).ok, 1, 'the server still serves');
    // The new connection's child exits a moment after the client is done: a 4th zombie, the 3 stay.
    await waitFor('4 zombies: nothing of the server was touched', () => zombiesOf(pid).length === 4, 5_000);
    await shot('04-detached');
    timings.mark('detached');
  });

  it('Attach to Process… again to the same pid: the ended panel is reused, not a second one with the same title', async () => {
    const pid = target!.pid!;
    assert.equal(await attachTabs(pid).count(), 1, 'the detached panel stays open');
    await attachFromPalette(pid);
    frame = await attachedFrame();
    assert.equal((await frame.locator('vscode-button.ft-stop').innerText()).trim(), 'Detach');
    await waitFor('traced again', () => (status(pid)?.tracerPid ?? 0) > 0, 10_000);
    assert.equal(await attachTabs(pid).count(), 1, 'one panel for the process');
    await shot('04b-reattached');
    await frame.locator('vscode-button.ft-stop').click();
    await waitFor('TracerPid 0 again', () => status(pid)?.tracerPid === 0, 10_000);
    assert.equal(await attachTabs(pid).count(), 1);
    timings.mark('re-attach in the same panel, detached');
  });

  it('a refusal (a process strace already traces) is an error notification naming the tracer, and no panel opens', async () => {
    const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
    const tracer = spawn('strace', ['-p', String(sleeper.pid), '-o', '/dev/null'], { stdio: 'ignore' });
    try {
      await waitFor('strace -p to attach', () => status(sleeper.pid!)?.tracerPid === tracer.pid, 10_000);
      await runCommand(page, 'Notifications: Clear All Notifications');
      const panels = await page.locator('.tab[aria-label^="Fork Trace: "]').count();
      await attachFromPalette(sleeper.pid!);
      const toast = page.locator('.notification-toast', { hasText: 'already traced' });
      await toast.first().waitFor({ state: 'visible', timeout: 15_000 });
      await shot('04c-refused');
      assert.match(
        (await toast.first().innerText()).replace(/\s+/g, ' '),
        new RegExp(`Fork Trace: .*\\(pid ${sleeper.pid}\\) is already traced by strace -p ${sleeper.pid} -o /dev/null \\(pid ${tracer.pid}\\)`),
      );
      assert.ok(await toast.first().locator('.codicon-error').count(), 'an error, not a warning');
      assert.equal(await page.locator('.tab[aria-label^="Fork Trace: "]').count(), panels, 'no panel opened');
      assert.equal(await attachTabs(sleeper.pid!).count(), 0);
      assert.equal(status(sleeper.pid!)?.tracerPid, tracer.pid, 'nothing changed');
      await runCommand(page, 'Notifications: Clear All Notifications');
    } finally {
      tracer.kill('SIGKILL');
      sleeper.kill('SIGKILL');
    }
    timings.mark('refusal → error notification');
  });

  it('F5 on an attach configuration: ${command:pickProcess} asks, the Call Stack marks the zombies from before, Disconnect detaches', async () => {
    const pid = target!.pid!;
    const zombies = zombiesOf(pid);
    await openFile(page, 'zombie_server.c');
    await page.keyboard.press('F5');
    const input = quickInput(page).locator('input');
    await waitFor(
      'the process picker',
      async () => {
        const problem = await dialogText(page);
        if (problem) throw new Error(problem);
        return (await pickLabels()).length > 1;
      },
      20_000,
    );
    await input.fill(String(pid));
    await waitFor(`pid ${pid} first in the list`, async () => (await pickLabels())[0]?.startsWith(`${pid}  `), 10_000);
    await page.keyboard.press('Enter');
    await runCommand(page, 'View: Show Run and Debug');
    const rows = await waitFor(
      'the zombies from before in the Call Stack',
      async () => {
        const r = await callStackRows(page);
        return r.filter((t) => /zombie\] \(before the trace\)/.test(t)).length >= zombies.length ? r : null;
      },
      20_000,
    ).catch(async (e: Error) => {
      await shot('05-debug-attach');
      throw new Error(`${e.message}; the Call Stack shows: ${JSON.stringify(await callStackRows(page))}`);
    });
    for (const z of zombies)
      assert.ok(
        rows.some((t) => t.includes(`${z} `) && /before the trace/.test(t)),
        `zombie ${z} is marked: ${JSON.stringify(rows)}`,
      );
    assert.notEqual(status(pid)?.tracerPid, 0, 'traced while the debugger is attached');
    await shot('05-debug-attach');
    // The toolbar's stop button on an attach session is Disconnect.
    await runCommand(page, 'Debug: Disconnect');
    await waitFor('TracerPid 0 after Debug: Disconnect', () => status(pid)?.tracerPid === 0, 10_000);
    assert.notEqual(status(pid)?.state, 'Z');
    assert.equal((await runClients({ port: targetPort, count: 1 })).ok, 1, 'the server still serves');
    timings.mark('F5 attach → Debug: Disconnect detached');
  });
});
