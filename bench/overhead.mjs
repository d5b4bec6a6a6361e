#!/usr/bin/env node
// Tracing overhead: examples/reap_loop_server (fork per connection, SIGCHLD handler
// with a reaping loop) driven by N sequential loopback connections, bare and under
// every way of tracing it. The figure is the wall time of the whole client run, from
// the first connect to the last close (design.md §3 measured the same thing).
//
//   node bench/overhead.mjs        BENCH_CONNECTIONS (default 2000), BENCH_RUNS (default 7),
//                                  BENCH_KEEP_JSON=DIR keeps forktrace's --json of every run
//
// Runs are interleaved (round-robin over the configurations) to spread machine noise.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  benchEnv,
  build,
  childNamed,
  childrenOf,
  cliPath,
  cpuSeconds,
  envInt,
  exited,
  killTagged,
  now,
  finishBench,
  runIfMain,
  root,
  runClients,
  serverPath,
  startListening,
  stats,
  stopChild,
  straceInfo,
  table,
  traceSet,
  within,
} from './lib.mjs';

export const TARGET_RATIO = 3.5;
/** forktrace trace on top of plain strace with forktrace's own strace command line (issue 20). */
export const TARGET_ON_STRACE = 1.1;

/**
 * forktrace's own strace command line, as FORKTRACE_TIMINGS reports it (src/tracer/timings.ts),
 * with the output to /dev/null: plain strace doing exactly what forktrace's strace does.
 */
