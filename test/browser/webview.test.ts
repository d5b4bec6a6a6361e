// The panel's bundle in headless Chromium under the panel's strict CSP, driven by host
// messages as VS Code would send them: rows and their data attributes, markup shown
// as text, clicks and keys that post openProcess, deltas, filters, and no CSP report.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, type Harness } from './harness';
import { browserPages } from './pages';
import {
  ATTACHED_COMMAND,
  ATTACHED_TRACE_INFO,
  INFERRED_FORK_SITE,
  attachedTrace,
  FORK_SITE_NOTE,
  MARKUP_ARGV,
  MARKUP_COMMAND,
  proc,
  serverTrace,
  smallTrace,
  SMALL_TRACE_INFO,
} from './traces';
import type { WebviewMessage } from '../../src/shared/protocol';
import { renderSnapshot } from '../../src/cli/render';
import { lifeVariables } from '../../src/debug/variables';
import { describeExit, describeReap, exitWords, foldedGroupWords } from '../../src/shared/words';
import type { FoldedGroupJson } from '../../src/shared/schema';

const missing = chromiumMissing();
if (missing) console.log(`# browser tests skipped: ${missing}`);

describe('the panel in Chromium', { skip: missing || false }, () => {
  const pages = browserPages();

  /** A fresh page showing the small trace. */
  async function panel(): Promise<Harness> {
    const h = await pages.open();
    await h.send({ type: 'snapshot', snapshot: smallTrace(), trace: SMALL_TRACE_INFO });
    await h.page.locator('.ft-row[data-id="107"]').waitFor();
    await h.settle();
    return h;
  }

  const rowPids = (h: Harness, selector = '.ft-row') =>
    h.page.locator(selector).evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: Record<string, string> }).dataset.pid));
  const openProcesses = async (h: Harness): Promise<WebviewMessage[]> => (await h.posted()).filter((m) => m.type === 'openProcess');

  test('it says ready first, and after a snapshot zombie rows carry data-state="zombie" and their pids', async () => {
    const h = await panel();
    assert.deepEqual((await h.posted())[0], { type: 'ready' });
    assert.deepEqual(await rowPids(h), ['100', '101', '102', '103', '104', '105', '107']);
    assert.deepEqual(await rowPids(h, '[data-state="zombie"]'), ['101', '107']);
    assert.equal(await h.page.locator('[data-id="102"]').getAttribute('data-state'), 'reaped');
    assert.equal(await h.page.locator('[data-id="103"]').getAttribute('data-state'), 'running');
    assert.match(await h.page.locator('.ft-summary').innerText(), /7 processes.*3 running.*2 zombies now.*most zombies at once 2.*1 orphan/s);
  });

  test('markup in argv and command shows as literal text: no element is made from it and no dialog fires', async () => {
    const h = await panel();
    assert.equal(await h.page.locator('[data-id="101"] .ft-command').innerText(), MARKUP_COMMAND);
    await h.page.locator('[data-id="101"]').click();
    await h.settle();
    const argv = await h.page.locator('.ft-argv').innerText();
    assert.ok(argv.includes(MARKUP_ARGV), argv);
    assert.equal(await h.page.locator('.ft-details-command').innerText(), MARKUP_COMMAND);
    await h.page.waitForTimeout(100); // an onerror would have fired by now
    assert.equal(await h.page.locator('img').count(), 0);
    assert.equal(await h.page.locator('b').count(), 0);
    assert.deepEqual(h.dialogs, []);
  });

  test('clicking a zombie row posts openProcess with its id; another row is only selected', async () => {
    const h = await panel();
    await h.page.locator('[data-id="107"]').click();
    assert.deepEqual(await openProcesses(h), [{ type: 'openProcess', id: '107' }]);
    await h.page.locator('[data-id="102"]').click();
    await h.settle();
    assert.deepEqual(await openProcesses(h), [{ type: 'openProcess', id: '107' }]);
    assert.equal(await h.page.locator('[data-id="102"]').getAttribute('aria-selected'), 'true');
    assert.match(await h.page.locator('.ft-details').innerText(), /reaped by server \(pid 100\) at 0\.410 s/);
  });

  test('the details say what the CLI and the debug view say of the same process: its exit and its reaping', async () => {
    const h = await panel();
    const snapshot = smallTrace();
    const cli = renderSnapshot(snapshot, { color: false }).split('\n');
    for (const id of ['102', '107']) {
      const p = snapshot.processes.find((q) => q.id === id)!;
      await h.page.locator(`[data-id="${id}"]`).click();
      await h.settle();
      const details = await h.page.locator('.ft-details').innerText();
      const debug = new Map(lifeVariables(p, snapshot).map((v) => [v.name, v.value]));
      assert.ok(details.includes(`Exit\n${describeExit(p.exit)}\n`), details);
      assert.equal(debug.get('exit'), describeExit(p.exit));
      assert.ok(
        cli.some((l) => l.includes(` ${p.pid}  `) && l.includes(`  ${exitWords(p.exit)}  `)),
        cli.join('\n'),
      );
      if (p.reaped) {
        assert.ok(details.includes(describeReap(p.reaped, 'server')), details);
        assert.equal(debug.get('reaped'), describeReap(p.reaped, 'server'));
      }
    }
  });

  test('how the log was recorded is said above the details, as text and never folded away; only the other warnings are counted below', async () => {
    const h = await pages.open();
    const reason = 'this log follows one process only: strace ran without -f <b>bold</b>';
    await h.send({
      type: 'snapshot',
      snapshot: {
        ...smallTrace(),
        warnings: [
          { line: 3, reason, recording: true },
          { line: 9, reason: 'unrecognized line: junk' },
        ],
      },
      trace: SMALL_TRACE_INFO,
    });
    await h.page.locator('.ft-row[data-id="107"]').waitFor();
    await h.settle();
    const note = h.page.locator('.ft-recording');
    assert.ok(await note.isVisible(), 'the note is shown without a click');
    assert.equal(await note.innerText(), `line 3: ${reason}`);
    assert.equal(await h.page.locator('.ft-details b').count(), 0, 'markup in a reason is text');
    assert.equal(await h.page.locator('.ft-warnings summary').innerText(), '1 warning while reading the log');
    // Still there above a selected process's details.
    await h.page.locator('[data-id="102"]').click();
    await h.settle();
    assert.match(await h.page.locator('.ft-details').innerText(), /^line 3: this log follows one process only[^\n]*\n[\s\S]*pid 102/);
  });

  test('Enter on a focused row posts openProcess; arrows move, collapse and expand; / focuses search', async () => {
    const h = await panel();
    await h.page.locator('[data-id="102"]').click();
    await h.page.keyboard.press('ArrowDown');
    assert.equal(
      await h.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { dataset: { id?: string } } } }).document.activeElement.dataset.id),
      '103',
    );
    await h.page.keyboard.press('Enter');
    assert.deepEqual(await openProcesses(h), [{ type: 'openProcess', id: '103' }]);

    await h.page.keyboard.press('ArrowDown'); // 104, the double-forking daemon
    await h.page.keyboard.press('ArrowLeft');
    await h.settle();
    assert.equal(await h.page.locator('[data-id="105"]').count(), 0);
    assert.equal(await h.page.locator('[data-id="104"]').getAttribute('aria-expanded'), 'false');
    await h.page.keyboard.press('ArrowRight');
    await h.settle();
    assert.equal(await h.page.locator('[data-id="105"]').count(), 1);

    await h.page.keyboard.press('/');
    await h.page.keyboard.type('crash');
    await h.settle();
    assert.deepEqual(await rowPids(h), ['107']);
    await h.page.keyboard.press('Escape');
    await h.settle();
    assert.equal((await rowPids(h)).length, 7);
  });

  test('a delta adds a process row and updates a state', async () => {
    const h = await panel();
    const snapshot = smallTrace();
    const worker = snapshot.processes.find((p) => p.id === '103')!;
    const becameZombie = { ...worker, exit: { time: 1.1, code: 0, signal: null, core: false }, zombie: { from: 1.1, to: null }, state: 'zombie' as const };
    const newcomer = proc({ pid: 108, parentPid: 100, parentId: '100', command: 'late', start: 1.05 });
    await h.send({
      type: 'delta',
      processes: [becameZombie, newcomer],
      removed: [],
      folded: [],
      diagnostics: snapshot.diagnostics,
      summary: { ...snapshot.summary, processes: 8, zombiesAtEnd: 3, maxZombies: 3 },
      duration: 1.2,
      ended: false,
      warningCount: 0,
    });
    await h.page.locator('[data-id="108"]').waitFor();
    assert.equal(await h.page.locator('[data-id="108"]').getAttribute('data-pid'), '108');
    assert.equal(await h.page.locator('[data-id="103"]').getAttribute('data-state'), 'zombie');
    assert.deepEqual(await rowPids(h, '[data-state="zombie"]'), ['101', '103', '107']);
    assert.match(await h.page.locator('.ft-summary').innerText(), /8 processes.*3 zombies now/s);
  });

  test('a folded row says how many reaped children it stands for, last under its parent, its file name as text; a delta folds more and removes their rows', async () => {
    const h = await pages.open();
    const snapshot = smallTrace();
    const group: FoldedGroupJson = {
      id: 'folded-1',
      parentId: '100',
      parentPid: 100,
      forkSite: { file: `/work/${MARKUP_ARGV}.c`, line: 70, function: 'main' },
      count: 19_500,
      exits: [{ code: 0, signal: null, count: 19_500 }],
      zombieTime: { min: 0.0001, median: 0.0002, p99: 0.0009, max: 0.003 },
      first: 0.01,
      last: 0.09,
    };
    await h.send({ type: 'snapshot', snapshot: { ...snapshot, folded: [group] }, trace: SMALL_TRACE_INFO });
    const row = h.page.locator('.ft-row[data-folded="true"]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-id'), 'folded-1');
    assert.equal(await row.getAttribute('data-count'), '19500');
    assert.equal(await row.locator('.ft-command').innerText(), `19,500 more reaped children of 100, forked at ${MARKUP_ARGV}.c:70, zombie for 200 µs median`);
    assert.equal(foldedGroupWords(group), await row.locator('.ft-command').innerText(), 'the shared words, as the CLI prints them');
    // Last among 100's children: after 107, the last process row under it.
    const ids = await h.page.locator('.ft-row').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: Record<string, string> }).dataset.id));
    assert.deepEqual(ids, ['100', '101', '102', '103', '104', '105', '107', 'folded-1']);
    await h.page.waitForTimeout(100); // an onerror would have fired by now
    assert.equal(await h.page.locator('img').count(), 0);
    assert.deepEqual(h.dialogs, []);

    // The host folds 102 (reaped) into the group: its row goes, the count grows.
    await h.send({
      type: 'delta',
      processes: [],
      removed: ['102'],
      folded: [
        {
          ...group,
          count: 19_501,
          exits: [
            { code: 0, signal: null, count: 19_500 },
            { code: 3, signal: null, count: 1 },
          ],
        },
      ],
      diagnostics: snapshot.diagnostics,
      summary: snapshot.summary,
      duration: 1.2,
      ended: false,
      warningCount: 0,
    });
    await h.page.locator('.ft-row[data-folded="true"][data-count="19501"]').waitFor();
    assert.equal(await h.page.locator('[data-id="102"]').count(), 0);
    assert.match(await row.locator('.ft-command').innerText(), /^19,501 more reaped children of 100/);
    assert.match((await row.getAttribute('title')) ?? '', /exited with code 0 ×19,500; exited with code 3 ×1/);
    const { violations } = await h.record();
    assert.deepEqual(violations, []);
  });

  test('the zombies filter shows only zombie rows; reveal brings a hidden process back', async () => {
    const h = await panel();
    await h.page.locator('vscode-radio[data-filter="zombies"]').click();
    await h.settle();
    assert.deepEqual(await rowPids(h), ['101', '107']);
    assert.deepEqual(await h.page.locator('.ft-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state'))), ['zombie', 'zombie']);
    await h.send({ type: 'reveal', id: '105' });
    await h.page.locator('[data-id="105"][aria-selected="true"]').waitFor();
    assert.equal((await rowPids(h)).length, 7);
    const details = await h.page.locator('.ft-details').innerText();
    assert.match(details, /adopted by init \(systemd, pid 1\) at 0\.700 s/);
    assert.match(details, /No source location: daemon has no debug info/);
    // Why its fork site is unknown, as text: the markup in it is shown, not run.
    assert.ok(details.includes(`Fork site\n${FORK_SITE_NOTE}`), details);
  });

  test('a fork site the fast mode could not pin offers Trace again precisely, only when the host can run it', async () => {
    const h = await panel();
    await h.send({ type: 'reveal', id: '105' });
    await h.page.locator('[data-id="105"][aria-selected="true"]').waitFor();
    const offer = h.page.locator('.ft-details a', { hasText: 'Trace again precisely' });
    assert.equal(await offer.count(), 0, 'SMALL_TRACE_INFO does not say the host can trace precisely');

    await h.send({ type: 'trace', trace: { ...SMALL_TRACE_INFO, canTracePrecisely: true } });
    await offer.waitFor();
    // Beside the fork-site note only: the finding's note ("no debug info") is not one precise mode fixes.
    assert.equal(await offer.count(), 1);
    assert.equal(await offer.evaluate((a) => a.parentElement?.previousElementSibling?.textContent), 'Fork site');
    await offer.click();
    assert.deepEqual(
      (await h.posted()).filter((m) => m.type === 'tracePrecisely'),
      [{ type: 'tracePrecisely' }],
    );
    assert.deepEqual(await openProcesses(h), [], 'the link runs the trace; it opens nothing');
  });

  test('an attached trace: the attached line, Detach in place of Stop, "before" on what was there, markup in the command line as text', async () => {
    const h = await pages.open();
    await h.send({ type: 'snapshot', snapshot: attachedTrace(), trace: ATTACHED_TRACE_INFO });
    await h.page.locator('.ft-row[data-id="203"]').waitFor();
    await h.settle();
    const line = h.page.locator('.ft-attached');
    assert.ok(await line.isVisible());
    assert.equal(await line.innerText(), `Attached to pid 200 (${ATTACHED_COMMAND}): detaching leaves it running.`);
    const detach = h.page.locator('vscode-button.ft-stop');
    assert.equal(await detach.innerText(), 'Detach');
    assert.match((await detach.getAttribute('title')) ?? '', /pid 200 and its children run on, untraced/);
    // What was there before the attach carries the badge; the child forked after it does not.
    const before = await h.page.locator('.ft-row[data-before="true"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-pid')));
    assert.deepEqual(before, ['200', '201', '202', '204']);
    assert.ok(await h.page.locator('[data-id="201"] .ft-before').isVisible());
    assert.equal(await h.page.locator('[data-id="203"] .ft-before').isVisible(), false);
    // One strace never followed (forked as it attached) says so, and why, in its tooltip.
    assert.deepEqual(await Promise.all(['201', '204'].map((id) => h.page.locator(`[data-id="${id}"] .ft-before`).innerText())), ['before', 'untraced']);
    assert.match((await h.page.locator('[data-id="204"] .ft-before').getAttribute('title')) ?? '', /^not traced: forked as strace attached/);
    await h.page.locator('[data-id="204"]').click();
    await h.settle();
    const untraced = await h.page.locator('.ft-details').innerText();
    assert.match(untraced, /pid 204\s+srv\s+running\s+untraced/);
    assert.match(untraced, /Untraced\s+not traced: forked as strace attached, before strace reached its parent/);
    assert.doesNotMatch(untraced, /before the trace/);
    assert.equal(await h.page.locator('[data-id="200"] .ft-command').innerText(), ATTACHED_COMMAND);
    // Negative times read "before the trace", never "-3600.000 s".
    assert.match(await h.page.locator('[data-id="200"] .ft-lifetime').innerText(), /^before–…s$/);
    assert.equal(await h.page.locator('[data-id="201"] .ft-lifetime').innerText(), 'before');
    await h.page.locator('[data-id="200"]').click();
    await h.settle();
    const details = await h.page.locator('.ft-details').innerText();
    assert.match(details, /Started\s+3600\.000 s before the trace/);
    assert.match(details, /present before the trace \(started 3600\.000 s before the trace\); what it did until the attach is not in the trace/);
    assert.doesNotMatch(details, /-3600/);
    await h.page.locator('[data-id="201"]').click();
    await h.settle();
    const found = await h.page.locator('.ft-details').innerText();
    assert.match(found, /Zombie\s+zombie since before the trace \(its exit time is unknown\)/);
    // Its fork site was inferred, not seen: the line, and how it was found, as text.
    assert.ok(found.includes(`Fork site\nsrv.c:70 (main) — ${INFERRED_FORK_SITE}`), found);
    assert.equal(await h.page.locator('.ft-details b').count(), 0);
    await h.page.locator('[data-id="202"]').click();
    await h.settle();
    assert.match(await h.page.locator('.ft-details').innerText(), /zombie from before the trace to 0\.500 s/);
    await h.page.waitForTimeout(100); // an onerror would have fired by now
    assert.equal(await h.page.locator('img').count(), 0);
    assert.deepEqual(h.dialogs, []);

    await detach.click();
    assert.ok((await h.posted()).some((m) => m.type === 'stop'));
    const message = 'Detached from pid 200: the picture was taken, and it keeps running, untraced.';
    await h.send({ type: 'trace', trace: { ...ATTACHED_TRACE_INFO, status: 'ended', message, canTraceAgain: true } });
    await h.settle();
    assert.equal(await line.isVisible(), false, 'the attached line goes with the attach');
    assert.equal(await h.page.locator('.ft-trace-message').innerText(), message);
    assert.equal(await detach.getAttribute('disabled'), '');
    assert.equal(await h.page.locator('vscode-button.ft-trace-again').innerText(), 'Attach again');
  });

  test('Stop posts stop while running; once ended it is disabled and Trace Again shows when the host can trace again', async () => {
    const h = await panel();
    assert.equal(await h.page.locator('vscode-button.ft-stop').innerText(), 'Stop');
    assert.equal(await h.page.locator('.ft-attached').isVisible(), false);
    await h.page.locator('vscode-button.ft-stop').click();
    assert.ok((await h.posted()).some((m) => m.type === 'stop'));
    const stopped = { ...SMALL_TRACE_INFO, status: 'ended', message: 'Stopped: every process of the trace was killed.' } as const;
    await h.send({ type: 'trace', trace: stopped });
    await h.settle();
    assert.equal(await h.page.locator('vscode-button.ft-stop').getAttribute('disabled'), '');
    const again = h.page.locator('vscode-button.ft-trace-again');
    assert.equal(await again.isVisible(), false, 'a trace the host cannot trace again (a log, a restored panel) has no Trace Again');
    assert.match(await h.page.locator('.ft-trace-message').innerText(), /every process of the trace was killed/);
    await h.send({ type: 'trace', trace: { ...stopped, canTraceAgain: true } });
    await again.waitFor();
    assert.equal(await again.innerText(), 'Trace Again');
    await again.click();
    assert.deepEqual(
      (await h.posted()).filter((m) => m.type === 'traceAgain'),
      [{ type: 'traceAgain' }],
    );
  });

  test('the timeline zooms and pans; panning a live trace turns follow-live off and the button back on', async () => {
    const h = await panel();
    const canvas = h.page.locator('canvas.ft-timeline-canvas');
    const box = (await canvas.boundingBox())!;
    await h.page.mouse.move(box.x + box.width / 2, box.y + 100);
    await h.page.mouse.wheel(0, -300);
    await h.page.keyboard.press('+');
    assert.equal(await h.page.locator('vscode-button.ft-follow').isVisible(), false);
    await h.page.mouse.down();
    await h.page.mouse.move(box.x + box.width / 2 - 120, box.y + 100, { steps: 4 });
    await h.page.mouse.up();
    await h.settle();
    assert.ok(await h.page.locator('vscode-button.ft-follow').isVisible());
    await h.page.locator('vscode-button.ft-follow').click();
    await h.settle();
    assert.equal(await h.page.locator('vscode-button.ft-follow').isVisible(), false);
  });

  test('a reload shows the last picture at once, before the host answers ready', async () => {
    const h = await panel();
    await h.page.locator('[data-id="102"]').click();
    // The click's own save, not an earlier one of the first picture (which may come first on a busy machine).
    await h.page.waitForFunction(
      () => (globalThis as unknown as { __harness: { state?: { selectedId: string | null } } }).__harness.state?.selectedId === '102',
      undefined,
      {
        timeout: 5000,
      },
    );
    await h.page.reload();
    await h.page.locator('.ft-row[data-id="107"]').waitFor({ timeout: 2000 });
    assert.deepEqual(await h.posted(), [{ type: 'ready' }]);
    assert.equal(await h.page.locator('[data-id="102"]').getAttribute('aria-selected'), 'true');
    // A delta before this page's first snapshot belongs to another picture: ignored.
    await h.send({
      type: 'delta',
      processes: [proc({ pid: 999 })],
      removed: [],
      folded: [],
      diagnostics: [],
      summary: smallTrace().summary,
      duration: 2,
      ended: false,
      warningCount: 0,
    });
    await h.settle();
    assert.equal(await h.page.locator('[data-id="999"]').count(), 0);
  });

  test('10,000 processes: only the rows in view are in the DOM, and scrolling brings the last one', async () => {
    const h = await pages.open();
    const big = serverTrace({ processes: 10_000 });
    await h.send({ type: 'snapshot', snapshot: big, trace: { title: 'prefork', status: 'ended', message: null } });
    await h.page.locator('.ft-row').first().waitFor();
    const inDom = await h.page.locator('.ft-row').count();
    assert.ok(inDom > 10 && inDom < 200, `${inDom} rows in the DOM`);
    await h.page.locator('.ft-tree-viewport').evaluate((v) => {
      v.scrollTop = v.scrollHeight;
    });
    await h.page.locator('.ft-row[aria-posinset="10000"]').waitFor();
    assert.equal(await h.page.locator('.ft-row[aria-posinset="1"]').count(), 0);
    const zombies = big.processes.filter((p) => p.state === 'zombie').length;
    await h.page.locator('vscode-radio[data-filter="zombies"]').click();
    await h.settle();
    assert.match(await h.page.locator('.ft-summary').innerText(), new RegExp(`${zombies} zombies now`));
    assert.ok((await h.page.locator('.ft-row[data-state="zombie"]').count()) > 0);
    assert.equal(await h.page.locator('.ft-row:not([data-state="zombie"])').count(), 0);
  });

  test('nothing above broke the CSP: no violation report, no console error, no page error', async () => {
    const h = await panel();
    await h.page.locator('[data-id="101"]').click();
    await h.page.locator('[data-id="105"]').click();
    await h.page.locator('.ft-link').first().click();
    await h.settle();
    const record = await h.record();
    assert.deepEqual(record.violations, []);
    assert.deepEqual(record.errors, []);
    for (const other of pages.opened) {
      const r = await other.record().catch(() => null);
      if (r) assert.deepEqual(r.violations, [], 'a CSP violation in an earlier test');
      assert.deepEqual(other.consoleErrors, []);
      assert.deepEqual(other.pageErrors, []);
    }
  });

  test('the harness does report a violation: an inline style is refused and recorded', async () => {
    const h = await pages.open();
    await h.page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { body: { insertAdjacentHTML(where: string, html: string): void } } }).document;
      doc.body.insertAdjacentHTML('beforeend', '<div style="color: red">inline</div>');
    });
    await h.page.waitForFunction(() => (globalThis as unknown as { __harness: { violations: unknown[] } }).__harness.violations.length > 0, undefined, {
      timeout: 2000,
    });
    const { violations } = await h.record();
    assert.match(violations[0]!.directive, /^style-src/);
    await pages.close(h);
  });
});
