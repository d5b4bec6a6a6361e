#!/usr/bin/env node
// What attaching costs: examples/reap_loop_server driven by N sequential loopback
// connections, bare, under `forktrace trace` (strace --seccomp-bpf: the server stops
// only on the traced calls), and under `forktrace attach` to the same server started
// untraced (strace -p ignores --seccomp-bpf, so it stops on every syscall), beside plain
// `strace -f -p` with the same trace set (the peer: what ptrace alone costs attached).
// The figure is the wall time of the client run. Runs are interleaved.
//
//   node bench/attach.mjs        BENCH_CONNECTIONS (default 2000), BENCH_RUNS (default 5)
import { readFileSync } from 'node:fs';
import {
  build,
  cliPath,
  envInt,
  finishBench,
  killTagged,
  now,
  runClients,
  runIfMain,
  serverPath,
  sleep,
  spawnTagged,
  startListening,
  stats,
  stopChild,
  table,
  traceSet,
} from './lib.mjs';

function tracerPid(pid) {
  try {
    return Number(/\nTracerPid:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return -1;
  }
}

async function waitFor(check, ms, what) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Attaches `cmd args` (which ends with the pid) to a freshly started untraced server; returns the tracer child and a stop. */
async function attachTo(server, tracer) {
  const child = spawnTagged(tracer[0], tracer[1], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitFor(() => tracerPid(server.pid) > 0, 20_000, 'the attach');
  return child;
}

const CONFIGS = [
  { key: 'bare', label: '(a) bare' },
  { key: 'trace', label: '(b) forktrace trace (fast, --seccomp-bpf)' },
  { key: 'attach', label: '(c) forktrace attach (no seccomp-bpf)' },
  { key: 'strace-p', label: '(d) strace -f -p, same trace set' },
];

async function runOnce(key, connections) {
  const started =
    key === 'trace'
      ? await startListening(process.execPath, [cliPath, 'trace', '--no-color', '--json', '/dev/null', '--', serverPath])
      : await startListening(serverPath, []);
  const { child, port } = started;
  let tracer = null;
  try {
    if (key === 'attach') tracer = await attachTo(child, [process.execPath, [cliPath, 'attach', '--no-color', '--json', '/dev/null', String(child.pid)]]);
    if (key === 'strace-p')
      tracer = await attachTo(child, ['strace', ['-f', '-ttt', '-q', '-e', `trace=${traceSet().join(',')}`, '-o', '/dev/null', '-p', String(child.pid)]]);
    const t0 = now();
    const result = await runClients({ port, count: connections, parallel: 1 });
    const seconds = (now() - t0) / 1000;
    if (result.failed > 0) throw new Error(`${key}: ${result.failed} of ${connections} connections failed`);
    let detachedOk = true;
    if (tracer) {
      const stopped = await stopChild(tracer, 'SIGINT', 60_000);
      // Detached: the server runs on, untraced.
      detachedOk = !stopped.killed && tracerPid(child.pid) === 0 && child.exitCode === null;
    }
    return { seconds, detachedOk };
  } finally {
    if (key === 'trace') await stopChild(child, 'SIGINT', 60_000);
    else await stopChild(child, 'SIGKILL', 5_000);
    if (tracer && tracer.exitCode === null) await stopChild(tracer, 'SIGKILL', 5_000);
  }
}

export async function main({ connections = envInt('BENCH_CONNECTIONS', 2000), runs = envInt('BENCH_RUNS', 5), standalone = true } = {}) {
  build();
  const started = now();
  console.log(`\n== Attach cost: reap_loop_server, ${connections} sequential loopback connections, ${runs} interleaved runs per configuration`);
  const samples = Object.fromEntries(CONFIGS.map((c) => [c.key, []]));
  let detachFailures = 0;
  try {
    for (let r = 0; r < runs; r++) {
      for (const c of CONFIGS) {
        const s = await runOnce(c.key, connections);
        samples[c.key].push(s.seconds);
        if (!s.detachedOk) detachFailures++;
        console.log(`   run ${r + 1}/${runs} ${c.label.padEnd(44)} ${s.seconds.toFixed(3)} s${s.detachedOk ? '' : '  NOT DETACHED CLEANLY'}`);
      }
    }
  } finally {
    await killTagged();
  }
  const med = Object.fromEntries(CONFIGS.map((c) => [c.key, stats(samples[c.key])]));
  const bare = med.bare.median;
  console.log(`\nWall time of the client run, seconds (median of ${runs}):`);
  console.log(
    table(
      ['configuration', 'median', 'min', 'max', 'vs bare', 'vs trace'],
      CONFIGS.map((c) => [
        c.label,
        med[c.key].median.toFixed(3),
        med[c.key].min.toFixed(3),
        med[c.key].max.toFixed(3),
        `${(med[c.key].median / bare).toFixed(2)}x`,
        `${(med[c.key].median / med.trace.median).toFixed(2)}x`,
      ]),
    ),
  );
  console.log(
    `\nattach / trace: ${(med.attach.median / med.trace.median).toFixed(2)}x; attach / plain strace -p: ${(med.attach.median / med['strace-p'].median).toFixed(2)}x`,
  );
  console.log(`detaches that left the server alive and untraced: ${runs * 2 - detachFailures} of ${runs * 2}`);
  await finishBench('attach', started, standalone);
  return { connections, runs, medians: Object.fromEntries(Object.entries(med).map(([k, v]) => [k, v.median])), detachFailures };
}

runIfMain(import.meta.url, 'attach', main);