function forktraceStraceArgs(tmp) {
  const file = join(tmp, 'argv-timings.json');
  const r = spawnSync(process.execPath, [cliPath, 'trace', '--no-color', '--', '/bin/true'], {
    cwd: root,
    env: { ...benchEnv, FORKTRACE_TIMINGS: file },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`forktrace trace -- /bin/true exited with ${r.status}: ${r.stderr}`);
  const argv = JSON.parse(readFileSync(file, 'utf8')).facts.strace;
  const end = argv.indexOf('--');
  const args = argv.slice(1, end);
  const o = args.indexOf('-o');
  if (end < 0 || o < 0) throw new Error(`unexpected strace command line from forktrace: ${argv.join(' ')}`);
  args[o + 1] = '/dev/null';
  return { strace: argv[0], args };
}

function configurations(tmp) {
  const info = straceInfo();
  const set = traceSet();
  const defaultArgs = ['-f', '-ttt', '-q', ...(info.seccompBpf ? ['--seccomp-bpf'] : []), '-e', `trace=${set.join(',')}`, '-o', '/dev/null'];
  const same = forktraceStraceArgs(tmp);
  const cli =
    (extra, path = cliPath) =>
    (run) => [process.execPath, [path, 'trace', '--no-color', ...extra, '--json', join(tmp, `${run}.json`), '--', serverPath]];
  // BENCH_BASELINE_CLI=/path/to/an/older/dist/cli.js: the same run with another build, for a before/after under one load.
  const baseline = process.env.BENCH_BASELINE_CLI || null;
  return [
    ...(baseline ? [{ key: 'b0', label: '(b0) forktrace trace, BENCH_BASELINE_CLI', kind: 'forktrace', check: true, command: cli([], baseline) }] : []),
    { key: 'a', label: '(a) bare', kind: 'bare', command: () => [serverPath, []] },
    { key: 'b', label: '(b) forktrace trace (fast, default)', kind: 'forktrace', check: true, command: cli([]) },
    // BENCH_SKIP_PRECISE=1 leaves (c) out: strace -k on every call is the slowest by far.
    ...(process.env.BENCH_SKIP_PRECISE
      ? []
      : [{ key: 'c', label: '(c) forktrace trace --stack-mode precise', kind: 'forktrace', check: true, command: cli(['--stack-mode', 'precise']) }]),
    {
      key: 'd',
      label: "(d) strace -f, default mode's set",
      kind: 'strace',
      command: () => ['strace', [...defaultArgs, '--', serverPath]],
      shown: `strace ${defaultArgs.join(' ')}`,
    },
    {
      key: 's',
      label: "(s) strace, forktrace's own command line",
      kind: 'strace',
      command: () => [same.strace, [...same.args, '--', serverPath]],
      shown: `${same.strace} ${same.args.join(' ')} (identical to forktrace's, output to /dev/null)`,
    },
    {
      key: 'e',
      label: '(e) strace -f -ttt (every syscall)',
      kind: 'strace',
      command: () => ['strace', ['-f', '-ttt', '-o', '/dev/null', '--', serverPath]],
      shown: 'strace -f -ttt -o /dev/null',
    },
  ];
}

/** One run of one configuration: start, wait for "listening on", time the clients, stop. */
async function runOnce(config, runId, connections, { env = {}, nodeFlags = [] } = {}) {
  const [cmd, args0] = config.command(runId);
  const args = cmd === process.execPath ? [...nodeFlags, ...args0] : args0;
  const { child, port } = await startListening(cmd, args, { env });
  try {
    // Who is who, for CPU accounting: the forktrace CLI (node), strace, the server.
    let straceP = null;
    if (config.kind === 'forktrace') straceP = childNamed(child.pid, 'strace');
    if (config.kind === 'strace') straceP = child.pid;
    const cliP = config.kind === 'forktrace' ? child.pid : null;
    const cpu0 = { cli: cliP && cpuSeconds(cliP), strace: straceP && cpuSeconds(straceP), client: process.cpuUsage() };

    const t0 = now();
    const result = await runClients({ port, count: connections, parallel: 1 });
    const seconds = (now() - t0) / 1000;

    const cpu = {
      cli: cliP ? (cpuSeconds(cliP) ?? NaN) - cpu0.cli : null,
      strace: straceP ? (cpuSeconds(straceP) ?? NaN) - cpu0.strace : null,
      client: (() => {
        const u = process.cpuUsage(cpu0.client);
        return (u.user + u.system) / 1e6;
      })(),
    };
    if (result.failed > 0)
      throw new Error(`${config.label}: ${result.failed} of ${connections} connections failed (${[...new Set(result.errors)].slice(0, 3).join('; ')})`);

    // Stop. forktrace: SIGINT to the CLI (it takes the picture, then kills the tree).
    // strace: SIGTERM to the server (strace's child); strace exits with its last tracee.
    const t1 = now();
    let stopped;
    if (config.kind === 'forktrace') stopped = await stopChild(child, 'SIGINT', 60_000);
    else if (config.kind === 'strace') {
      const server = childrenOf(child.pid)[0];
      if (server) process.kill(server, 'SIGTERM');
      else child.kill('SIGTERM');
      stopped = await within(
        exited(child).then((r) => ({ ...r, killed: false })),
        20_000,
      );
      if (!stopped) stopped = await stopChild(child, 'SIGKILL', 5_000);
    } else stopped = await stopChild(child, 'SIGTERM');
    const stopSeconds = (now() - t1) / 1000;
    if (stopped.killed) throw new Error(`${config.label}: did not exit after the stop signal; killed`);
    if (config.kind === 'forktrace' && stopped.code !== 0) throw new Error(`${config.label}: forktrace exited with ${stopped.code ?? stopped.signal}`);
    return { seconds, stopSeconds, cpu };
  } finally {
    if (child.exitCode === null && child.signalCode === null) await stopChild(child, 'SIGKILL', 5_000);
  }
}

/** What --json wrote: process count and the first child's fork site. */
function checkJson(file, connections) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const count = snap.processes.length;
  const site = snap.processes[1]?.forkSite ?? null;
  const siteOk = site !== null && typeof site.file === 'string' && site.file.endsWith('reap_loop_server.c');
  const expected = connections + 1;
  const countOk = Math.abs(count - expected) <= Math.max(1, Math.round(connections * 0.01));
  // Anything but the server and its N children is suspect: report processes without a parent.
  const orphanIds = snap.processes
    .slice(1)
    .filter((p) => p.parentId === null)
    .map((p) => p.id);
  return { count, site, siteOk, countOk, exact: count === expected, orphanIds, warnings: snap.warnings.length };
}

