// End to end in a real VS Code: code-server (the VS Code workbench with a real Node
// extension host) with the packaged .vsix installed as a user would, driven by
// headless Chromium. The never-reaping server is traced from the command palette,
// real clients connect, zombies show in the panel, a click lands on the fork line,
// the Problems panel lists the leak, Stop leaves nothing alive. Then a recorded log,
// then F5 with a `forktrace` launch configuration, then F5 on a C file without one
// (built with gcc -g, or not built when up to date), and a C file that does not compile.
//
// First run installs code-server into ~/.cache/fork-trace-e2e (a few minutes); later
// runs start in seconds. Screenshots go to artifacts/e2e/ on every run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Browser, Frame, Page } from 'playwright-core';
import {
  ARTIFACTS,
  ROOT,
  Timings,
  opensSourceAt,
  buildVsix,
  callStackRows,
  debugConsoleText,
  dialogText,
  focusWorkbench,
  browseWorkbench,
  closeWorkbench,
  copyExamples,
  loadCodeServerModule,
  openFile,
  panelRows,
  problemsText,
  quickInputClosed,
  runClients,
  runCommand,
  screenshot,
  sleep,
  waitFor,
  webviewFrame,
  listeningPort,
  pressF5,
  type CodeServerModule,
  type PanelRow,
  type RunningCodeServer,
  webviewFrames,
  webviewFramesWith,
} from './workbench';
import { lineOf } from '../support/system';
import { writeIdleWaitLog } from '../support/core';

const LOG_FIXTURE = join(ROOT, 'test', 'fixtures', 'logs', 'zombie_server.ttt.log');
const HAS_DEBUG_ADAPTER = existsSync(join(ROOT, 'dist', 'debugAdapter.js')) || existsSync(join(ROOT, 'src', 'debug', 'debugAdapter.ts'));
const CLIENTS = 3;

const timings = new Timings();
let cs: CodeServerModule;
let server: RunningCodeServer | null = null;
let browser: Browser | null = null;
let page: Page;
let work = '';
let profileRoot = '';
let folder = '';
let serverPort = 0;
let forkLine = 0;

/** A copy of examples/ with the servers built in place (so debug info names this copy). */
function prepareFolder(port: number): void {
  ({ work, folder } = copyExamples('forktrace-e2e-'));
  copyFileSync(LOG_FIXTURE, join(folder, 'zombie_server.ttt.log'));
  // A log recorded the way many people first run strace: without -f.
  execFileSync('strace', ['-ttt', '-o', join(folder, 'without-f.log'), '--', join(folder, 'double_fork_daemon'), '0.05'], { stdio: 'ignore' });
  writeFileSync(
    join(folder, '.vscode', 'settings.json'),
    JSON.stringify({ 'forkTrace.program': '${workspaceFolder}/zombie_server', 'forkTrace.args': [String(port)] }, null, 2),
  );
  writeFileSync(
    join(folder, '.vscode', 'launch.json'),
    JSON.stringify(
      {
        version: '0.2.0',
        configurations: [{ type: 'forktrace', request: 'launch', name: 'Trace server', program: '${workspaceFolder}/zombie_server', args: ['0'] }],
      },
      null,
      2,
    ),
  );
  forkLine = lineOf(join(folder, 'zombie_server.c'), 'pid_t pid = fork();');
  // A C file that does not compile (written now: Quick Open finds a file made later only after a while).
  writeFileSync(join(folder, 'broken.c'), 'int main(void) { return missing; }\n');
}

/** Every pid is gone from /proc (zombies included) within `ms`: init reaps orphans. */
async function assertAllGone(pids: number[], what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  let alive = pids.filter((pid) => cs.pidAlive(pid));
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(100);
    alive = pids.filter((pid) => cs.pidAlive(pid));
  }
  if (alive.length === 0) return;
  const describe = alive.map((pid) => {
    try {
      return `${pid}: ${readFileSync(`/proc/${pid}/stat`, 'utf8').trim().slice(0, 80)}`;
    } catch {
      return `${pid}: (gone)`;
    }
  });
  assert.fail(`${what}: still alive after ${ms} ms:\n${describe.join('\n')}`);
}

/** The trace's own processes (strace and the traced programs) under code-server. */
function tracedProcesses(): string[] {
  return (server?.processes() ?? []).filter((p) => /^(strace|zombie_server)$/.test(p.comm)).map((p) => `${p.pid}:${p.comm}:${p.state}`);
}

