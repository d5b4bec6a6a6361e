// Load, traced live with the real strace: a fork-per-connection server under a burst
// of 5,000 loopback connections (every child exactly once, the server's own counts,
// the live model answering while the burst runs), and a program that forks until
// fork fails with EAGAIN (reported, not hung on). No process of the trace survives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { LiveTrace } from '../../src/tracer/liveTrace';
import { cpuTimed } from '../support/cpuTime';
import { readProcStatus } from '../../src/tracer/procfs';
import {
  assertAllGone,
  buildPrograms,
  childrenOf,
  eventually,
  processIdentity,
  PROGRAMS,
  runClients,
  sleep,
  startTrace,
  traceServer,
  waitForOutput,
} from '../support/system';

const CONNECTIONS = Number(process.env.FORKTRACE_LOAD_CONNECTIONS ?? 5000);
const PARALLEL = 50;
/** The whole burst, traced, on this 2-core machine: generous, but bounded. */
const BURST_LIMIT_MS = 120_000;
/** What "the panel stays responsive" means here: one snapshot or delta of the live model, in CPU time. */
const RESPONSIVE_MS = 200;

/** Pids whose PPid is `pid`, from /proc. */
function procChildren(pid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => readProcStatus(p)?.ppid === pid);
}

test(
  `a fork-per-connection server under ${CONNECTIONS} loopback connections: every child once, the server's counts, a responsive model`,
  { timeout: 300_000 },
  async () => {
    // counting_server is examples/reap_loop_server plus counters it prints on SIGUSR1.
    // Every child in detail (this test checks each one): no folding. fold.test.ts tests folding.
    const { live, port } = await traceServer('counting_server', { program: join(PROGRAMS, 'counting_server'), keepReaped: Infinity });
    const stdout = live.strace.stdout as Readable;
    try {
      const serverPid = await eventually(() => live.snapshot().processes[0]?.pid, 5000, 'the server in the model');

      // While the burst runs: take a snapshot and a delta every 100 ms, timing each call,
      // and the event loop's lateness (what a panel's message handler would wait).
      const timings = { snapshot: [] as number[], delta: [] as number[], lag: [] as number[], maxDeltaProcesses: 0, largestSnapshot: 0 };
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const due = performance.now() + 100;
          await sleep(100);
          timings.lag.push(performance.now() - due);
          // Their cost in CPU: on 2 cores shared with strace, the server and the clients, the
          // wall clock would also count the time this process was not running at all.
          const [snap, snapshotMs] = cpuTimed(() => live.snapshot());
          timings.snapshot.push(snapshotMs);
          timings.largestSnapshot = Math.max(timings.largestSnapshot, snap.processes.length);
          const [delta, deltaMs] = cpuTimed(() => live.delta());
          timings.delta.push(deltaMs);
          timings.maxDeltaProcesses = Math.max(timings.maxDeltaProcesses, delta.processes.length);
        }
      })();
      const t0 = performance.now();
      const result = await runClients({ port, count: CONNECTIONS, parallel: PARALLEL });
      const burstMs = performance.now() - t0;
      sampling = false;
      await sampler;
      assert.deepEqual(
        { ok: result.ok, failed: result.failed },
        { ok: CONNECTIONS, failed: 0 },
        `every connection was echoed: ${[...new Set((result as { errors?: string[] }).errors ?? [])].join('; ')}`,
      );
      assert.ok(burstMs < BURST_LIMIT_MS, `the burst took ${(burstMs / 1000).toFixed(1)} s`);

      // The model catches up: every child exited and was reaped by the server.
      const snap = await eventually(
        () => {
          const s = live.snapshot();
          return s.processes.length === CONNECTIONS + 1 && s.processes.every((p, i) => i === 0 || p.state === 'reaped') ? s : undefined;
        },
        30_000,
        `${CONNECTIONS} reaped children in the model`,
      ).catch((e: Error) => {
        const s = live.snapshot();
        throw new Error(`${e.message}: the model has ${s.processes.length} processes, states ${JSON.stringify(countBy(s.processes.map((p) => p.state)))}`);
      });

      // The server's own count: the ground truth for what the kernel did.
      const counted = waitForOutput(stdout, /counts accepted (\d+) forked (\d+) reaped (\d+)/);
      process.kill(serverPid, 'SIGUSR1');
      const m = await counted;
      const [accepted, forked, reaped] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const server = snap.processes[0];
      const children = childrenOf(snap, server);
      assert.equal(server.pid, serverPid);
      assert.equal(server.state, 'running');
      assert.deepEqual(
        { accepted, forked, reaped },
        { accepted: CONNECTIONS, forked: CONNECTIONS, reaped: CONNECTIONS },
        'the server accepted, forked and reaped once per connection',
      );
      assert.equal(children.length, forked, 'the model has exactly the children the server forked');
      assert.equal(new Set(snap.processes.map((p) => p.id)).size, snap.processes.length, 'no process id twice');
      assert.equal(
        children.filter((c) => c.reaped?.how === 'wait' && c.reaped.by === serverPid).length,
        reaped,
        'each reaped by the server, as many as it counted',
      );
      assert.ok(
        children.every((c) => c.exit?.code === 0 && c.exit.signal === null),
        'every child exited 0',
      );
      // Pids wrap on a long run: a reused pid is a new process (id PID.N), never merged.
      const reusedPids = snap.processes.length - new Set(snap.processes.map((p) => p.pid)).size;
      assert.equal(snap.summary.zombiesAtEnd, 0);
      assert.deepEqual(procChildren(serverPid), [], '/proc: the server has no child left (all reaped)');
      assert.deepEqual(
        snap.diagnostics.filter((d) => d.kind === 'zombie-leak' || d.kind === 'sigchld-coalesced'),
        [],
      );
      assert.deepEqual(snap.warnings, [], 'every line of the trace was read');

      const max = (xs: number[]): number => xs.reduce((a, b) => Math.max(a, b), 0);
      const figures = {
        connections: CONNECTIONS,
        parallel: PARALLEL,
        burstSeconds: Number((burstMs / 1000).toFixed(1)),
        connectionsPerSecond: Math.round(CONNECTIONS / (burstMs / 1000)),
        samples: timings.snapshot.length,
        maxSnapshotMs: Number(max(timings.snapshot).toFixed(1)),
        maxDeltaMs: Number(max(timings.delta).toFixed(1)),
        maxEventLoopLagMs: Number(max(timings.lag).toFixed(1)),
        largestSnapshotProcesses: timings.largestSnapshot,
        largestDeltaProcesses: timings.maxDeltaProcesses,
        finalSnapshotProcesses: snap.processes.length,
        reusedPids,
        serverCounts: { accepted, forked, reaped },
      };
      console.log(`[load] ${JSON.stringify(figures)}`);
      assert.ok(timings.snapshot.length >= 5, `sampled the model during the burst (${timings.snapshot.length} times)`);
      assert.ok(figures.maxSnapshotMs < RESPONSIVE_MS, `live.snapshot() took at most ${figures.maxSnapshotMs} ms during the burst`);
      assert.ok(figures.maxDeltaMs < RESPONSIVE_MS, `live.delta() took at most ${figures.maxDeltaMs} ms during the burst`);

      const ids = [processIdentity(serverPid)].filter((x): x is string => x !== null);
      const end = await live.stop();
      assert.equal(end.snapshot.processes.length, CONNECTIONS + 1);
      await assertAllGone(ids);
    } finally {
      await live.stop();
    }
  },
);

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

