// Faults during a live trace, and hostile input, with the real strace: strace itself
// killed, the program crashing, exiting at once or not executable, stop() raced, two
// traces at once, the CLI signalled twice or writing into a closed pipe, argv and logs
// that try to run something. After each: the product's message, the picture of what
// happened, and no process of the trace left alive (checked in /proc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { LiveTrace } from '../../src/tracer/liveTrace';
import { allPids, childrenOf as procChildren, killProcessTrees, procStartTime, readComm, readProcStatus } from '../../src/tracer/procfs';
import { analyzeLog } from '../../src/tracer/logReader';
import { SiteResolver } from '../../src/sites';
import { renderSnapshot } from '../../src/cli/render';
import type { SnapshotJson } from '../../src/shared/schema';
import {
  assertAllGone,
  buildPrograms,
  byPid,
  childrenOf,
  eventually,
  EXAMPLES,
  processIdentity,
  PROGRAMS,
  ROOT,
  runClients,
  sleep,
  startTrace,
  traceServer,
  waitForOutput,
} from '../support/system';

const CLI = join(ROOT, 'dist', 'cli.js');

/** Faults survived, for the README's reliability section (printed at the end). */
const survived: string[] = [];

/** Identities (pid:starttime) of every process the live model holds as alive. */
function liveIdentities(live: LiveTrace): string[] {
  return live.session.model
    .livePids()
    .map(processIdentity)
    .filter((x): x is string => x !== null);
}

/** The folder of strace's FIFO (LiveTrace makes one per trace and removes it at the end), from strace's argv. */
function fifoDir(live: LiveTrace): string {
  const argv = readFileSync(`/proc/${live.strace.pid}/cmdline`, 'utf8').split('\0');
  return dirname(argv[argv.indexOf('-o') + 1]);
}

/** strace processes this test process started (directly: LiveTrace spawns strace itself). */
function ourStraces(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      const st = readProcStatus(pid);
      return st?.ppid === process.pid && st.name === 'strace';
    });
}

test('strace killed mid-trace: done keeps what was seen, says what happened, and the traced tree does not survive', async () => {
  const { live, port } = await traceServer('zombie_server');
  const fifo = fifoDir(live);
  // Three connections held open: three children blocked in read().
  const sockets = [0, 1, 2].map(() => connect({ host: '127.0.0.1', port }).on('error', () => undefined));
  try {
    // The server and three children blocked in read(), each holding a connection.
    const before = await eventually(
      () => {
        const s = live.snapshot();
        return s.processes.length === 4 && s.processes.every((p) => p.state === 'running') ? s : undefined;
      },
      10_000,
      'the server and three live children',
    );
    const ids = liveIdentities(live);
    assert.equal(ids.length, 4);
    const stracePid = live.strace.pid as number;
    for (const id of ids) assert.equal(readProcStatus(Number(id.split(':')[0]))?.tracerPid, stracePid, `${id} is traced by strace ${stracePid}`);

    process.kill(stracePid, 'SIGKILL');
    const t0 = Date.now();
    const end = await live.done;
    const ms = Date.now() - t0;
    assert.ok(ms < 5000, `done resolved ${ms} ms after strace died`);
    assert.equal(end.stoppedByUser, false);
    // The picture keeps everything strace had reported.
    assert.deepEqual(
      end.snapshot.processes.map((p) => p.pid),
      before.processes.map((p) => p.pid),
    );
    assert.equal(childrenOf(end.snapshot, end.snapshot.processes[0]).length, 3);
    assert.equal(end.snapshot.ended, true);
    // The product says why the trace ended: not "the program exited".
    assert.match(end.failure ?? '', /strace \(pid \d+\) was killed by SIGKILL/);
    assert.match(end.failure ?? '', /4 processes it traced were still running and were killed/);
    // The kernel detaches the tracees of a dead strace; they must not run on untraced.
    await assertAllGone(ids);
    assert.equal(live.running, false);
    assert.equal(existsSync(fifo), false, `the FIFO folder ${fifo} was removed`);
    survived.push('strace SIGKILLed with a server and 3 children running: picture kept, 4 detached tracees killed');
  } finally {
    await live.stop();
    for (const socket of sockets) socket.destroy();
  }
});

