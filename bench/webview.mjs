#!/usr/bin/env node
// The panel at scale (issue 4, "Scale"): the production webview bundle in headless
// Chromium outside VS Code (test/browser/harness.html: the panel's CSP, a stand-in
// acquireVsCodeApi), on a generated prefork-server trace of 10,000 processes and
// 100,000 strace events. Prints:
//   - first render: posting the snapshot → tree rows and timeline drawn (target < 1 s)
//   - pan + zoom: 3 s of continuous wheel zoom, shift+wheel pan and drag, real input
//     events; frame times from requestAnimationFrame timestamps in the page (target 60 fps)
//   - live deltas: 100 deltas (one per 100 ms of trace) → rendered
//   - bundle sizes of dist/webview.js and dist/webview.css
//
//   node bench/webview.mjs      BENCH_PROCESSES (default 10000), BENCH_RUNS (first-render runs, default 3)
//
// Needs /usr/bin/chromium (Debian's chromium package).
/* global window, document, performance, requestAnimationFrame, MessageChannel, WheelEvent -- in page.evaluate callbacks */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FIRST_RENDER_TARGET_MS = 1000;
const FRAME_TARGET_MS = 1000 / 60;

function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number (got ${JSON.stringify(raw)})`);
  return n;
}

function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const ms = (x) => `${x.toFixed(1)} ms`;
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const verdict = (ok) => (ok ? 'ok' : 'MISSED');

/** Posts a host message in the page and resolves when the frame that drew it has run (and the next has begun). */
function postAndTime(page, expression) {
  return page.evaluate((expr) => {
    return new Promise((resolve) => {
      const message = window.__bench[expr];
      const t0 = performance.now();
      // Registered after the panel's own listener, so it runs after the panel handled the message;
      // its rAF runs after the panel's rAF in the same frame.
      window.addEventListener(
        'message',
        () => {
          const handled = performance.now();
          requestAnimationFrame(() => {
            void document.body.offsetHeight; // layout of what the frame produced
            const rendered = performance.now();
            requestAnimationFrame(() => resolve({ handled: handled - t0, rendered: rendered - t0, painted: performance.now() - t0 }));
          });
        },
        { once: true },
      );
      window.postMessage(message, '*');
    });
  }, expression);
}

/**
 * Records requestAnimationFrame timestamps, and each frame's main-thread cost (from the
 * frame's first callback to a task queued then, which runs after style, layout and
 * paint). With `script`, every frame also zooms, pans and scrolls the lanes.
 */
function startRecording(page, script) {
  return page.evaluate((script) => {
    const rec = (window.__rec = { frames: [], work: [], events: 0, on: true });
    const channel = new MessageChannel();
    channel.port1.onmessage = (e) => rec.work.push(performance.now() - e.data);
    const canvas = document.querySelector('canvas.ft-timeline-canvas');
    const viewport = document.querySelector('.ft-tree-viewport');
    let k = 0;
    const tick = (ts) => {
      if (!rec.on) return;
      requestAnimationFrame(tick);
      rec.frames.push(ts);
      channel.port2.postMessage(performance.now());
      if (!script) return;
      const zoomIn = k % 90 < 45;
      const at = { clientX: script.clientX + Math.sin(k / 11) * 200, clientY: script.clientY, bubbles: true, cancelable: true };
      canvas.dispatchEvent(new WheelEvent('wheel', { ...at, deltaY: zoomIn ? -40 : 40 }));
      canvas.dispatchEvent(new WheelEvent('wheel', { ...at, deltaY: k % 60 < 30 ? 25 : -25, shiftKey: true }));
      viewport.scrollTop += k % 180 < 90 ? 22 : -22;
      rec.events += 3;
      k++;
    };
    requestAnimationFrame(tick);
  }, script);
}

async function stopRecording(page) {
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
  const rec = await page.evaluate(() => {
    window.__rec.on = false;
    return window.__rec;
  });
  const intervals = rec.frames.slice(1).map((t, i) => t - rec.frames[i]);
  return { intervals, work: rec.work, span: rec.frames[rec.frames.length - 1] - rec.frames[0], events: rec.events };
}

async function main() {
  const processes = envInt('BENCH_PROCESSES', 10_000);
  const runs = envInt('BENCH_RUNS', 3);
  const { Harness, buildWebview, chromiumMissing } = await import('../test/browser/harness.ts');
  const traces = await import('../test/browser/traces.ts');
  const missing = chromiumMissing();
  if (missing) {
    console.error(missing);
    process.exit(2);
  }

  console.log('building: node esbuild.mjs --production');
  const build = spawnSync(process.execPath, [join(root, 'esbuild.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    // Another bundle may be mid-edit; the webview's own bundle is what this bench measures.
    console.log('the full build failed (above); building the webview bundle alone, as --production does');
    await buildWebview(true);
  }

  // What was just built is what is measured and served, whatever rebuilds dist/ meanwhile.
  const bundle = { js: readFileSync(join(root, 'dist', 'webview.js')), css: readFileSync(join(root, 'dist', 'webview.css')) };

  const full = traces.serverTrace({ processes, duration: 60 });
  const connections = full.processes.filter((p) => p.command !== 'prefork').length;
  const events = connections * traces.EVENTS_PER_CONNECTION;
  const marks = traces.countMarks(full.processes);
  const zombies = full.processes.filter((p) => p.state === 'zombie').length;
  const orphans = full.processes.filter((p) => p.adoptedBy.length > 0).length;
  const snapshotBytes = Buffer.byteLength(JSON.stringify(full));
  console.log(
    `trace: ${full.processes.length.toLocaleString('en-US')} processes, ${events.toLocaleString('en-US')} strace events ` +
      `(${traces.EVENTS_PER_CONNECTION} per connection child), ${marks.toLocaleString('en-US')} timeline marks, ` +
      `${zombies} zombies, ${orphans} orphans, ${full.diagnostics.length} diagnostics, snapshot ${kb(snapshotBytes)} of JSON`,
  );

  const browser = await Harness.launch();
  const results = {};
  try {
    // 1. First render, in fresh pages.
    const firsts = [];
    for (let run = 0; run < runs; run++) {
      const h = await Harness.open({ browser, bundle, width: 1280, height: 800 });
      await h.page.evaluate((snapshot) => {
        window.__bench = { snapshot: { type: 'snapshot', snapshot, trace: { title: 'prefork --workers 8', status: 'running', message: null } } };
      }, full);
      const t = await postAndTime(h.page, 'snapshot');
      const rows = await h.page.locator('.ft-row').count();
      if (rows === 0) throw new Error('no rows after the snapshot');
      firsts.push(t);
      await h.close();
    }
    results.first = firsts;

    // 2. Pan and zoom for 3 s, frames timed in the page: (a) real input events through
    //    the browser's input pipeline, as fast as the driver sends them; (b) a scripted
    //    zoom + pan + vertical scroll on every single frame, the worst case.
    const h = await Harness.open({ browser, bundle, width: 1280, height: 800 });
    await h.page.evaluate((snapshot) => {
      window.__bench = { snapshot: { type: 'snapshot', snapshot, trace: { title: 'prefork --workers 8', status: 'ended', message: null } } };
    }, full);
    await postAndTime(h.page, 'snapshot');
    const canvas = await h.page.locator('canvas.ft-timeline-canvas').boundingBox();
    if (!canvas) throw new Error('no timeline canvas');
    const cx = canvas.x + canvas.width / 2;
    const cy = canvas.y + Math.min(300, canvas.height / 2);

    await startRecording(h.page, null);
    await h.page.mouse.move(cx, cy);
    const started = Date.now();
    let step = 0;
    let inputs = 0;
    while (Date.now() - started < 3000) {
      const phase = step % 6;
      const x = cx + Math.sin(step / 7) * canvas.width * 0.3;
      if (phase === 0 || phase === 1) {
        await h.page.mouse.move(x, cy);
        await h.page.mouse.wheel(0, step % 24 < 12 ? -120 : 120); // zoom in, then out
      } else if (phase === 2 || phase === 3) {
        await h.page.keyboard.down('Shift');
        await h.page.mouse.wheel(0, step % 12 < 6 ? 90 : -90); // pan
        await h.page.keyboard.up('Shift');
      } else {
        // drag: pans the time axis and scrolls the lanes (and the tree) vertically
        await h.page.mouse.move(x, cy);
        await h.page.mouse.down();
        for (let k = 1; k <= 4; k++) await h.page.mouse.move(x - k * 15, cy + (step % 12 < 6 ? k * 20 : -k * 20));
        await h.page.mouse.up();
        inputs += 4;
      }
      inputs++;
      step++;
    }
    results.real = { ...(await stopRecording(h.page)), inputs };

    await startRecording(h.page, { x: cx - canvas.x, y: cy - canvas.y, clientX: cx, clientY: cy });
    await h.page.waitForTimeout(3000);
    results.scripted = await stopRecording(h.page);
    results.scrolled = await h.page.locator('.ft-tree-viewport').evaluate((v) => v.scrollTop);

    // 3. Live deltas: the trace cut at 50 s, then 100 deltas to its end at 60 s.
    const cutAt = 50;
    const deltas = traces.deltasBetween(full, cutAt, 60, 0.1);
    const live = traces.snapshotAsOf(full, cutAt);
    await h.page.evaluate(
      ([snapshot, list]) => {
        window.__bench = { snapshot: { type: 'snapshot', snapshot, trace: { title: 'prefork --workers 8', status: 'running', message: null } } };
        list.forEach((d, i) => (window.__bench[`delta${i}`] = d));
      },
      [live, deltas],
    );
    await postAndTime(h.page, 'snapshot');
    const deltaTimes = [];
    for (let i = 0; i < deltas.length; i++) deltaTimes.push((await postAndTime(h.page, `delta${i}`)).rendered);
    results.deltas = deltaTimes;
    results.deltaSizes = deltas.map((d) => d.processes.length);
    const shown = await h.page.locator('.ft-summary').innerText();
    results.summary = shown.replace(/\s+/g, ' ');

    // 4. The same 10 s again at the pace of a live trace (a delta every 100 ms): how often
    // the panel saves its state, what one save costs (the whole picture as JSON, as VS
    // Code's setState makes it), and the longest frame meanwhile.
    await postAndTime(h.page, 'snapshot');
    results.paced = await h.page.evaluate(
      (count) =>
        new Promise((resolve) => {
          const saves0 = window.__harness.setStateCount;
          const t0 = performance.now();
          let last = t0;
          let longest = 0;
          let running = true;
          const frame = (t) => {
            longest = Math.max(longest, t - last);
            last = t;
            if (running) requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
          let i = 0;
          const next = () => {
            if (i < count) {
              window.postMessage(window.__bench[`delta${i++}`], '*');
              setTimeout(next, 100);
              return;
            }
            running = false;
            const costs = [];
            for (let k = 0; k < 3; k++) {
              const c = performance.now();
              JSON.stringify(window.__harness.state);
              costs.push(performance.now() - c);
            }
            costs.sort((a, b) => a - b);
            resolve({ seconds: (performance.now() - t0) / 1000, saves: window.__harness.setStateCount - saves0, saveMs: costs[1], longestFrame: longest });
          };
          next();
        }),
      deltas.length,
    );
    const record = await h.record();
    results.violations = record.violations.length + h.consoleErrors.length + h.pageErrors.length;
    await h.close();
  } finally {
    await browser.close();
  }

  // Report.
  const first = results.first.map((t) => t.rendered);
  const painted = results.first.map((t) => t.painted);
  const firstMedian = percentile(first, 50);
  console.log('');
  console.log(`first render (post snapshot → rows and timeline drawn), ${runs} fresh pages:`);
  console.log(
    `  ${first.map(ms).join(', ')}  (median ${ms(firstMedian)}; painted ${ms(percentile(painted, 50))}; message handled ${ms(
      percentile(
        results.first.map((t) => t.handled),
        50,
      ),
    )})  target < ${FIRST_RENDER_TARGET_MS} ms: ${verdict(Math.max(...first) < FIRST_RENDER_TARGET_MS)}`,
  );

  const frameLine = (label, r, extra) => {
    const median = percentile(r.intervals, 50);
    const p95 = percentile(r.intervals, 95);
    const fps = (r.intervals.length / r.span) * 1000;
    console.log(`pan + zoom, ${label}: ${(r.span / 1000).toFixed(2)} s, ${extra}`);
    console.log(
      `  ${r.intervals.length} frames, ${fps.toFixed(1)} fps; frame time median ${ms(median)}, p95 ${ms(p95)} (p5 ${(1000 / p95).toFixed(1)} fps), worst ${ms(Math.max(...r.intervals))}; ` +
        `main-thread work per frame median ${ms(percentile(r.work, 50))}, p95 ${ms(percentile(r.work, 95))}  target 60 fps: ${verdict(median <= FRAME_TARGET_MS + 1 && p95 <= FRAME_TARGET_MS * 1.5)}`,
    );
  };
  frameLine('real input', results.real, `${results.real.inputs} input events (wheel zoom, shift+wheel pan, drags)`);
  frameLine(
    'every frame',
    results.scripted,
    `${results.scripted.events} scripted events (zoom + pan + lanes scrolled 22 px, each frame; lanes at ${Math.round(results.scrolled)} px)`,
  );

  const d = results.deltas;
  const sizes = results.deltaSizes;
  console.log(`live deltas: ${d.length} deltas of ${Math.min(...sizes)}–${Math.max(...sizes)} processes (median ${percentile(sizes, 50)}), post → drawn:`);
  console.log(`  median ${ms(percentile(d, 50))}, p95 ${ms(percentile(d, 95))}, worst ${ms(Math.max(...d))}; after the last: ${results.summary}`);

  const p = results.paced;
  console.log(
    `live pace: ${d.length} deltas over ${p.seconds.toFixed(1)} s: ${p.saves} state saves (one is ${ms(p.saveMs)} of JSON for the whole picture), longest frame ${ms(p.longestFrame)}`,
  );

  const { js, css } = bundle;
  console.log(
    `bundle (production): dist/webview.js ${kb(js.length)} (${kb(gzipSync(js).length)} gzip), dist/webview.css ${kb(css.length)} (${kb(gzipSync(css).length)} gzip)`,
  );
  console.log(`CSP violations, console errors and page errors during the bench: ${results.violations}`);
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; headless Chromium with --disable-gpu (software raster and canvas)`,
  );
  if (results.violations > 0) process.exitCode = 1;
}

// The harness and the trace generator are TypeScript: run under tsx (a devDependency).
if (process.env.FORKTRACE_BENCH_UNDER_TSX === '1') {
  await main();
} else {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, FORKTRACE_BENCH_UNDER_TSX: '1' },
  });
  process.exit(child.status ?? 1);
}