export async function main({ connections = envInt('BENCH_CONNECTIONS', 2000), runs = envInt('BENCH_RUNS', 7), standalone = true } = {}) {
  build();
  const tmp = mkdtempSync(join(tmpdir(), 'forktrace-bench-overhead-'));
  const configs = configurations(tmp);
  const samples = Object.fromEntries(configs.map((c) => [c.key, []]));
  const checks = Object.fromEntries(configs.filter((c) => c.check).map((c) => [c.key, []]));
  const info = straceInfo();
  const keepDir = process.env.BENCH_KEEP_JSON || null;
  if (keepDir) mkdirSync(keepDir, { recursive: true });
  const started = now();
  console.log(
    `\n== Tracing overhead: ${relative(root, serverPath)}, ${connections} sequential loopback connections, ${runs} runs per configuration (interleaved); strace ${info.version}`,
  );
  for (const c of configs) if (c.shown) console.log(`   ${c.label.split(' ')[0]} = ${c.shown}`);
  try {
    for (let r = 0; r < runs; r++) {
      for (const c of configs) {
        const runId = `${c.key}${r}`;
        const s = await runOnce(c, runId, connections);
        samples[c.key].push(s);
        let note = '';
        if (c.check) {
          const file = join(tmp, `${runId}.json`);
          const chk = existsSync(file) ? checkJson(file, connections) : { count: 0, site: null, siteOk: false, countOk: false, warnings: 0 };
          checks[c.key].push(chk);
          note = `  processes ${chk.count}${chk.siteOk ? '' : ' forkSite MISSING'}`;
          if (keepDir && existsSync(file)) copyFileSync(file, join(keepDir, `overhead-${runId}.json`));
          rmSync(file, { force: true });
        }
        process.stdout.write(`   run ${r + 1}/${runs} ${c.label.padEnd(42)} ${s.seconds.toFixed(3)} s${note}\n`);
      }
    }
  } finally {
    await killTagged();
  }

  const bare = stats(samples.a.map((s) => s.seconds)).median;
  const rows = [];
  const result = { connections, runs, configs: {} };
  for (const c of configs) {
    const st = stats(samples[c.key].map((s) => s.seconds));
    const ratio = st.median / bare;
    result.configs[c.key] = { label: c.label, ...st, ratio };
    rows.push([c.label, st.median.toFixed(3), st.min.toFixed(3), st.max.toFixed(3), `${ratio.toFixed(2)}x`]);
  }
  console.log(`\nWall time of the client run (${connections} connections), seconds:`);
  console.log(table(['configuration', 'median', 'min', 'max', 'vs bare'], rows));

  // Where the time goes: CPU used during the client run by each party.
  const cpuMed = (key, field) => {
    const xs = samples[key].map((s) => s.cpu[field]).filter((x) => x !== null && Number.isFinite(x));
    return xs.length ? stats(xs).median.toFixed(2) : '-';
  };
  console.log(`\nCPU seconds used during the client run (median), and time from the stop signal to exit:`);
  console.log(
    table(
      ['configuration', 'client (node)', 'strace', 'forktrace (node)', 'stop s'],
      configs.map((c) => [
        c.label,
        cpuMed(c.key, 'client'),
        cpuMed(c.key, 'strace'),
        cpuMed(c.key, 'cli'),
        stats(samples[c.key].map((s) => s.stopSeconds)).median.toFixed(2),
      ]),
    ),
  );

  console.log('');
  for (const [key, list] of Object.entries(checks)) {
    const counts = list.map((x) => x.count);
    const sites = [...new Set(list.map((x) => (x.site ? `${x.site.file}:${x.site.line}${x.site.function ? ` (${x.site.function})` : ''}` : 'null')))];
    const ok = list.length > 0 && list.every((x) => x.countOk && x.siteOk);
    const line = `check ${configs.find((c) => c.key === key).label.split(' ')[0]}: --json processes ${Math.min(...counts)}..${Math.max(...counts)} (expected ~${connections + 1}) in ${list.length} runs; processes[1].forkSite = ${sites.join(' | ')}: ${ok ? 'OK' : 'FAILED'}`;
    console.log(line);
    const exact = list.filter((x) => x.exact).length;
    const extra = list.flatMap((x) => x.orphanIds);
    const warnings = list.reduce((n, x) => n + x.warnings, 0);
    if (exact < list.length || extra.length > 0 || warnings > 0) {
      console.log(
        `      exactly ${connections + 1} processes in ${exact}/${list.length} runs; ${extra.length} process(es) other than the root with no parent (e.g. ids ${extra.slice(0, 5).join(', ') || '-'}); ${warnings} parser warning(s)`,
      );
    }
    result.configs[key].check = { ok, line, counts, sites, exact, extra: extra.length };
  }
  const ratio = result.configs.b.ratio;
  result.targetMet = ratio <= TARGET_RATIO;
  result.targetLine = `target: median(default)/median(bare) = ${ratio.toFixed(2)}x <= ${TARGET_RATIO}x: ${result.targetMet ? 'MET' : 'MISSED'}`;
  console.log(result.targetLine);
  const onStrace = result.configs.b.median / result.configs.s.median;
  result.onStrace = onStrace;
  result.onStraceLine = `target: median(forktrace trace)/median(strace, the identical command line) = ${onStrace.toFixed(3)}x <= ${TARGET_ON_STRACE}x: ${onStrace <= TARGET_ON_STRACE ? 'MET' : 'MISSED'} (${result.configs.b.median.toFixed(3)} s / ${result.configs.s.median.toFixed(3)} s)`;
  console.log(result.onStraceLine);
  if (result.configs.b0) {
    result.baselineLine = `baseline (BENCH_BASELINE_CLI) on strace: ${(result.configs.b0.median / result.configs.s.median).toFixed(3)}x (${result.configs.b0.median.toFixed(3)} s)`;
    console.log(result.baselineLine);
  }

  // Where forktrace's time goes: one more run of (b), untimed in the figures above, with FORKTRACE_TIMINGS.
  const b = configs.find((c) => c.key === 'b');
  const timingsFile = join(tmp, 'timings.json');
  const profDir = process.env.BENCH_CPU_PROF || null;
  try {
    const s1 = await runOnce(b, 'timed', connections, {
      env: { FORKTRACE_TIMINGS: timingsFile },
      nodeFlags: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
    });
    result.breakdown = breakdown(JSON.parse(readFileSync(timingsFile, 'utf8')), s1, connections, samples);
    console.log(result.breakdown.text);
    if (profDir) console.log(`   CPU profile of that run (node --cpu-prof): ${profDir}`);
  } finally {
    await killTagged();
    rmSync(tmp, { recursive: true, force: true });
  }
  await finishBench('overhead', started, standalone);
  return result;
}

