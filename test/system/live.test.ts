// The real strace on the real example servers, driven by real loopback clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { LiveTrace } from '../../src/tracer/liveTrace';
import { procState } from '../../src/tracer/procfs';
import {
  assertAllGone,
  buildPrograms,
  byPid,
  childrenOf,
  eventually,
  EXAMPLES,
  processIdentity,
  PROGRAMS,
  runClients,
  sleep,
  startTrace,
  traceServer,
} from '../support/system';

/** Identities of every live process of the trace, taken before stopping it. */
function liveIdentities(live: LiveTrace): string[] {
  return live.session.model
    .livePids()
    .map(processIdentity)
    .filter((x): x is string => x !== null);
}

test('the live model shows exactly the zombies /proc shows while the never-reaping server runs', async () => {
  const { live, port } = await traceServer('zombie_server');
  try {
    const result = await runClients({ port, count: 3 });
    assert.equal(result.ok, 3);
    const snap = await eventually(
      () => {
        const s = live.snapshot();
        return s.processes.filter((p) => p.state === 'zombie').length === 3 ? s : undefined;
      },
      10_000,
      'three zombies in the live model',
    );
    const server = snap.processes[0];
    assert.equal(server.state, 'running');
    assert.equal(procState(server.pid), 'S', 'the server itself is alive, blocked in accept');
    const zombies = snap.processes.filter((p) => p.state === 'zombie');
    for (const z of zombies) {
      assert.equal(z.parentPid, server.pid);
      assert.equal(procState(z.pid), 'Z', `/proc/${z.pid}/stat says the kernel holds pid ${z.pid} as a zombie`);
      assert.deepEqual(z.exit && { code: z.exit.code, signal: z.exit.signal }, { code: 0, signal: null });
      assert.equal(z.zombie?.to, null);
    }
    // Every process /proc holds as a zombie child of the server is in the model.
    const procZombies = childrenOf(snap, server)
      .filter((p) => procState(p.pid) === 'Z')
      .map((p) => p.pid)
      .sort();
    assert.deepEqual(zombies.map((z) => z.pid).sort(), procZombies);
    const ids = liveIdentities(live);
    const end = await live.stop();
    assert.equal(end.stoppedByUser, true);
    assert.equal(end.snapshot.summary.zombiesAtEnd, 3, 'zombies are counted at the moment of the stop, before the kill');
    const leak = end.snapshot.diagnostics.find((d) => d.kind === 'zombie-leak');
    assert.ok(leak, 'a zombie-leak diagnostic');
    assert.equal(leak.severity, 'error');
    assert.deepEqual(leak.pids.slice().sort(), [server.pid, ...zombies.map((z) => z.pid)].sort());
    assert.match(leak.message, /never calls wait/);
    await assertAllGone(ids);
  } finally {
    await live.stop();
  }
});

test('the correct reaping loop leaves no zombie and no leak: every child is reaped by the server', async () => {
  const { live, port } = await traceServer('reap_loop_server');
  try {
    for (let batch = 0; batch < 3; batch++) assert.equal((await runClients({ port, count: 6, parallel: 6 })).ok, 6);
    const snap = await eventually(
      () => {
        const s = live.snapshot();
        return s.processes.length === 19 && s.processes.every((p) => p.state !== 'zombie' && (p === s.processes[0] || p.state === 'reaped')) ? s : undefined;
      },
      10_000,
      '18 reaped children',
    );
    const server = snap.processes[0];
    for (const child of childrenOf(snap, server)) {
      assert.equal(child.reaped?.how, 'wait');
      assert.equal(child.reaped?.by, server.pid);
    }
    const end = await live.stop();
    assert.equal(end.snapshot.summary.zombiesAtEnd, 0);
    assert.deepEqual(
      end.snapshot.diagnostics.filter((d) => d.kind === 'zombie-leak' || d.kind === 'sigchld-coalesced'),
      [],
    );
  } finally {
    await live.stop();
  }
});

test('a SIGCHLD handler that waits once leaves zombies when children exit together, and says it must loop', async () => {
  const { live, port } = await traceServer('reap_once_server');
  try {
    // Batches of children that exit at the same moment, until the kernel shows a left-behind zombie.
    let leftBehind: number[] = [];
    for (let batch = 0; batch < 20 && leftBehind.length === 0; batch++) {
      await runClients({ port, count: 8, parallel: 8 });
      await sleep(150);
      const server = live.snapshot().processes[0];
      leftBehind = childrenOf(live.snapshot(), server)
        .filter((p) => procState(p.pid) === 'Z')
        .map((p) => p.pid);
    }
    assert.ok(leftBehind.length > 0, 'the kernel kept at least one zombie (coalesced SIGCHLD)');
    const snap = await eventually(
      () => {
        const s = live.snapshot();
        const zombies = s.processes.filter((p) => p.state === 'zombie').map((p) => p.pid);
        return leftBehind.every((pid) => zombies.includes(pid)) ? s : undefined;
      },
      10_000,
      'the model to show the zombies /proc shows',
    );
    const coalesced = snap.diagnostics.find((d) => d.kind === 'sigchld-coalesced');
    assert.ok(coalesced, 'a sigchld-coalesced diagnostic');
    assert.equal(coalesced.pids[0], snap.processes[0].pid);
    assert.match(coalesced.message, /while \(waitpid\(-1, &status, WNOHANG\) > 0\)/);
    const end = await live.stop();
    const leak = end.snapshot.diagnostics.find((d) => d.kind === 'zombie-leak');
    assert.ok(leak);
    assert.match(leak.message, /one child per signal/);
    for (const pid of leftBehind) assert.ok(leak.pids.includes(pid), `pid ${pid} is named in the leak`);
  } finally {
    await live.stop();
  }
});

