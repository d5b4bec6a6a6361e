#!/usr/bin/env node
// `npm run bench`: builds the examples, the test programs and dist/cli.js, runs the
// tracing-overhead bench and the parser bench, then prints the headline figures.
// Each bench also runs alone: node bench/overhead.mjs, node bench/parser.mjs.
//
// Environment: BENCH_CONNECTIONS (2000), BENCH_RUNS (7), BENCH_PARSER_LINES (500000),
// BENCH_CPU_PROF=DIR (a node --cpu-prof of forktrace's timed overhead run),
// BENCH_BASELINE_CLI=/path/to/an/older/dist/cli.js (measured beside, for a before/after),
// BENCH_SKIP_PRECISE=1 (leaves out the precise-mode trace, the slowest),
// BENCH_FOLD=1 (also bench/fold.mjs: memory of long live traces, minutes; its own BENCH_FOLD_* apply),
// STRACE_PROCESS_TREE=/path/to/strace_process_tree.py (the peer; skipped when unset).
import { main as overhead } from './overhead.mjs';
import { main as parser } from './parser.mjs';
import { build, fmtRate, killTagged, now, procCheck } from './lib.mjs';

const started = now();
let o = null;
let p = null;
const failures = [];
try {
  build();
  try {
    o = await overhead({ standalone: false });
  } catch (e) {
    failures.push(`overhead: ${e.message}`);
    console.error(`bench/overhead failed: ${e.stack ?? e}`);
  }
  try {
    p = await parser({ standalone: false });
  } catch (e) {
    failures.push(`parser: ${e.message}`);
    console.error(`bench/parser failed: ${e.stack ?? e}`);
  }
} finally {
  await killTagged();
}

const lines = ['', '== Summary'];
if (o) {
  lines.push(`overhead (${o.connections} sequential connections to reap_loop_server, median of ${o.runs} interleaved runs):`);
  for (const c of Object.values(o.configs)) lines.push(`  ${c.label.padEnd(42)} ${c.median.toFixed(3)} s  ${c.ratio.toFixed(2)}x bare`);
  for (const c of Object.values(o.configs)) if (c.check) lines.push(`  ${c.check.line}`);
  lines.push(`  ${o.targetLine}`);
  lines.push(`  ${o.onStraceLine}`);
  if (o.baselineLine) lines.push(`  ${o.baselineLine}`);
  if (o.breakdown) {
    const top = o.breakdown.stages.slice(0, 6).map((x) => `${x.stage} ${x.ms.toFixed(0)} ms`);
    lines.push(`  forktrace's own time (timed run): ${top.join(', ')}`);
  }
}
if (p) {
  lines.push(
    `parser (forktrace analyze, median of ${p.runs} runs): ${p.ours.median.toFixed(3)} s, ${fmtRate(p.ours.linesPerSec)} lines/s, ${p.ours.mbPerSec.toFixed(1)} MB/s, peak RSS ${p.ours.rssMiB?.toFixed(0) ?? '?'} MiB`,
  );
  lines.push(`  with --json FILE: ${p.oursJson.median.toFixed(3)} s, peak RSS ${p.oursJson.rssMiB?.toFixed(0) ?? '?'} MiB; ${p.processes} processes`);
  if (p.baselineJson)
    lines.push(`  with --json FILE, BENCH_BASELINE_CLI: ${p.baselineJson.median.toFixed(3)} s, peak RSS ${p.baselineJson.rssMiB?.toFixed(0) ?? '?'} MiB`);
  if (p.peer)
    lines.push(
      `  peer strace-process-tree: ${p.peer.median.toFixed(3)} s, ${fmtRate(p.peer.linesPerSec)} lines/s, ${p.peer.mbPerSec.toFixed(1)} MB/s, peak RSS ${p.peer.rssMiB?.toFixed(0) ?? '?'} MiB; ${p.peerProcesses ?? '?'} processes (reused pids merged)`,
    );
  lines.push(`  ${p.targetLine}`);
  if (p.leanLine) lines.push(`  ${p.leanLine}`);
  if (p.pidReuseLine) lines.push(`  ${p.pidReuseLine}`);
}
for (const f of failures) lines.push(`FAILED ${f}`);
// Memory of long live traces (folding against --keep all): minutes of tracing, so asked for.
if (process.env.BENCH_FOLD === '1') {
  const { spawnSync } = await import('node:child_process');
  const fold = spawnSync(process.execPath, [new URL('./fold.mjs', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  const figures = (fold.stdout ?? '').split('\n');
  const from = figures.findIndex((l) => l.startsWith('load average'));
  lines.push('', 'flat memory (bench/fold.mjs):', ...(from >= 0 ? figures.slice(from) : figures));
  if (fold.status !== 0) failures.push('fold');
}
const pc = await procCheck();
lines.push(pc.line);
lines.push(`total ${((now() - started) / 1000).toFixed(0)} s`);
console.log(lines.join('\n'));
if (failures.length > 0 || !pc.ok) process.exitCode = 1;