test("strace killed: only the trace's processes die; an unrelated process is untouched", async () => {
  buildPrograms();
  const live = startTrace({ program: join(EXAMPLES, 'double_fork_daemon'), args: ['60'], stdio: ['ignore', 'ignore', 'inherit'] });
  const daemonPid = await eventually(
    () => {
      const s = live.snapshot();
      const d = s.processes[2];
      return d && d.adoptedBy.length > 0 && s.processes[0].state !== 'running' ? d.pid : undefined;
    },
    10_000,
    'the daemon to be orphaned',
  );
  const ids = liveIdentities(live);
  // An unrelated process, started while the trace runs: never traced, never ours.
  const bystander = spawn('sleep', ['30'], { stdio: 'ignore' });
  const bystanderId = processIdentity(bystander.pid as number);
  try {
    process.kill(live.strace.pid as number, 'SIGKILL');
    const end = await live.done;
    assert.equal(byPid(end.snapshot, daemonPid).state, 'running', 'the picture shows the daemon as strace last saw it');
    assert.match(end.failure ?? '', /strace \(pid \d+\) was killed by SIGKILL.* 1 process it traced was still running and was killed\.$/);
    await assertAllGone(ids);
    assert.equal(processIdentity(bystander.pid as number), bystanderId, 'the unrelated process is untouched');
  } finally {
    bystander.kill('SIGKILL');
    await live.stop();
  }
});

// The server is found as strace's tracee under the name it runs by (renamed_server names
// itself "renamed" with prctl(PR_SET_NAME) at once, and its child inherits that name).
for (const { program, dir, args, comm, running, killed, how } of [
  { program: 'zombie_server', dir: EXAMPLES, args: ['0'], comm: 'zombie_server', running: 1, killed: '1 process it traced was', how: 'start time and name' },
  {
    program: 'renamed_server',
    dir: PROGRAMS,
    args: ['60'],
    comm: 'renamed',
    running: 2,
    killed: '2 processes it traced were',
    how: 'start time and executable',
  },
]) {
  test(`strace killed before forktrace ever read its output: ${program} and what it forked are still killed (by ${how}), and the reason says so`, async () => {
    buildPrograms();
    const live = startTrace({ program: join(dir, program), args, stdio: ['ignore', 'ignore', 'ignore'] });
    const stracePid = live.strace.pid as number;
    // Nothing of this process runs until strace is dead: the FIFO is never read while it traces.
    const heldUntil = Date.now() + 10_000;
    let server: number | undefined;
    while (Date.now() < heldUntil && server === undefined) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      server = [...(procChildren(stracePid) ?? [])].find((pid) => readProcStatus(pid)?.tracerPid === stracePid && readComm(pid) === comm);
    }
    assert.ok(server !== undefined, `strace started ${program}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // it runs on to accept() (or forks and sleeps)
    const ids = [server, ...(procChildren(server) ?? [])].map(processIdentity).filter((x): x is string => x !== null);
    assert.equal(ids.length, running, `${program}'s processes before strace dies`);
    process.kill(stracePid, 'SIGKILL');
    try {
      const end = await live.done;
      assert.match(end.failure ?? '', new RegExp(`was killed by SIGKILL, so the trace ended early.* ${killed} still running and w`));
      assert.equal(end.snapshot.summary.running, running, `the picture: ${program}'s processes, running when strace died`);
      await assertAllGone(ids);
      survived.push(`strace SIGKILLed before forktrace first read its output: the unidentified ${program} killed by ${how}`);
    } finally {
      await live.stop();
      for (const id of ids) {
        const pid = Number(id.split(':')[0]);
        if (readProcStatus(pid) !== null && processIdentity(pid) === id) process.kill(pid, 'SIGKILL');
      }
    }
  });
}