/** The stage table of one timed run, with the CPU the forktrace process used while the clients ran. */
function breakdown(t, run, connections, samples) {
  const stages = [...t.stages].sort((x, y) => y.ms - x.ms);
  const busy = stages.reduce((sum, x) => sum + x.ms, 0);
  const rows = stages.map((x) => [x.stage, x.ms.toFixed(1), String(x.calls), ((x.ms * 1000) / connections).toFixed(1)]);
  rows.push(['(rest of the wall time: idle, waiting for data)', (t.wallMs - busy).toFixed(1), '', '']);
  const cpuRuns = samples.b.map((x) => x.cpu.cli).filter((x) => Number.isFinite(x));
  const straceCpu = samples.s.map((x) => x.cpu.strace).filter((x) => Number.isFinite(x));
  const lines = [
    `\nWhere forktrace's own time goes (one more run of (b) with FORKTRACE_TIMINGS, ${connections} connections; wall ${run.seconds.toFixed(3)} s for the clients):`,
    table(['stage (forktrace node process)', 'ms', 'calls', 'µs/connection'], rows),
    `forktrace process CPU over its whole life: ${((t.cpuUserMs + t.cpuSystemMs) / 1000).toFixed(3)} s (user ${(t.cpuUserMs / 1000).toFixed(3)}, system ${(t.cpuSystemMs / 1000).toFixed(3)}); during the client runs of (b): median ${cpuRuns.length ? stats(cpuRuns).median.toFixed(3) : '-'} s; strace's own CPU in (s): median ${straceCpu.length ? stats(straceCpu).median.toFixed(3) : '-'} s`,
    `sites: ${t.facts.sites ?? '-'}`,
  ];
  return { stages, text: lines.join('\n'), cpuUserMs: t.cpuUserMs, cpuSystemMs: t.cpuSystemMs };
}

runIfMain(import.meta.url, 'overhead', main);