/** fork_until_eagain under a live trace, its output collected (as user nobody, RLIMIT_NPROC = nobody's tasks + 20). */
function startEagainTrace(hold: boolean): { live: LiveTrace; output: () => string } {
  buildPrograms();
  const live = startTrace({ program: join(PROGRAMS, 'fork_until_eagain'), args: hold ? ['20', 'hold'] : ['20'], stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  live.strace.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  live.strace.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  return { live, output: () => text };
}

test('a program that forks until fork fails with EAGAIN: the trace ends with it, every child in the picture', async () => {
  const t0 = performance.now();
  const { live, output } = startEagainTrace(false);
  const end = await live.done;
  const ms = performance.now() - t0;
  const m = /fork failed after (\d+) children: (.*)/.exec(output());
  assert.ok(m, `the program saw fork fail: ${output()}`);
  assert.equal(m[2], 'Resource temporarily unavailable', 'EAGAIN (RLIMIT_NPROC as user nobody)');
  assert.equal(end.exitCode, 0, 'fork_until_eagain exits 0 when the failure was EAGAIN');
  const n = Number(m[1]);
  const snap = end.snapshot;
  const parent = snap.processes[0];
  const children = childrenOf(snap, parent);
  assert.equal(children.length, n, 'every child the program made is in the picture, once');
  assert.ok(
    children.every((c) => c.exit?.signal === 'SIGKILL' && c.reaped?.how === 'wait' && c.reaped.by === parent.pid),
    'killed and reaped by the program',
  );
  assert.ok(snap.summary.maxZombies >= 1);
  // The failed fork is reported: no process for it, one fork-failed finding at the fork.
  assert.equal(snap.processes.length, n + 1);
  assert.deepEqual(snap.warnings, []);
  assert.deepEqual(
    snap.diagnostics.map((d) => d.kind),
    ['fork-failed'],
  );
  const failed = snap.diagnostics[0];
  assert.deepEqual(failed.pids, [parent.pid]);
  assert.match(failed.message, /^fork failed 1 time in fork_until_eagain \(pid \d+\) with EAGAIN: the process limit was reached/);
  assert.match(failed.location?.file ?? '', /fork_until_eagain\.c$/);
  assert.deepEqual(procChildren(parent.pid), []);
  console.log(
    `[load] fork until EAGAIN: ${n} children then EAGAIN, trace done in ${(ms / 1000).toFixed(2)} s, ${snap.processes.length} processes in the picture, failed fork reported as ${failed.kind} at ${failed.location?.file}:${failed.location?.line}`,
  );
});

test('a program that forks until EAGAIN and then holds its children: stop() ends it and nothing survives', async () => {
  const { live, output } = startEagainTrace(true);
  try {
    await eventually(() => /fork failed after \d+ children/.test(output()), 20_000, 'fork to fail');
    const n = Number(/fork failed after (\d+) children/.exec(output())?.[1]);
    const snap = await eventually(
      () => {
        const s = live.snapshot();
        return s.processes.length === n + 1 ? s : undefined;
      },
      10_000,
      `${n + 1} processes in the model`,
    );
    assert.ok(snap.processes.every((p) => p.state === 'running'));
    const ids = live.session.model
      .livePids()
      .map(processIdentity)
      .filter((x): x is string => x !== null);
    assert.equal(ids.length, n + 1);
    const t0 = performance.now();
    const end = await live.stop();
    const ms = performance.now() - t0;
    assert.ok(ms < 10_000, `stop() took ${ms.toFixed(0)} ms`);
    assert.equal(end.stoppedByUser, true);
    assert.equal(end.snapshot.summary.running, n + 1, 'the picture was taken before the kill');
    await assertAllGone(ids);
    console.log(`[load] fork until EAGAIN, held: ${n} children; stop() in ${ms.toFixed(0)} ms, all ${n + 1} gone`);
  } finally {
    await live.stop();
  }
});