test('the kill after strace died goes by pid and start time: a reused pid is never killed', async () => {
  // Real pid reuse (root): A is started and reaped, ns_last_pid = A - 1, so B gets A's pid.
  let reused: { a: number; aStart: number; b: ReturnType<typeof spawn> } | null = null;
  for (let attempt = 0; attempt < 10 && !reused; attempt++) {
    const a = spawn('sleep', ['30'], { stdio: 'ignore' });
    await eventually(() => procStartTime(a.pid as number) !== null, 2000, 'A to start');
    const aStart = procStartTime(a.pid as number) as number;
    await new Promise((r) => {
      a.on('exit', r);
      a.kill('SIGKILL');
    });
    await sleep(30); // start times count clock ticks (10 ms): B must start in a later tick than A
    writeFileSync('/proc/sys/kernel/ns_last_pid', String((a.pid as number) - 1));
    const b = spawn('sleep', ['30'], { stdio: 'ignore' });
    if (b.pid === a.pid) reused = { a: a.pid as number, aStart, b };
    else b.kill('SIGKILL');
  }
  assert.ok(reused, 'got a reused pid within 10 attempts');
  const { a, aStart, b } = reused;
  try {
    const bStart = procStartTime(a);
    assert.notEqual(bStart, aStart, 'B is another process with the same pid');
    assert.deepEqual(await killProcessTrees(new Map([[a, aStart]])), [], "A's identity matches nothing alive");
    assert.equal(procStartTime(a), bStart, 'B still runs');
    // With B's own identity it is killed, and so are its children.
    assert.deepEqual(await killProcessTrees(new Map([[a, bStart as number]])), [a]);
    await eventually(() => b.exitCode !== null || b.signalCode !== null, 2000, 'B to die');
    assert.equal(b.signalCode, 'SIGKILL');
  } finally {
    b.kill('SIGKILL');
  }
  // Descendants the trace never saw go with their ancestor (they keep it as PPid while it is stopped).
  const sh = spawn('/bin/sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore' });
  const shPid = sh.pid as number;
  const kids = await eventually(
    () => {
      const k = readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n))
        .map(Number)
        .filter((pid) => readProcStatus(pid)?.ppid === shPid && readProcStatus(pid)?.name === 'sleep');
      return k.length === 2 ? k.map(processIdentity).filter((x): x is string => x !== null) : undefined;
    },
    5000,
    'sh and its two sleeps',
  );
  const killed = await killProcessTrees(new Map([[shPid, procStartTime(shPid) as number]]));
  assert.deepEqual(killed.sort(), [shPid, ...kids.map((id) => Number(id.split(':')[0]))].sort());
  await assertAllGone(kids);
});