test('accept interrupted by SIGCHLD without SA_RESTART is reported, and the program really saw EINTR', async () => {
  const { live, port, stderr } = await traceServer('eintr_server');
  try {
    await runClients({ port, count: 2 });
    await eventually(() => stderr().includes('accept: Interrupted system call'), 10_000, 'the server to print EINTR');
    const snap = await eventually(
      () => {
        const s = live.snapshot();
        return s.diagnostics.some((d) => d.kind === 'eintr-no-restart') ? s : undefined;
      },
      10_000,
      'an eintr-no-restart diagnostic',
    );
    const d = snap.diagnostics.find((x) => x.kind === 'eintr-no-restart');
    assert.ok(d);
    assert.deepEqual(d.pids, [snap.processes[0].pid]);
    assert.match(d.message, /^accept in eintr_server/);
    assert.match(d.message, /without SA_RESTART/);
  } finally {
    await live.stop();
  }
});

test('a double-forked daemon is adopted by the pid /proc names, and the trace ends when it exits', async () => {
  buildPrograms();
  const live = startTrace({ program: join(EXAMPLES, 'double_fork_daemon'), args: ['0.5'], stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  live.strace.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const end = await live.done;
  assert.equal(end.stoppedByUser, false);
  const snap = end.snapshot;
  assert.equal(snap.processes.length, 3);
  const [parent, child, daemon] = snap.processes;
  assert.equal(child.parentPid, parent.pid);
  assert.equal(daemon.parentPid, child.pid);
  assert.equal(child.reaped?.by, parent.pid);
  assert.equal(daemon.adoptedBy.length, 1);
  // The daemon printed the parent getppid() gave it after the double fork.
  const ppid = Number(/adopted by (\d+)/.exec(out)?.[1]);
  assert.ok(ppid > 0, `the daemon printed its new parent: ${out}`);
  assert.equal(daemon.adoptedBy[0].pid, ppid);
  if (ppid === 1) assert.equal(daemon.adoptedBy[0].command, readFileSync('/proc/1/comm', 'utf8').trim());
  // init reaps it unseen: at once on most machines; a moment later on some, and then /proc
  // showed it still init's zombie when the trace ended.
  if (daemon.state === 'zombie')
    assert.match(
      snap.diagnostics.find((d) => d.kind === 'orphan-adopted')?.message ?? '',
      /is still a zombie: its adopter, outside the trace, has not reaped it/,
    );
  else assert.deepEqual([daemon.reaped?.how, daemon.reaped?.seen], ['adopter', false]);
  const orphan = snap.diagnostics.find((d) => d.kind === 'orphan-adopted');
  assert.ok(orphan);
  assert.match(orphan.message, /double fork/);
});

test('stop kills the whole traced tree, double-forked escapees included', async () => {
  buildPrograms();
  const live = startTrace({ program: join(EXAMPLES, 'double_fork_daemon'), args: ['60'], stdio: ['ignore', 'ignore', 'inherit'] });
  const daemonPid = await eventually(
    () => {
      const s = live.snapshot();
      const d = s.processes[2];
      return d && d.adoptedBy.length > 0 && s.processes[0].state !== 'running' ? d.pid : undefined;
    },
    10_000,
    'the daemon to be orphaned and the launcher to exit',
  );
  assert.notEqual(procState(daemonPid), null, 'the daemon is alive before the stop');
  const ids = liveIdentities(live);
  assert.ok(ids.length >= 1);
  const end = await live.stop();
  assert.equal(byPid(end.snapshot, daemonPid).state, 'running', 'the picture is taken before the kill');
  await assertAllGone(ids);
  assert.equal(live.running, false);
});

test('a pid reused after reaping is a new process in the live trace', async () => {
  buildPrograms();
  const live = startTrace({ program: join(PROGRAMS, 'pid_reuse'), stdio: ['ignore', 'ignore', 'inherit'] });
  const end = await live.done;
  assert.equal(end.exitCode, 0, 'pid_reuse got the same pid twice (it exits 3 otherwise)');
  // Another fork on a busy machine can take the pid first; pid_reuse then tries again, so
  // there may be extra B's with other pids. The first child (A) and the last (the B that
  // got A's pid) are the pair.
  const children = end.snapshot.processes.slice(1);
  assert.ok(children.length >= 2 && children.length <= 6, `A and 1 to 5 B's, got ${children.length}`);
  const pid = children[0].pid;
  const same = children.filter((c) => c.pid === pid);
  assert.equal(same.length, 2);
  assert.equal(children.at(-1)?.pid, pid, "the last B is the one that got A's pid");
  assert.equal(new Set(children.map((c) => c.id)).size, children.length, 'every process has its own id');
  assert.deepEqual(
    same.map((c) => c.id),
    [String(pid), `${pid}.2`],
  );
  assert.deepEqual(
    same.map((c) => c.exit?.code),
    [0, 1],
  );
  assert.ok(children.every((c) => c.reaped?.how === 'wait'));
});

test('a program that is not executable gets a clear error, and nothing is started', () => {
  assert.throws(() => startTrace({ program: join(EXAMPLES, 'zombie_server.c') }), /not executable\. Run chmod \+x/);
  assert.throws(() => startTrace({ program: 'no-such-program-forktrace' }), /was not found on PATH/);
  assert.throws(() => startTrace({ program: join(EXAMPLES, 'nope') }), /does not exist/);
});
