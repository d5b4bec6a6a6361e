// From finding to fix, in the panel's bundle in headless Chromium under its strict CSP:
// a run started by Trace Again compares itself with the previous run (zombies 3 → 0,
// zombie-leak "fixed"), live and after a reload; Fix… on a finding and Trace Again post
// what the host acts on; what the traced program wrote, in the compared run too, is text.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, type Harness } from './harness';
import { browserPages } from './pages';
import { finish, MARKUP_ARGV, MARKUP_COMMAND, proc, smallTrace, SMALL_TRACE_INFO } from './traces';
import type { TraceInfo, WebviewMessage } from '../../src/shared/protocol';
import type { RunSummary } from '../../src/shared/compare';
import type { FixJson, ProcessJson, SnapshotJson } from '../../src/shared/schema';

const missing = chromiumMissing();
if (missing) console.log(`# browser tests skipped: ${missing}`);

const SERVER_C = '/work/examples/zombie_server.c';
/** How the previous run ended, with markup the program could have put in its title or exit words. */
const HOSTILE_MESSAGE = `Stopped: <img src=z onerror=alert(3)> killed`;

/** The previous run: the never-reaping server, stopped with 3 zombies, one zombie-leak. */
const BEFORE_FIX: RunSummary = {
  title: `zombie_server 0 ${MARKUP_COMMAND}`,
  message: HOSTILE_MESSAGE,
  processes: 4,
  zombiesNow: 3,
  maxZombies: 3,
  findings: { 'zombie-leak': 1 },
};

/** The fixed server's run so far: `reaped` of its children exited and were reaped, `zombies` not (yet). */
function afterFix(reaped: number, zombies = 0, ended = false): SnapshotJson {
  const processes: ProcessJson[] = [proc({ pid: 300, command: 'zombie_server', argv: ['zombie_server', '0'] })];
  for (let i = 1; i <= reaped + zombies; i++) {
    const exit = 0.1 * i;
    const isZombie = i > reaped;
    processes.push(
      proc({
        pid: 300 + i,
        parentPid: 300,
        parentId: '300',
        command: 'zombie_server',
        start: exit - 0.05,
        exit: { time: exit, code: 0, signal: null, core: false },
        zombie: { from: exit, to: isZombie ? null : exit + 0.001 },
        reaped: isZombie ? null : { time: exit + 0.001, by: 300, how: 'wait', seen: true },
        state: isZombie ? 'zombie' : 'reaped',
      }),
    );
  }
  return finish(processes, [], 1, ended);
}

const AGAIN_INFO: TraceInfo = { title: 'zombie_server 0', status: 'running', message: null, canTraceAgain: true, previous: BEFORE_FIX };

const reapFix: FixJson = {
  title: 'Reap children in a SIGCHLD handler (waitpid in a loop, installed with SA_RESTART)',
  preferred: true,
  edits: [{ file: SERVER_C, startLine: 12, startColumn: 1, endLine: 12, endColumn: 1, newText: '#include <sys/wait.h>\n' }],
};
const ignoreFix: FixJson = {
  title: 'Ignore SIGCHLD so the kernel reaps children (when their exit statuses are not needed)',
  preferred: false,
  edits: [{ file: SERVER_C, startLine: 40, startColumn: 5, endLine: 40, endColumn: 5, newText: 'signal(SIGCHLD, SIG_IGN);\n' }],
};
/** Why the orphan's finding has no fix, with markup that must stay text. */
const FIX_NOTE = `the fork is in <i>daemon</i>, built without -g`;