test('the program crashes with SIGSEGV and dumps core: the picture says so, as the kernel did', async () => {
  buildPrograms();
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-core-'));
  try {
    const live = startTrace({ program: join(PROGRAMS, 'crash_self'), args: [dir], stdio: ['ignore', 'pipe', 'inherit'] });
    const out = waitForOutput(live.strace.stdout as Readable, /crashing pid (\d+)/);
    const end = await live.done;
    const pid = Number((await out)[1]);
    assert.equal(end.stoppedByUser, false);
    assert.notEqual(end.exitCode, 0, 'strace passes the fatal signal on (it dies by SIGSEGV itself)');
    assert.equal(end.failure, null, "that is the program's crash, not strace's");
    assert.equal(end.snapshot.processes.length, 1);
    const p = byPid(end.snapshot, pid);
    assert.deepEqual(p.exit && { code: p.exit.code, signal: p.exit.signal, core: p.exit.core }, { code: null, signal: 'SIGSEGV', core: true });
    // Ground truth: the kernel wrote a core (core_pattern "core" writes it in the cwd,
    // a pipe pattern hands it to a helper: then only the flag can be checked).
    const pattern = spawnSync('cat', ['/proc/sys/kernel/core_pattern'], { encoding: 'utf8' }).stdout.trim();
    if (!pattern.startsWith('|'))
      assert.ok(
        readdirSync(dir).some((n) => n.startsWith('core')),
        `a core file in ${dir}: ${readdirSync(dir).join(', ')}`,
      );
    // The CLI's words for it.
    assert.match(renderSnapshot(end.snapshot, { color: false }), /killed by SIGSEGV \(core dumped\)/);
    assert.notEqual(readProcStatus(pid)?.name, 'crash_self', 'the crashed program is gone (strace reaped it)');
    survived.push('the program killed by SIGSEGV with a core: "killed by SIGSEGV (core dumped)", core true');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a child crashes with SIGSEGV: its parent reaps it, and the picture shows the signal and the core', async () => {
  buildPrograms();
  const live = startTrace({ program: join(PROGRAMS, 'crash'), stdio: ['ignore', 'pipe', 'inherit'] });
  const out = waitForOutput(live.strace.stdout as Readable, /child (\d+): signal (\d+)( \(core dumped\))?/);
  const end = await live.done;
  const m = await out;
  assert.equal(end.exitCode, 0);
  const child = byPid(end.snapshot, Number(m[1]));
  assert.equal(child.exit?.signal, 'SIGSEGV');
  assert.equal(child.exit?.core, m[3] !== undefined, 'core as WCOREDUMP told the parent');
  assert.equal(child.reaped?.how, 'wait');
  assert.deepEqual(
    end.snapshot.diagnostics.filter((d) => d.kind === 'zombie-leak'),
    [],
  );
  rmSync('/tmp/core', { force: true }); // crash.c dumps in /tmp with core_pattern "core"
});

test('a program that exits at once: done resolves quickly, one process, exit 0', async () => {
  const t0 = Date.now();
  const live = startTrace({ program: '/bin/true', stdio: 'ignore' });
  const end = await live.done;
  const ms = Date.now() - t0;
  assert.ok(ms < 3000, `done resolved in ${ms} ms`);
  assert.equal(end.exitCode, 0);
  assert.equal(end.stoppedByUser, false);
  assert.equal(end.failure, null);
  assert.equal(end.snapshot.processes.length, 1);
  const p = end.snapshot.processes[0];
  assert.equal(p.exit?.code, 0);
  assert.equal(p.state, 'exited', 'strace reaps it: the trace shows no reaper');
  assert.equal(end.snapshot.ended, true);
  assert.equal(live.running, false);
  // stop() after the end changes nothing and returns the same result.
  assert.equal(await live.stop(), end);
  survived.push(`/bin/true: done in ${ms} ms, 1 process, exit 0`);
});

test('a program that is not executable (or not a file): a clear error, and nothing is started', () => {
  buildPrograms();
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-noexec-'));
  try {
    const script = join(dir, 'script.sh');
    writeFileSync(script, '#!/bin/sh\ntouch "$0.ran"\n', { mode: 0o644 });
    assert.deepEqual(ourStraces(), []);
    assert.throws(
      () => startTrace({ program: script }),
      (e: Error) => e.name === 'TraceError' && /script\.sh is not executable\. Run chmod \+x/.test(e.message),
    );
    assert.throws(() => startTrace({ program: dir }), /is not a file that can be run/);
    assert.throws(() => startTrace({ program: '/dev/null' }), /is not a file that can be run/);
    assert.equal(existsSync(`${script}.ran`), false, 'the script did not run');
    assert.deepEqual(ourStraces(), [], 'no strace was started');
    // The CLI: the same message, exit 2.
    const r = spawnSync(process.execPath, [CLI, 'trace', '--', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^forktrace: .*script\.sh is not executable\. Run chmod \+x/);
    survived.push('a program that is not executable: "is not executable. Run chmod +x …", exit 2, nothing started');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stop() twice at once, and again after the end: one stop, the same result', async () => {
  const { live, port } = await traceServer('zombie_server');
  assert.equal((await runClients({ port, count: 2 })).ok, 2);
  await eventually(() => live.snapshot().summary.zombiesAtEnd === 2, 10_000, 'two zombie children');
  const ids = liveIdentities(live);
  const [a, b] = await Promise.all([live.stop(), live.stop()]);
  assert.equal(a, b, 'both callers get the same TraceEnd');
  assert.equal(a.stoppedByUser, true);
  assert.equal(a.failure, null);
  assert.equal(a.snapshot.summary.zombiesAtEnd, 2);
  const c = await live.stop();
  assert.equal(c, a, 'a stop after the end returns the same result');
  assert.equal(await live.done, a);
  await assertAllGone(ids);
  survived.push('stop() twice concurrently and once after the end: one TraceEnd, tree gone');
});

test('two traces at once: independent pictures, stopping one leaves the other running, then both are gone', async () => {
  const one = await traceServer('zombie_server');
  const two = await traceServer('reap_loop_server');
  try {
    assert.notEqual(one.port, two.port);
    assert.equal((await runClients({ port: one.port, count: 2 })).ok, 2);
    assert.equal((await runClients({ port: two.port, count: 3 })).ok, 3);
    const s1 = await eventually(() => (one.live.snapshot().summary.zombiesAtEnd === 2 ? one.live.snapshot() : undefined), 10_000, 'two zombies in trace one');
    const s2 = await eventually(
      () => {
        const s = two.live.snapshot();
        return s.processes.length === 4 && s.processes.slice(1).every((p) => p.state === 'reaped') ? s : undefined;
      },
      10_000,
      'three reaped children in trace two',
    );
    const pids1 = new Set(s1.processes.map((p) => p.pid));
    assert.ok(
      s2.processes.every((p) => !pids1.has(p.pid)),
      'no process is in both pictures',
    );
    assert.deepEqual(
      s2.processes.map((p) => p.command),
      ['reap_loop_server', 'reap_loop_server', 'reap_loop_server', 'reap_loop_server'],
    );
    const ids1 = liveIdentities(one.live);
    const ids2 = liveIdentities(two.live);

    const end1 = await one.live.stop();
    assert.equal(end1.snapshot.summary.zombiesAtEnd, 2);
    await assertAllGone(ids1);
    // Trace two is untouched: its server is alive, traced, and still serving.
    assert.equal(two.live.running, true);
    for (const id of ids2) assert.equal(processIdentity(Number(id.split(':')[0])), id, `${id} of trace two still runs`);
    assert.equal((await runClients({ port: two.port, count: 2 })).ok, 2);
    await eventually(() => two.live.snapshot().processes.length === 6, 10_000, 'trace two sees two more children');
    assert.equal(one.live.snapshot().processes.length, 3, "trace one's picture did not change");

    const end2 = await two.live.stop();
    assert.equal(end2.snapshot.processes.length, 6);
    await assertAllGone(ids2);
    survived.push('two traces at once: stopping one left the other serving; then both gone');
  } finally {
    await Promise.all([one.live.stop(), two.live.stop()]);
  }
});

// ---- the CLI ----

/** `forktrace trace` on the zombie server after two clients came and went, and its strace's pid. */
async function cliTracingZombieServer(): Promise<{
  cli: ChildProcessByStdio<null, Readable, Readable>;
  stdout: () => string;
  stderr: () => string;
  stracePid: number;
}> {
  buildPrograms();
  const cli = spawn(process.execPath, [CLI, 'trace', '--no-color', '--', join(EXAMPLES, 'zombie_server'), '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
  cli.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const m = await waitForOutput(cli.stdout, /listening on 127\.0\.0\.1:(\d+)/);
  assert.equal((await runClients({ port: Number(m[1]), count: 2 })).ok, 2);
  const stracePid = await eventually(
    () => {
      const r = spawnSync('pgrep', ['-P', String(cli.pid), '-x', 'strace'], { encoding: 'utf8' });
      return Number(r.stdout.trim().split('\n')[0]) || undefined;
    },
    5000,
    "the CLI's strace",
  );
  return { cli, stdout: () => out, stderr: () => err, stracePid };
}

test('forktrace trace: SIGTERM twice quickly → exit 0, one report, the tree gone', async () => {
  // The server and its children: find them in /proc under the CLI's strace.
  const { cli, stdout, stderr, stracePid } = await cliTracingZombieServer();
  // The server is strace's tracee; its two children are zombies now (a zombie has no tracer).
  const ids = await eventually(
    () => {
      const pids = allPids();
      const server = pids.find((pid) => readProcStatus(pid)?.tracerPid === stracePid);
      if (server === undefined) return undefined;
      const children = pids.filter((pid) => readProcStatus(pid)?.ppid === server);
      return children.length === 2 ? [server, ...children].map(processIdentity).filter((x): x is string => x !== null) : undefined;
    },
    5000,
    'the server and its two children',
  );
  const exited = new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
  cli.kill('SIGTERM');
  cli.kill('SIGTERM');
  await sleep(20);
  cli.kill('SIGTERM');
  const status = await exited;
  assert.equal(status, 0, stderr());
  assert.equal(stdout().match(/^\d+ processes, /gm)?.length, 1, `one report:\n${stdout()}`);
  assert.match(stdout(), /3 processes, 1 running, 2 zombies at end/);
  assert.doesNotMatch(stderr(), /internal error/);
  await assertAllGone([...ids, processIdentity(stracePid)].filter((x): x is string => x !== null));
  survived.push('forktrace trace: SIGTERM three times in 20 ms: exit 0, one report, tree gone');
});

test('forktrace trace: strace killed → the report, the reason on stderr, the tree gone', async () => {
  const { cli, stdout, stderr, stracePid } = await cliTracingZombieServer();
  const server = await eventually(() => allPids().find((pid) => readProcStatus(pid)?.tracerPid === stracePid), 5000, 'the server');
  const ids = [server, ...allPids().filter((pid) => readProcStatus(pid)?.ppid === server)].map(processIdentity).filter((x): x is string => x !== null);
  assert.equal(ids.length, 3);
  const exited = new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
  process.kill(stracePid, 'SIGKILL');
  assert.equal(await exited, 0, stderr());
  assert.match(stdout(), /3 processes, 1 running, 2 zombies at end/, 'the report shows what strace saw');
  assert.match(
    stderr(),
    new RegExp(
      `forktrace: strace \\(pid ${stracePid}\\) was killed by SIGKILL, so the trace ended early.* 1 process it traced was still running and was killed\\.`,
    ),
  );
  await assertAllGone(ids);
  survived.push('forktrace trace with strace SIGKILLed: report printed, reason on stderr, exit 0, tree gone');
});

test('forktrace trace into a closed pipe (| head -1): the program gets SIGPIPE or EPIPE, forktrace does not crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-epipe-'));
  try {
    for (const [name, argv] of [
      ['SIGPIPE', ['yes']],
      // SIG_IGN survives exec: yes gets EPIPE from write and exits 1.
      ['EPIPE', ['/bin/sh', '-c', 'trap "" PIPE; exec yes']],
    ] as const) {
      const json = join(dir, `${name}.json`);
      const cmd = `'${process.execPath}' '${CLI}' trace --no-color --json '${json}' -- ${argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')} | head -1 >/dev/null; echo "status \${PIPESTATUS[0]}"`;
      const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 30_000 });
      assert.match(r.stdout, /status 0/, `forktrace exits 0 (${name}); stderr: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /internal error|Unhandled 'error' event|EPIPE/, `no crash (${name})`);
      const snap = JSON.parse(spawnSync('cat', [json], { encoding: 'utf8' }).stdout) as SnapshotJson;
      const yes = snap.processes[snap.processes.length - 1];
      if (name === 'SIGPIPE') assert.equal(yes.exit?.signal, 'SIGPIPE');
      else assert.deepEqual([yes.exit?.code, yes.exit?.signal], [1, null], 'yes saw EPIPE and exited 1');
    }
    survived.push('forktrace trace … | head -1: the program got SIGPIPE / EPIPE, forktrace exit 0, JSON written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- security ----

test("no shell: shell syntax in the program's arguments reaches it literally and runs nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-noshell-'));
  try {
    const pwned = join(dir, 'pwned');
    const args = [
      `$(touch ${pwned})`,
      `; touch ${pwned}`,
      `\`touch ${pwned}\``,
      `| touch ${pwned}`,
      `&& touch ${pwned} #`,
      '*',
      '~',
      '$HOME',
      '"quoted" \'single\'',
      'a\nb',
    ];
    const live = startTrace({ program: 'printf', args: ['%s\\0', ...args], cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    live.strace.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    const end = await live.done;
    assert.equal(end.exitCode, 0);
    assert.deepEqual(out.split('\0').slice(0, -1), args, 'printf received every argument unchanged');
    assert.equal(existsSync(pwned), false, 'nothing was run');
    assert.deepEqual(
      end.snapshot.processes.map((p) => p.command),
      ['printf'],
      'one process: no shell in between',
    );
    assert.deepEqual(end.snapshot.processes[0].argv.slice(2), args, 'the picture shows the arguments as given');
    // The same through the CLI.
    const r = spawnSync(process.execPath, [CLI, 'trace', '--no-color', '--', 'printf', '%s\\0', ...args], { encoding: 'utf8', cwd: dir, timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.startsWith(args.join('\0') + '\0'), 'the CLI passed them literally too');
    assert.equal(existsSync(pwned), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A strace -f -ttt log whose programs are `exe` (execve'd by pid 100) and a forked child that is never reaped. */
function craftedLog(exe: string, argv: string[]): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    `100 1700000000.000000 execve(${q(exe)}, [${argv.map(q).join(', ')}], 0x7ffd /* 1 var */) = 0`,
    `100 1700000000.001000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 101`,
    `101 1700000000.002000 execve("/bin/sh", ["sh", "-c", "touch ${argv[argv.length - 1]}"], 0x7ffd /* 1 var */) = 0`,
    `101 1700000000.002500 exit_group(0)                     = ?`,
    `101 1700000000.003000 +++ exited with 0 +++`,
    `100 1700000000.004000 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`,
    `100 1700000000.499000 exit_group(0)                     = ?`,
    `100 1700000000.500000 +++ exited with 0 +++`,
    '',
  ].join('\n');
}

test('analyze: a log that names commands and files runs nothing, and special files in it cannot hang it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-log-'));
  const fifo = join(dir, 'trap.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  try {
    const pwned = join(dir, 'pwned');
    const cases: Array<[string, string]> = [
      ['/bin/sh', pwned],
      ['/dev/zero', join(dir, 'zero-pwned')],
      [fifo, join(dir, 'fifo-pwned')],
      ['/dev/stdin', join(dir, 'stdin-pwned')],
      ['/proc/self/fd/0', join(dir, 'fd0-pwned')],
      [dir, join(dir, 'dir-pwned')],
    ];
    for (const [exe, marker] of cases) {
      const log = join(dir, `${exe.replace(/\W/g, '_')}.log`);
      writeFileSync(log, craftedLog(exe, ['sh', '-c', `touch ${marker}`, marker]));
      // The CLI first, with a hard time limit: a FIFO opened for reading blocks forever
      // (in this process it would block the test runner itself).
      const cli = spawn(process.execPath, [CLI, 'analyze', '--no-color', log], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const status = await Promise.race([new Promise<number | null>((r) => cli.on('exit', (code) => r(code))), sleep(5000).then(() => 'timeout' as const)]);
      if (status === 'timeout') cli.kill('SIGKILL');
      assert.equal(status, 0, `${exe}: forktrace analyze finished in 5 s with exit 0`);
      assert.match(out, /error zombie-leak/);
      // Then in-process, the way TraceRun.openLog does it: the snapshot resolves every site.
      const t0 = Date.now();
      const session = analyzeLog(log);
      const snap = session.snapshot(new SiteResolver({ cwd: dir }).locator());
      assert.ok(Date.now() - t0 < 5000, `${exe}: analyzed in ${Date.now() - t0} ms`);
      assert.equal(snap.processes.length, 2, `${exe}: two processes`);
      const leak = snap.diagnostics.find((d) => d.kind === 'zombie-leak');
      assert.ok(leak, `${exe}: the leak is reported, so its site was looked up`);
      if (exe === fifo || exe === '/dev/zero' || exe === dir) assert.match(leak.locationNote ?? '', /is not a regular file, so its calls cannot be located/);
      assert.equal(existsSync(marker), false, `${exe}: nothing ran`);
    }
    assert.equal(existsSync(pwned), false);
    survived.push('analyze of crafted logs (execve of /bin/sh -c touch, /dev/zero, a FIFO, /dev/stdin, a directory): nothing ran, each done < 5 s');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('analyze never executes the traced binary: objdump reads it, nothing runs it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-noexec-bin-'));
  try {
    // An executable that leaves a mark when run, named by the log as the traced program.
    const marker = join(dir, 'ran');
    const exe = join(dir, 'server');
    writeFileSync(exe, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    const log = join(dir, 'trace.log');
    writeFileSync(log, craftedLog(exe, ['server', marker]));
    const r = spawnSync(process.execPath, [CLI, 'analyze', '--json', '-', log], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(marker), false, 'the binary named in the log was not run');
    // A compiled binary with debug info: its site is found by reading, not running.
    buildPrograms();
    const elfLog = join(dir, 'elf.log');
    const touchMarker = join(dir, 'elf-ran');
    writeFileSync(elfLog, craftedLog(join(EXAMPLES, 'zombie_server'), ['zombie_server', touchMarker]));
    const r2 = spawnSync(process.execPath, [CLI, 'analyze', '--json', '-', elfLog], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r2.status, 0, r2.stderr);
    const leak = (JSON.parse(r2.stdout) as SnapshotJson).diagnostics.find((d) => d.kind === 'zombie-leak');
    assert.equal(leak?.location?.file, join(EXAMPLES, 'zombie_server.c'), 'the site came from reading the ELF (objdump, addr2line)');
    assert.equal(existsSync(touchMarker), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('faults survived (for the README)', () => {
  console.log(`[faults] survived ${survived.length}:\n${survived.map((s) => `  - ${s}`).join('\n')}`);
  assert.ok(survived.length > 0);
});