describe('Fork Trace in a real VS Code (code-server)', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    cs = await loadCodeServerModule();
    const vsix = buildVsix();
    assert.ok(existsSync(vsix), `${vsix} was built`);
    timings.mark(`package ${vsix.replace(`${ROOT}/`, '')}`);
    const install = cs.ensureCodeServer();
    timings.mark(install.installed ? `install code-server ${install.version} (cold)` : `code-server ${install.version} cached`);
    serverPort = await cs.freePort();
    prepareFolder(serverPort);
    timings.mark('copy and build the examples');
    const profile = cs.installExtension(install, vsix, cs.freshProfile());
    profileRoot = profile.root;
    assert.ok(
      profile.installed.some((d) => d.startsWith('fork-trace.fork-trace-')),
      `the .vsix is installed: ${profile.installed.join(', ')}`,
    );
    timings.mark('install the .vsix');
    server = await cs.startCodeServer(install, { folder, profile });
    timings.mark('start code-server');
    ({ browser, page } = await browseWorkbench(server.url, folder));
    timings.mark('workbench loaded');
  });

  after(async () => {
    try {
      if (page && !page.isClosed()) await screenshot(page, '99-last').catch(() => undefined);
    } finally {
      const left = await closeWorkbench(browser, server, [work, profileRoot], join(ARTIFACTS, 'code-server.log'));
      server = null;
      timings.mark('stop code-server');
      console.log(`[e2e] timings:\n${timings.report()}`);
      assert.deepEqual(left, [], 'code-server and everything it started are gone');
    }
  });

  it('Trace Forks: zombies in the panel, click → fork line, Problems lists the leak, Stop leaves nothing alive', async () => {
    await openFile(page, 'zombie_server.c');
    await runCommand(page, 'View: Close Primary Side Bar'); // room for the code and the panel
    timings.mark('open zombie_server.c');
    await runCommand(page, 'Fork Trace: Trace Forks');
    // The program's terminal shows what it prints; the panel shows the server first.
    const frame0 = await webviewFrame(page, '[data-pid]', 30_000);
    timings.mark('Trace Forks → panel shows the server');
    const result = await runClients({ port: serverPort, count: CLIENTS });
    assert.equal(result.ok, CLIENTS, `${CLIENTS} clients were echoed`);
    const frame = await webviewFrame(page, '[data-state="zombie"]', 20_000).catch(() => frame0);
    const zombies = await waitFor(`${CLIENTS} zombies in the panel`, async () => {
      const rows = (await panelRows(frame)).filter((r) => r.state === 'zombie');
      return rows.length >= CLIENTS ? rows : null;
    });
    for (const z of zombies) {
      const stat = readFileSync(`/proc/${z.pid}/stat`, 'utf8');
      assert.equal(stat.slice(stat.lastIndexOf(')') + 2)[0], 'Z', `pid ${z.pid} is a zombie in /proc too`);
    }
    const pids = [...new Set((await panelRows(frame)).map((r) => r.pid))];
    timings.mark(`clients → ${zombies.length} zombies (pids ${pids.join(' ')})`);
    await sleep(300); // let the last delta paint
    await screenshot(page, '01-panel-zombies-beside-code');

    // Click a zombie: the editor lands on the fork line.
    await opensSourceAt(page, () => frame.locator('[data-state="zombie"]').first().click(), 'zombie_server.c', forkLine);
    await screenshot(page, '02-editor-after-zombie-click');
    timings.mark(`zombie click → zombie_server.c Ln ${forkLine}`);

    // The Problems panel lists the leak.
    await focusWorkbench(page);
    await page.keyboard.press('Control+Shift+M');
    const problems = await waitFor(
      '"never reaped" in the Problems panel',
      async () => {
        const text = await problemsText(page);
        return text.includes('never reaped') ? text : null;
      },
      15_000,
    ).catch(async () => {
      await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
      return waitFor(
        '"never reaped" in the Problems panel',
        async () => {
          const text = await problemsText(page);
          return text.includes('never reaped') ? text : null;
        },
        15_000,
      );
    });
    assert.match(problems, /never reaped/);
    await screenshot(page, '03-problems-panel');
    timings.mark('Problems lists the leak');

    // Stop: snapshot, then the whole traced tree is killed.
    await runCommand(page, 'Fork Trace: Stop Tracing');
    await assertAllGone(pids, 'processes shown in the panel');
    await waitFor('no strace or zombie_server under code-server', () => tracedProcesses().length === 0, 5000).catch(() => {
      assert.fail(`still running under code-server: ${tracedProcesses().join(', ')}`);
    });
    await sleep(300);
    await screenshot(page, '04-after-stop');
    timings.mark('Stop Tracing → nothing alive');
  });

  it('Open strace Log…: a recorded log shows its processes in the panel', async () => {
    await runCommand(page, 'View: Close All Editors');
    await waitFor('no webview with processes', async () => (await webviewFramesWith(page, '[data-pid]', false)).length === 0, 10_000);
    await openLogFromDialog(join(folder, 'zombie_server.ttt.log'));
    const frame = await webviewFrame(page, '[data-pid]', 20_000);
    // The recording: server 4306 and its never-reaped children 4316 4317 4318.
    const rows = await waitFor(
      'the log processes',
      async () => {
        const r = await panelRows(frame);
        return r.length >= 4 ? r : null;
      },
      10_000,
    );
    assert.deepEqual(rows.map((r) => r.pid).sort(), [4306, 4316, 4317, 4318], 'the recorded server and its three children');
    await quickInputClosed(page);
    // The reading is done: its notification goes with it, not left on screen at "0 of 0".
    await waitFor(
      'the reading notification closed',
      async () => (await page.locator('.notification-toast', { hasText: 'Fork Trace: reading zombie_server.ttt.log' }).count()) === 0,
      5_000,
    );
    await screenshot(page, '05-open-strace-log');
    timings.mark(`Open strace Log… → ${rows.length} processes`);
  });

  it('Open strace Log… on a log recorded without -f: the header and a note above the details say so, and the parent shows under its real pid', async () => {
    await runCommand(page, 'View: Close All Editors');
    await waitFor('no webview with processes', async () => (await webviewFramesWith(page, '[data-pid]', false)).length === 0, 10_000);
    await openLogFromDialog(join(folder, 'without-f.log'));
    const frame = await webviewFrame(page, '.ft-recording', 20_000);
    assert.match(await frame.locator('.ft-trace-message').innerText(), /^How this log was recorded limits the picture \(1 note in the details pane\)\./);
    assert.match(
      await frame.locator('.ft-recording').innerText(),
      /^line \d+: this log follows one process only: strace ran without -f.*strace -f -ttt -o trace\.log PROGRAM$/s,
    );
    const rows = await panelRows(frame);
    assert.equal(rows.length, 2, 'the program and the child it forked and reaped');
    assert.ok(
      rows.every((r) => r.pid > 0),
      JSON.stringify(rows),
    );
    await quickInputClosed(page);
    await screenshot(page, '05b-log-without-f');
    timings.mark('Open strace Log… without -f → the note');
  });

  it('Open strace Log… on a big log: a notification tells how much is read, and its Cancel opens nothing', async () => {
    await runCommand(page, 'View: Close All Editors');
    // 6 million records the model reads (a WNOHANG wait4 with no child, ECHILD), about 560 MiB: seconds to read, in constant memory.
    const big = join(folder, 'big_idle_server.log');
    const size = writeIdleWaitLog(big, 6_000_000);
    try {
      await openLogFromDialog(big);
      const toast = page.locator('.notification-toast', { hasText: 'Fork Trace: reading big_idle_server.log' });
      const progress = await waitFor(
        'the progress notification with how much is read',
        async () => {
          const text = (await toast.count()) > 0 ? await toast.first().innerText() : '';
          return /\d+ of \d+ MiB/.test(text) ? text : null;
        },
        15_000,
        50,
      );
      assert.match(progress, new RegExp(`of ${Math.round(size / (1024 * 1024))} MiB`), 'the whole size, in MiB');
      await screenshot(page, '05b-open-big-log-progress');
      await toast.first().locator('.monaco-button', { hasText: 'Cancel' }).click();
      await waitFor(
        'the cancel said',
        async () => (await page.locator('.notification-toast', { hasText: 'reading big_idle_server.log was cancelled; nothing was opened' }).count()) > 0,
        15_000,
      );
      await sleep(500);
      assert.equal((await webviewFramesWith(page, '[data-pid]', false)).length, 0, 'no panel for the cancelled log');
      assert.equal(await page.locator('.tab', { hasText: 'big_idle_server.log' }).count(), 0, 'no tab for the cancelled log');
      timings.mark(`Open strace Log… on ${Math.round(size / 1e6)} MB: progress "${progress.replace(/\s+/g, ' ')}", cancelled`);
    } finally {
      rmSync(big, { force: true });
    }
  });

  it(
    'F5 with a forktrace launch configuration: processes in the Call Stack view',
    { skip: HAS_DEBUG_ADAPTER ? false : 'the forktrace debug type (dist/debugAdapter.js) is not built yet' },
    async () => {
      await runCommand(page, 'View: Close All Editors');
      await openFile(page, 'zombie_server.c');
      await page.keyboard.press('F5');
      await sleep(500);
      const failure = await dialogText(page);
      if (failure) {
        await screenshot(page, '06-debug-call-stack');
        await page.keyboard.press('Escape');
        assert.fail(`F5 on the forktrace launch configuration: ${failure}`);
      }
      // The server chose its port (args ["0"]) and printed it to the Debug Console.
      const port = await waitFor(
        '"listening on" in the Debug Console',
        async () => {
          const problem = await dialogText(page);
          if (problem) throw new Error(problem);
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(await debugConsoleText(page));
          return m ? Number(m[1]) : null;
        },
        30_000,
      ).catch((e: Error) => {
        // Not in the console: read the traced server's listening socket from /proc.
        const fromProc = (server?.processes() ?? [])
          .filter((p) => p.comm === 'zombie_server')
          .map((p) => listeningPort(p.pid))
          .find((x) => x > 0);
        if (!fromProc) throw e;
        return fromProc;
      });
      timings.mark(`F5 → the server listens on ${port}`);
      await runCommand(page, 'View: Show Run and Debug');
      const result = await runClients({ port, count: 2 });
      assert.equal(result.ok, 2, 'two clients were echoed');
      // One row per process ("PID COMMAND [state]"): the server and its two zombies.
      const rows = await waitFor(
        'the server and 2 zombies in the Call Stack',
        async () => {
          const r = await callStackRows(page);
          return r.filter((t) => /\d+ zombie_server/.test(t)).length >= 3 && r.some((t) => /zombie\]/.test(t)) ? r : null;
        },
        20_000,
      ).catch(async (e: Error) => {
        await screenshot(page, '06-debug-call-stack');
        throw new Error(`${e.message}; the Call Stack shows: ${JSON.stringify(await callStackRows(page))}`);
      });
      const pids = [
        ...new Set(
          rows
            .map((t) => /(\d+) zombie_server/.exec(t))
            .filter((m): m is RegExpExecArray => m !== null)
            .map((m) => Number(m[1])),
        ),
      ];
      await sleep(300);
      await screenshot(page, '06-debug-call-stack');
      timings.mark(`clients → Call Stack lists ${pids.length} processes (pids ${pids.join(' ')})`);
      await runCommand(page, 'Debug: Stop');
      await assertAllGone(pids, 'processes shown in the Call Stack');
      await waitFor('no strace or zombie_server under code-server', () => tracedProcesses().length === 0, 5000).catch(() => {
        assert.fail(`still running under code-server: ${tracedProcesses().join(', ')}`);
      });
      timings.mark('Debug: Stop → nothing alive');
    },
  );

  /** Trace Forks on this program of the folder; the panel's frame once it shows `rows` rows, `running` of them running, none of `old`. */
  async function traceInPanel(program: string, args: string[], rows: number, running: number, old = new Set<number>()) {
    writeFileSync(
      join(folder, '.vscode', 'settings.json'),
      JSON.stringify({ 'forkTrace.program': `\${workspaceFolder}/${program}`, 'forkTrace.args': args }, null, 2),
    );
    await sleep(1500); // the workbench reads the changed settings
    await runCommand(page, 'Fork Trace: Trace Forks');
    return inPanel(program, rows, running, old);
  }

  function inPanel(program: string, rows: number, running: number, old: Set<number>) {
    return waitFor(
      `${program} in a panel`,
      async () => {
        for (const f of webviewFrames(page)) {
          const shown = (await panelRows(f).catch(() => [])).filter((r) => !old.has(r.pid));
          if (shown.length === rows && shown.filter((r) => r.state === 'running').length === running)
            return { frame: f, rows: shown, pids: shown.map((r) => r.pid) };
        }
        return null;
      },
      30_000,
    );
  }

  /** Clicks a row, presses Enter, and waits for the editor to show this file at this line. */
  async function clickLandsOn(frame: Frame, id: string, file: string, line: number): Promise<void> {
    await opensSourceAt(
      page,
      async () => {
        await frame.locator(`[data-id="${id}"]`).click();
        await page.keyboard.press('Enter');
      },
      file,
      line,
    );
  }

  it('a double fork in the default mode: clicking the daemon lands on its own fork, the second one', async () => {
    await runCommand(page, 'View: Close All Editors');
    const daemonForkLine = lineOf(join(folder, 'double_fork_daemon.c'), 'second fork: the daemon');
    const trace = await traceInPanel('double_fork_daemon', ['30'], 3, 1);
    timings.mark(`Trace Forks → double_fork_daemon (pids ${trace.pids.join(' ')})`);
    const daemon = trace.rows.find((r) => r.state === 'running') as PanelRow;
    // Selected, its details name its fork line and offer nothing more to pin.
    await trace.frame.locator(`[data-id="${daemon.id}"]`).click();
    await waitFor(
      "the daemon's details",
      async () => ((await trace.frame.locator('.ft-details').innerText()).includes(`double_fork_daemon.c:${daemonForkLine}`) ? true : null),
      10_000,
    );
    assert.equal(await trace.frame.locator('.ft-details a', { hasText: 'Trace again precisely' }).count(), 0, 'nothing for the precise mode to pin');
    await clickLandsOn(trace.frame, daemon.id, 'double_fork_daemon.c', daemonForkLine);
    await screenshot(page, '07-daemon-fork-line-default-mode');
    await runCommand(page, 'Fork Trace: Stop Tracing');
    await assertAllGone(trace.pids, "the double fork's processes");
    timings.mark('daemon click → its fork line; Stop Tracing → nothing alive');
  });

  it('two forks in one loop: the click says why there is no line, and tracing again precisely pins it', async () => {
    await runCommand(page, 'View: Close All Editors');
    // A program whose two fork() lines the default mode cannot tell apart (test/programs/alternating_forks.c).
    copyFileSync(join(ROOT, 'test', 'programs', 'alternating_forks.c'), join(folder, 'alternating_forks.c'));
    execFileSync('gcc', ['-g', '-O0', '-o', join(folder, 'alternating_forks'), join(folder, 'alternating_forks.c')]);
    const evenLine = lineOf(join(folder, 'alternating_forks.c'), 'fork site 1: even');
    const first = await traceInPanel('alternating_forks', ['30'], 5, 1);
    timings.mark(`Trace Forks → alternating_forks (pids ${first.pids.join(' ')})`);
    // Select the first child, a zombie (its details say why already), then Enter: where does it come from?
    const zombie = first.rows.find((r) => r.state === 'zombie') as PanelRow;
    await first.frame.locator(`[data-id="${zombie.id}"]`).click();
    await page.keyboard.press('Enter');
    const toast = page.locator('.notification-toast', { hasText: '2 call sites of fork()' });
    await toast.first().waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot(page, '08-no-single-fork-line');
    assert.match(await toast.first().innerText(), new RegExp(`alternating_forks\\.c:${evenLine} \\(main\\)`));
    assert.ok(await toast.first().locator('.monaco-button', { hasText: 'Trace Again Precisely' }).isVisible(), 'the message offers the precise trace');
    // The same offer sits in the panel's details, beside the note: take that one.
    const offer = first.frame.locator('.ft-details a', { hasText: 'Trace again precisely' });
    assert.ok((await offer.count()) >= 1, 'an offer in the details, beside the note');
    await offer.first().click();
    // The first trace is stopped (its processes killed) and the same program runs again, precisely.
    await assertAllGone(first.pids, "the first trace's processes");
    const second = await inPanel('alternating_forks', 5, 1, new Set(first.pids));
    timings.mark(`Trace Again Precisely → pids ${second.pids.join(' ')}`);
    const again = second.rows.find((r) => r.state === 'zombie') as PanelRow;
    await clickLandsOn(second.frame, again.id, 'alternating_forks.c', evenLine);
    await screenshot(page, '09-zombie-fork-line-after-precise-trace');
    assert.equal(await second.frame.locator('.ft-details a', { hasText: 'Trace again precisely' }).count(), 0, 'a precise trace offers no precise trace');
    await runCommand(page, 'Fork Trace: Stop Tracing');
    await assertAllGone(second.pids, "the precise trace's processes");
    timings.mark('Stop Tracing → nothing alive');
  });

  /** Any panel showing at least `rows` processes, none of `old`; their pids. */
  function panelWith(rows: number, old: Set<number>): Promise<number[]> {
    return waitFor(
      `${rows} new processes in a panel`,
      async () => {
        for (const f of webviewFrames(page)) {
          const pids = (await panelRows(f).catch(() => [])).map((r) => r.pid).filter((pid) => !old.has(pid));
          if (pids.length >= rows) return pids;
        }
        return null;
      },
      30_000,
    );
  }

  function daemonProcesses(): string[] {
    return (server?.processes() ?? []).filter((p) => p.comm === 'strace' || p.comm.startsWith('double_fork')).map((p) => `${p.pid}:${p.comm}:${p.state}`);
  }

  it('F5 on a C file without a launch.json: gcc -g builds it next to the source and it is traced; a binary newer than its source is traced as it is', async () => {
    await runCommand(page, 'View: Close All Editors');
    rmSync(join(folder, '.vscode', 'launch.json'));
    const binary = join(folder, 'double_fork_daemon');
    rmSync(binary);
    await sleep(1500); // the workbench notices launch.json is gone
    await openFile(page, 'double_fork_daemon.c');
    await pressF5(page);
    const first = await panelWith(3, new Set());
    assert.ok(existsSync(binary), 'F5 built double_fork_daemon next to double_fork_daemon.c');
    const builtAt = statSync(binary).mtimeMs;
    timings.mark(`F5 without launch.json → built and traced (pids ${first.join(' ')})`);
    await screenshot(page, '10-f5-built-the-active-c-file');
    // The daemon lives 2 s; then the trace, and the session, end on their own.
    await waitFor('the first F5 trace to end', () => daemonProcesses().length === 0, 20_000);
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, 'double_fork_daemon.c');
    await pressF5(page);
    const second = await panelWith(3, new Set(first));
    assert.equal(statSync(binary).mtimeMs, builtAt, 'the binary was newer than its source: traced as it was, not built again');
    await waitFor('the second F5 trace to end', () => daemonProcesses().length === 0, 20_000).catch(() => {
      assert.fail(`still running under code-server: ${daemonProcesses().join(', ')}`);
    });
    timings.mark(`F5 again → the same binary traced (pids ${second.join(' ')})`);
  });

  it('a C file that does not compile: F5 quotes the first error, Build and Trace points at the Fork Trace output', async () => {
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Notifications: Clear All Notifications');
    await openFile(page, 'broken.c');
    await pressF5(page);
    const fromF5 = page.locator('.notification-toast', { hasText: 'broken.c did not compile' });
    await fromF5.first().waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(
      await fromF5.first().innerText(),
      /Fork Trace: broken\.c did not compile: \S*\/broken\.c:1:\d+: error: .missing. undeclared.*\. The compiler's messages are in the output\./s,
    );
    await screenshot(page, '11-f5-compile-error');
    await runCommand(page, 'Notifications: Clear All Notifications');
    await openFile(page, 'broken.c');
    await runCommand(page, 'Fork Trace: Build and Trace the Active C File');
    const fromCommand = page.locator('.notification-toast', { hasText: 'broken.c did not compile' });
    await fromCommand.first().waitFor({ state: 'visible', timeout: 20_000 });
    assert.match(await fromCommand.first().innerText(), /Fork Trace: broken\.c did not compile; see the Fork Trace output for the compiler's messages\./);
    assert.equal(existsSync(join(folder, 'broken')), false, 'nothing was built');
    await runCommand(page, 'Notifications: Clear All Notifications');
    timings.mark('compile errors → both messages');
  });
});

/** Fork Trace: Open strace Log…, and `path` typed into code-server's file dialog (the "simple file dialog": a quick input holding a path). */
async function openLogFromDialog(path: string): Promise<void> {
  await runCommand(page, 'Fork Trace: Open strace Log…');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await waitFor('the file dialog to show the folder', async () => ((await input.inputValue()) || '').startsWith('/'), 10_000);
  await input.fill(path);
  await sleep(300); // the dialog validates the typed path
  await page.keyboard.press('Enter');
}