describe('Trace Again and Fix… in the panel (Chromium)', { skip: missing || false }, () => {
  const pages = browserPages();
  const page = (): Promise<Harness> => pages.open();

  /** The comparison as the user reads it: each row's cells, by row key. */
  async function comparison(h: Harness): Promise<Record<string, string[]>> {
    const rows = await h.page
      .locator('.ft-compare tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-row') ?? '', [...tr.children].map((c) => (c.textContent ?? '').trim())] as const));
    return Object.fromEntries(rows);
  }

  test('a run started by Trace Again compares itself with the previous one: zombies 3 → 0, zombie-leak fixed, live as it runs', async () => {
    const h = await page();
    await h.send({ type: 'snapshot', snapshot: afterFix(1), trace: AGAIN_INFO });
    const table = h.page.locator('.ft-compare');
    await table.waitFor();
    await h.settle();
    assert.deepEqual(await comparison(h), {
      processes: ['processes', '4', '→', '2', ''],
      zombies: ['zombies now', '3', '→', '0', ''],
      maxZombies: ['most zombies at once', '3', '→', '1', ''],
      'zombie-leak': ['zombie-leak', '1', '→', '0', 'fixed'],
    });
    assert.equal(await h.page.locator('.ft-compare thead th.ft-compare-after').innerText(), 'now', 'a live run is compared as it is now');
    assert.equal(await h.page.locator('.ft-compare tr[data-row="zombie-leak"]').getAttribute('data-verdict'), 'fixed');
    assert.equal(await h.page.locator('.ft-compare tr[data-row="zombie-leak"]').getAttribute('aria-label'), 'zombie-leak 1 → 0, fixed');

    // The run goes on: two more connections, one child not reaped yet, then the end.
    const snapshot = afterFix(2, 1);
    await h.send({
      type: 'delta',
      processes: snapshot.processes.slice(2),
      removed: [],
      folded: [],
      diagnostics: [],
      summary: snapshot.summary,
      duration: 1,
      ended: false,
      warningCount: 0,
    });
    await h.page.locator('.ft-compare tr[data-row="processes"] .ft-compare-after', { hasText: '4' }).waitFor();
    assert.deepEqual((await comparison(h)).zombies, ['zombies now', '3', '→', '1', '']);
    const ended = afterFix(3, 0, true);
    await h.send({ type: 'snapshot', snapshot: ended, trace: { ...AGAIN_INFO, status: 'ended', message: 'Stopped.' } });
    await h.page.locator('.ft-compare thead th.ft-compare-after', { hasText: 'after' }).waitFor();
    assert.deepEqual((await comparison(h)).zombies, ['zombies now', '3', '→', '0', '']);
    assert.deepEqual((await comparison(h))['zombie-leak'], ['zombie-leak', '1', '→', '0', 'fixed']);
  });

  test('the previous run’s title and end message are shown as text: markup in them makes no element and runs nothing', async () => {
    const h = await page();
    await h.send({
      type: 'snapshot',
      snapshot: afterFix(3),
      trace: { ...AGAIN_INFO, previous: { ...BEFORE_FIX, findings: { [MARKUP_ARGV]: 2 } as RunSummary['findings'] } },
    });
    await h.page.locator('.ft-compare').waitFor();
    await h.settle();
    assert.equal(
      await h.page.locator('.ft-compare-caption').innerText(),
      `Compared with the previous run of zombie_server 0 ${MARKUP_COMMAND} (${HOSTILE_MESSAGE})`,
    );
    // A finding kind this version does not know (a hostile or newer state): a row of text.
    assert.deepEqual((await comparison(h))[MARKUP_ARGV], [MARKUP_ARGV, '2', '→', '0', 'fixed']);
    await h.page.waitForTimeout(100); // an onerror would have fired by now
    assert.equal(await h.page.locator('img').count(), 0);
    assert.equal(await h.page.locator('b').count(), 0);
    assert.deepEqual(h.dialogs, []);
  });

  test('a run not started by Trace Again shows no comparison', async () => {
    const h = await page();
    await h.send({ type: 'snapshot', snapshot: smallTrace(), trace: SMALL_TRACE_INFO });
    await h.page.locator('.ft-row[data-id="107"]').waitFor();
    await h.settle();
    assert.equal(await h.page.locator('.ft-compare').isVisible(), false);
  });

  test('the comparison survives a reload: the saved state keeps it, shown before the host answers ready', async () => {
    const h = await page();
    await h.send({ type: 'snapshot', snapshot: afterFix(3, 0, true), trace: { ...AGAIN_INFO, status: 'ended', message: 'Stopped.' } });
    await h.page.locator('.ft-compare').waitFor();
    await h.page.waitForFunction(
      () => (globalThis as unknown as { __harness: { state?: { trace?: { previous?: unknown } } } }).__harness.state?.trace?.previous !== undefined,
      undefined,
      { timeout: 5000 },
    );
    await h.page.reload();
    await h.page.locator('.ft-compare tr[data-row="zombie-leak"][data-verdict="fixed"]').waitFor({ timeout: 2000 });
    assert.deepEqual(await h.posted(), [{ type: 'ready' }], 'shown from the saved state alone');
    assert.deepEqual((await comparison(h)).zombies, ['zombies now', '3', '→', '0', '']);
  });

  test('Fix… on a finding with fixes posts applyFix naming the finding; the preferred fix is named beside it; a finding without fixes shows why', async () => {
    const h = await page();
    const snapshot = smallTrace();
    snapshot.diagnostics[0]!.fixes = [reapFix, ignoreFix];
    snapshot.diagnostics[1]!.fixNote = FIX_NOTE;
    await h.send({ type: 'snapshot', snapshot, trace: { ...SMALL_TRACE_INFO, status: 'ended', canTraceAgain: true } });
    await h.page.locator('[data-id="100"]').click();
    const fix = h.page.locator('.ft-details vscode-button.ft-fix-button');
    await fix.waitFor();
    assert.equal(await fix.innerText(), 'Fix…');
    assert.equal(await h.page.locator('.ft-details .ft-fix-title').innerText(), `${reapFix.title} (or 1 other fix)`);
    await fix.click();
    const applied = (await h.posted()).filter((m): m is Extract<WebviewMessage, { type: 'applyFix' }> => m.type === 'applyFix');
    assert.deepEqual(applied, [{ type: 'applyFix', kind: 'zombie-leak', pid: 100, time: 0.2 }]);

    // The adopted daemon's finding has no fix: its note says why, as text; no button.
    await h.page.locator('[data-id="105"]').click();
    await h.page.locator('.ft-details .ft-fix-note').waitFor();
    assert.equal(await h.page.locator('.ft-details .ft-fix-note').innerText(), `No quick fix: ${FIX_NOTE}`);
    assert.equal(await h.page.locator('.ft-details vscode-button.ft-fix-button').count(), 0);
    assert.equal(await h.page.locator('.ft-details i').count(), 0);

    // The header's Trace Again posts traceAgain; nothing was opened on the way.
    await h.page.locator('vscode-button.ft-trace-again').click();
    const posted = await h.posted();
    assert.deepEqual(
      posted.filter((m) => m.type === 'traceAgain'),
      [{ type: 'traceAgain' }],
    );
    assert.deepEqual(
      posted.filter((m) => m.type === 'openProcess'),
      [],
    );
  });

  test('no CSP violation, console error or page error on any page above', async () => {
    for (const h of pages.opened) {
      const r = await h.record().catch(() => null);
      if (r) {
        assert.deepEqual(r.violations, []);
        assert.deepEqual(r.errors, []);
      }
      assert.deepEqual(h.consoleErrors, []);
      assert.deepEqual(h.pageErrors, []);
    }
  });
});
