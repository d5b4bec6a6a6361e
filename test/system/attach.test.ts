// Attaching to running processes: real servers started untraced, real strace, real
// loopback clients. What was there shows at once, what happens next is traced, and the
// detach leaves the process running, untraced, still serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { SiteResolver } from '../../src/sites';
import { LiveTrace } from '../../src/tracer/liveTrace';
import { prepareAttach } from '../../src/tracer/attach';
import type { ProcessJson, SnapshotJson } from '../../src/shared/schema';
import { buildPrograms, byPid, eventually, EXAMPLES, lineOf, PROGRAMS, ROOT, runClients, sleep, waitForOutput, zombieHolder } from '../support/system';

const CLI = join(ROOT, 'dist', 'cli.js');

function status(pid: number): { state: string; tracerPid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { state: /\nState:\s*(\S)/.exec(text)?.[1] ?? '?', tracerPid: Number(/\nTracerPid:\s*(\d+)/.exec(text)?.[1]) };
  } catch {
    return null;
  }
}

/** The zombies /proc shows `pid` holding: the test's own reading of /proc/PID/task/*\/children and stat. */
function zombiesOf(pid: number): number[] {
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
  return kids.filter((k) => status(k)?.state === 'Z').sort((a, b) => a - b);
}

/** zombie_server started untraced, its port read from what it prints. */
async function untracedServer(t: { after: (fn: () => void) => void }): Promise<{ server: ChildProcess; pid: number; port: number }> {
  buildPrograms();
  const server = spawn(join(EXAMPLES, 'zombie_server'), ['0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => server.kill('SIGKILL'));
  const m = await waitForOutput(server.stdout as Readable, /listening on 127\.0\.0\.1:(\d+)/);
  (server.stdout as Readable).resume();
  return { server, pid: server.pid as number, port: Number(m[1]) };
}

function attachLive(pid: number): LiveTrace {
  const resolver = new SiteResolver({ cwd: ROOT });
  const live = LiveTrace.start({ program: '', attachPid: pid, locator: resolver.locator() });
  void resolver.prepare([live.program]);
  return live;
}

test('zombie_server with 3 zombies: they show at once, 2 more connections are traced, and the detach leaves it serving', async (t) => {
  const { pid, port } = await untracedServer(t);
  assert.deepEqual(await runClients({ port, count: 3 }), { ok: 3, failed: 0, errors: [] });
  const before = await eventually(() => (zombiesOf(pid).length === 3 ? zombiesOf(pid) : false), 5000, '3 zombies');

  const live = attachLive(pid);
  t.after(() => void live.stop());
  // At once: from /proc, before any event of the trace.
  const first = live.snapshot();
  assert.deepEqual(first.attach, { pid, command: `${join(EXAMPLES, 'zombie_server')} 0`, detached: false });
  const root = byPid(first, pid);
  assert.equal(root.before, true);
  assert.ok(root.start !== null && root.start < 0, 'the server started before the trace: a negative time');
  const seeded = first.processes.filter((p) => p.parentPid === pid);
  assert.deepEqual(
    seeded.map((p) => p.pid).sort((a, b) => a - b),
    before,
  );
  for (const z of seeded) {
    assert.equal(z.state, 'zombie');
    assert.equal(z.before, true);
    assert.deepEqual(z.zombie, { from: null, to: null, before: true });
    assert.equal(z.exit?.code, 0, 'the exit status a zombie keeps in /proc');
  }
  await eventually(() => status(pid)?.tracerPid === live.pid, 5000, 'strace to attach');

  assert.deepEqual(await runClients({ port, count: 2 }), { ok: 2, failed: 0, errors: [] });
  const during = await eventually(
    () => {
      const s = live.snapshot();
      return s.processes.filter((p) => p.parentPid === pid).length === 5 && s.processes.every((p) => p.state !== 'running' || p.pid === pid) ? s : false;
    },
    10_000,
    'the 2 new children to exit',
  );
  const fresh = during.processes.filter((p) => p.parentPid === pid && p.before === undefined);
  assert.equal(fresh.length, 2);
  const forkLine = lineOf(join(EXAMPLES, 'zombie_server.c'), /pid_t pid = fork\(\)|= fork\(\)/);
  for (const c of fresh) {
    assert.ok(c.start !== null && c.start >= 0 && c.zombie?.from !== null && (c.zombie?.from ?? -1) >= c.start, `a traced zombie interval for ${c.pid}`);
    assert.equal(c.zombie?.to, null);
    assert.equal(c.forkSite?.line, forkLine);
  }

  const end = await live.stop();
  assert.equal(end.failure, null);
  assert.deepEqual(end.snapshot.attach, { pid, command: `${join(EXAMPLES, 'zombie_server')} 0`, detached: true });
  assert.equal(end.snapshot.summary.zombiesAtEnd, 5);
  assert.deepEqual(end.snapshot.warnings, [], "strace's <detached ...> is not a warning");
  const leak = end.snapshot.diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.deepEqual(
    leak?.pids.slice(1).sort((a, b) => a - b),
    zombiesOf(pid),
  );
  assert.equal(leak?.location?.line, forkLine, 'the leak points at the fork the trace saw');
  // Alive, untraced, serving.
  assert.deepEqual(status(pid), { state: 'S', tracerPid: 0 });
  assert.deepEqual(await runClients({ port, count: 1 }), { ok: 1, failed: 0, errors: [] });
  await eventually(() => zombiesOf(pid).length === 6, 5000, 'a 6th zombie, made untraced');
});

test('forktrace attach: Ctrl-C detaches, the output says so, and the server keeps serving', async (t) => {
  const { pid, port } = await untracedServer(t);
  await runClients({ port, count: 3 });
  await eventually(() => zombiesOf(pid).length === 3, 5000, '3 zombies');
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-attach-'));
  const cli = spawn(
    process.execPath,
    [CLI, 'attach', '--no-color', '--json', join(dir, 'out.json'), '--sarif', join(dir, 'out.sarif'), '--fail-on', 'error', String(pid)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => cli.kill('SIGKILL'));
  let out = '';
  cli.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  await waitForOutput(cli.stderr as Readable, new RegExp(`attached to pid ${pid} \\(.*zombie_server 0\\): detaching leaves it running`));
  let err = '';
  cli.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  await eventually(() => (status(pid)?.tracerPid ?? 0) > 0, 5000, 'strace to attach');
  await runClients({ port, count: 2 });
  await sleep(300);
  cli.kill('SIGINT');
  const code = await new Promise<number | null>((r) => cli.on('exit', (c) => r(c)));
  assert.equal(code, 1, `--fail-on error: the zombie-leak fails the run; ${err}`);
  assert.match(err, new RegExp(`detached from pid ${pid} \\(.*zombie_server 0\\); it keeps running, untraced\\.`));
  const sarif = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string }> }> };
  assert.deepEqual(
    sarif.runs[0].results.map((r) => r.ruleId),
    ['zombie-leak'],
  );
  assert.match(out, new RegExp(`^${pid}  zombie_server  before–…s  running`, 'm'));
  assert.equal((out.match(/zombie since before the trace/g) ?? []).length, 3);
  assert.equal((out.match(/zombie since \d/g) ?? []).length, 2);
  assert.match(out, /5 zombies at end/);
  const snap = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as SnapshotJson;
  assert.equal(snap.attach?.detached, true);
  assert.equal(snap.processes.filter((p) => p.before).length, 4);
  assert.deepEqual(status(pid), { state: 'S', tracerPid: 0 });
  assert.deepEqual(await runClients({ port, count: 1 }), { ok: 1, failed: 0, errors: [] });
});

test('forktrace attach --duration detaches by itself; SIGTERM detaches too', async (t) => {
  const { pid, port } = await untracedServer(t);
  const r = spawnSync(process.execPath, [CLI, 'attach', '--duration', '1', '--no-color', String(pid)], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /it keeps running, untraced/);
  assert.deepEqual(status(pid), { state: 'S', tracerPid: 0 });
  const cli = spawn(process.execPath, [CLI, 'attach', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForOutput(cli.stderr as Readable, /attached to pid/);
  await eventually(() => (status(pid)?.tracerPid ?? 0) > 0, 5000, 'strace to attach');
  cli.kill('SIGTERM');
  assert.equal(await new Promise<number | null>((res) => cli.on('exit', (c) => res(c))), 0);
  assert.deepEqual(status(pid), { state: 'S', tracerPid: 0 });
  assert.deepEqual(await runClients({ port, count: 1 }), { ok: 1, failed: 0, errors: [] });
});

test('forktrace attach --json on zombies it only finds: the zombie-leak points at the only fork() of zombie_server, inferred and said so; two_fork_sites gets no line and the reason', async (t) => {
  const { pid, port } = await untracedServer(t);
  assert.deepEqual(await runClients({ port, count: 3 }), { ok: 3, failed: 0, errors: [] });
  const zombies = await eventually(() => (zombiesOf(pid).length === 3 ? zombiesOf(pid) : false), 5000, '3 zombies');
  let r = spawnSync(process.execPath, [CLI, 'attach', '--duration', '1', '--no-color', '--json', '-', String(pid)], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  let snap = JSON.parse(r.stdout) as SnapshotJson;
  const forkLine = lineOf(join(EXAMPLES, 'zombie_server.c'), /pid_t pid = fork\(\)/);
  const fork = { file: join(EXAMPLES, 'zombie_server.c'), line: forkLine, function: 'main' };
  const [leak, ...others] = snap.diagnostics;
  assert.deepEqual(others, []);
  assert.deepEqual([leak.kind, leak.pids[0], leak.pids.slice(1).sort((a, b) => a - b)], ['zombie-leak', pid, zombies]);
  assert.deepEqual(leak.location, fork);
  const how = 'the fork was before the attach; this is the only call in zombie_server that makes processes (fork())';
  assert.equal(leak.locationNote, how);
  assert.match(leak.message, /The fork was before the attach; this is the only call in zombie_server that makes processes \(fork\(\)\)\./);
  assert.ok(leak.fixes.length > 0, `a fix at the line: ${leak.fixNote}`);
  for (const z of zombies) assert.deepEqual([byPid(snap, z).forkSite, byPid(snap, z).forkSiteNote], [fork, how]);

  const holder = spawn(join(PROGRAMS, 'two_fork_sites'), ['20000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => holder.kill('SIGKILL'));
  await waitForOutput(holder.stdout as Readable, /worker \d+ logger \d+/);
  const two = await eventually(() => (zombiesOf(holder.pid as number).length === 2 ? zombiesOf(holder.pid as number) : false), 5000, '2 zombies');
  r = spawnSync(process.execPath, [CLI, 'attach', '--duration', '0.5', '--no-color', '--json', '-', String(holder.pid)], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  snap = JSON.parse(r.stdout) as SnapshotJson;
  const source = join(PROGRAMS, 'two_fork_sites.c');
  const sites = [lineOf(source, 'fork site 1'), lineOf(source, 'fork site 2')];
  const none = snap.diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.deepEqual(
    none?.pids.slice(1).sort((a, b) => a - b),
    two,
  );
  assert.equal(none?.location, null);
  assert.equal(
    none?.locationNote,
    `The fork was before the attach, and two_fork_sites has 2 calls that make processes (fork()), at two_fork_sites.c:${sites[0]} (spawn_worker), two_fork_sites.c:${sites[1]} (spawn_logger): which one it was is not known.`,
  );
  assert.equal(none?.locationPreciseWouldPin, false);
  for (const z of two) assert.equal(byPid(snap, z).forkSite, null);
});

/** attach_target: 2 sleeping threads and a living child that exits 4 on the first line of stdin. */
async function target(t: { after: (fn: () => void) => void }): Promise<{ proc: ChildProcess; pid: number; child: number; say: () => void; out: Readable }> {
  buildPrograms();
  const proc = spawn(join(PROGRAMS, 'attach_target'), ['60'], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => proc.kill('SIGKILL'));
  const m = await waitForOutput(proc.stdout as Readable, /ready (\d+) (\d+)\n/);
  return { proc, pid: Number(m[1]), child: Number(m[2]), say: () => (proc.stdin as Writable).write('go\n'), out: proc.stdout as Readable };
}

test('a multi-threaded process with a living child: threads grouped, the child traced until it exits and is reaped', async (t) => {
  const { pid, child, say, out } = await target(t);
  const live = attachLive(pid);
  t.after(() => void live.stop());
  const first = live.snapshot();
  assert.equal(byPid(first, pid).threads, 3, 'main and its two threads, one process');
  assert.equal(first.processes.length, 2, 'no thread is drawn as a process');
  assert.deepEqual([byPid(first, child).parentPid, byPid(first, child).state, byPid(first, child).before], [pid, 'running', true]);
  await eventually(() => status(child)?.tracerPid === live.pid && status(pid)?.tracerPid === live.pid, 5000, 'strace to attach to both');

  const reaped = waitForOutput(out, /reaped \d+ status 4\n/);
  say();
  await reaped;
  const second = waitForOutput(out, /reaped \d+ status 5\n/);
  say();
  await second;
  const snap = await eventually(
    () => {
      const s = live.snapshot();
      return s.processes.length === 3 && s.processes.every((p) => p.pid === pid || p.state === 'reaped') ? s : false;
    },
    10_000,
    'both children reaped in the trace',
  );
  const c = byPid(snap, child);
  assert.equal(c.exit?.code, 4);
  assert.equal(c.before, true);
  assert.deepEqual([c.reaped?.by, c.reaped?.how, c.reaped?.seen], [pid, 'wait', true]);
  assert.ok(c.zombie && c.zombie.from !== null && c.zombie.from >= 0 && c.zombie.to !== null, 'its exit was traced: a known interval');
  const fresh = snap.processes.find((p) => p.pid !== pid && p.pid !== child);
  assert.deepEqual([fresh?.parentPid, fresh?.exit?.code, fresh?.before], [pid, 5, undefined]);

  const end = await live.stop();
  assert.equal(end.snapshot.attach?.detached, true);
  assert.equal(end.snapshot.diagnostics.filter((d) => d.kind === 'zombie-leak').length, 0);
  assert.deepEqual(status(pid), { state: 'S', tracerPid: 0 });
});

// /proc is read before strace attaches, and the program goes on meanwhile: a zombie its parent
// reaped in between stayed a zombie in the picture for ever (a false zombie-leak). The seed now
// waits for strace to attach and reads /proc again; a reaping strace saw is read from its wait.
test('a zombie its parent reaps while strace attaches is never left a zombie: gone from the picture, or reaped in it', async (t) => {
  buildPrograms();
  const { proc: holder, pid, zombies } = await zombieHolder(t, 2);
  const [first, second] = zombies;
  const reaped = waitForOutput(holder.stdout as Readable, /reaped (\d+)\n/);

  const live = attachLive(pid);
  t.after(() => void live.stop());
  // At once, from /proc: both zombies.
  const before = live.snapshot();
  assert.deepEqual([byPid(before, first).state, byPid(before, second).state], ['zombie', 'zombie']);
  holder.kill('SIGUSR1'); // it reaps the first at once: before strace attaches, or just after
  await reaped;
  await eventually(() => status(pid)?.tracerPid === live.pid, 5000, 'strace to attach');
  const removed: string[] = [];
  const end = await eventually(
    () => {
      removed.push(...live.delta().removed);
      const s = live.snapshot();
      const p = s.processes.find((x) => x.pid === first);
      return p === undefined || p.state === 'reaped' ? s : false;
    },
    5000,
    'the first zombie gone from the picture, or reaped in it',
  );
  const p = end.processes.find((x) => x.pid === first);
  if (p) {
    // strace saw the wait: reaped by the holder, with the status the wait returned.
    assert.deepEqual([p.parentPid, p.reaped?.by, p.reaped?.how, p.before], [pid, pid, 'wait', true]);
  } else {
    // Reaped before strace attached: not in the trace at all, and a view shown it at once is told to drop it.
    assert.ok(removed.includes(byPid(before, first).id), `removed ${JSON.stringify(removed)}`);
  }
  assert.equal(byPid(end, second).state, 'zombie', 'the other is still held');
  const stopped = await live.stop();
  const leak = stopped.snapshot.diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.deepEqual(leak?.pids, [pid, second], 'the zombie-leak names the zombie still held, only');
});

test('the seed looks at /proc again once strace has attached: a zombie reaped since the first look is left out, the one still held kept', async (t) => {
  buildPrograms();
  const { proc: holder, pid, zombies } = await zombieHolder(t, 2);
  const attach = prepareAttach(pid);
  assert.deepEqual(
    attach.existing.map((e) => [e.pid, e.zombie !== null]),
    [
      [pid, false],
      [zombies[0], true],
      [zombies[1], true],
    ],
  );
  const reaped = waitForOutput(holder.stdout as Readable, /reaped (\d+)\n/);
  holder.kill('SIGUSR1');
  assert.equal(Number((await reaped)[1]), zombies[0]);
  assert.deepEqual(
    attach.stillThere().map((e) => e.pid),
    [pid, zombies[1]],
  );
});

// Attaching to a busy server went wrong three ways: /proc was read before strace attached (a
// child forked in between was a warning, "wait4 reaped pid N, which the trace never saw start"),
// the picture was taken before the detach, cutting strace's output mid-stream (children the next
// lines reaped were zombies), and every zombie the trace ended on was a zombie-leak error. With
// the build before, 12 attaches of 1.2 s gave 2 false zombie-leaks and 15 such warnings.
test('attached three times to a busy reap-loop server: each picture is what its own log says, with no zombie-leak and no warning', async (t) => {
  buildPrograms();
  const server = spawn(join(EXAMPLES, 'reap_loop_server'), ['0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => server.kill('SIGKILL'));
  const m = await waitForOutput(server.stdout as Readable, /listening on 127\.0\.0\.1:(\d+)/);
  (server.stdout as Readable).resume();
  const pid = server.pid as number;
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-attach-busy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Load until the last attach ends, however fast the machine: a fixed count ran out before the third on a fast one.
  let loading = true;
  t.after(() => (loading = false));
  const load = (async () => {
    let failed = 0;
    while (loading) failed += (await runClients({ port: Number(m[1]), count: 200, parallel: 4 })).failed;
    return { failed };
  })();
  const traced = (s: SnapshotJson) =>
    s.processes
      .filter((p) => !p.before)
      .map((p) => [p.pid, p.state, p.reaped?.by ?? null])
      .sort((a, b) => Number(a[0]) - Number(b[0]));
  for (let k = 0; k < 3; k++) {
    const [log, json] = [join(dir, `attach${k}.log`), join(dir, `attach${k}.json`)];
    // Not spawnSync: the clients run in this process's event loop.
    // --keep all: a fast machine makes more than the 2,000 reaped children a live trace keeps in full.
    const cli = spawn(process.execPath, [CLI, 'attach', '--duration', '1', '--keep', 'all', '--no-color', '--log', log, '--json', json, String(pid)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    cli.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    assert.equal(await new Promise<number | null>((res) => cli.on('exit', (c) => res(c))), 0, err);
    const live = JSON.parse(readFileSync(json, 'utf8')) as SnapshotJson;
    const a = spawnSync(process.execPath, [CLI, 'analyze', '--json', '-', log], { encoding: 'utf8', timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(a.status, 0, a.stderr);
    assert.ok(traced(live).length > 50, `attach ${k}: ${traced(live).length} connections' children traced`);
    assert.deepEqual(traced(live), traced(JSON.parse(a.stdout) as SnapshotJson), `attach ${k}: the picture is the log's`);
    assert.deepEqual(
      live.diagnostics.filter((d) => d.kind === 'zombie-leak'),
      [],
      `attach ${k}`,
    );
    assert.deepEqual(live.warnings, [], `attach ${k}`);
  }
  loading = false;
  assert.equal((await load).failed, 0);
  assert.deepEqual(status(pid)?.tracerPid, 0);
});

// A child forked between the first look at /proc and strace's attach to its parent is one
// strace never follows. Before, the picture missed it until its parent reaped it: 8 or 9 of
// steady_forks' 500 children, in every attach while it forked.
test('attached while it forks: every child /proc shows is in the picture, those strace never followed marked untraced, and their reaping gives their exit', async (t) => {
  buildPrograms();
  const proc = spawn(join(PROGRAMS, 'steady_forks'), ['500'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const pid = proc.pid as number;
  t.after(() => {
    try {
      process.kill(-pid, 'SIGKILL'); // its children too: they wait in pause()
    } catch {
      /* gone */
    }
  });
  const forked = waitForOutput(proc.stdout as Readable, /forked 500\n/, 30_000);
  await sleep(100); // it is forking, a child every 2 ms
  const live = attachLive(pid);
  t.after(() => void live.stop());
  const shown = new Map<string, ProcessJson>();
  const view = () => {
    const d = live.delta();
    for (const id of d.removed) shown.delete(id);
    for (const p of d.processes) shown.set(p.id, p);
  };
  await forked;
  await eventually(() => status(pid)?.tracerPid === live.pid, 5000, 'strace to attach');
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').map(Number);
  assert.equal(kids.length, 500);
  const snap = await eventually(
    () => {
      view();
      const s = live.snapshot();
      return s.processes.filter((p) => p.parentPid === pid && p.state === 'running').length >= 500 ? s : false;
    },
    10_000,
    'every child in the picture',
  );
  const children = snap.processes.filter((p) => p.parentPid === pid);
  assert.deepEqual(
    children.map((p) => p.pid).sort((a, b) => a - b),
    [...kids].sort((a, b) => a - b),
    'the children /proc shows, no more, no less',
  );
  assert.ok(children.every((p) => p.state === 'running'));
  const untraced = children.filter((p) => p.untraced);
  assert.ok(untraced.length > 0, 'some child was forked as strace attached (a 2 ms fork rhythm, and strace takes longer to start)');
  for (const p of untraced) {
    assert.equal(p.before, true);
    assert.equal(status(p.pid)?.tracerPid, 0, `strace does not follow ${p.pid}`);
  }
  for (const p of children.filter((c) => !c.untraced)) assert.equal(status(p.pid)?.tracerPid, live.pid, `strace follows ${p.pid}`);
  view();
  assert.deepEqual(
    [...shown.values()]
      .filter((p) => p.parentPid === pid)
      .map((p) => p.pid)
      .sort((a, b) => a - b),
    [...kids].sort((a, b) => a - b),
    'a live view was sent them all',
  );

  proc.kill('SIGUSR1'); // it kills every child and reaps each, then exits
  const end = await live.done;
  const after = end.snapshot.processes.filter((p) => p.parentPid === pid);
  assert.equal(after.length, 500);
  assert.deepEqual(
    after.filter((p) => p.state !== 'reaped' || p.reaped?.how !== 'wait' || p.exit?.signal !== 'SIGTERM').map((p) => [p.pid, p.state, p.exit]),
    [],
    'each reaped by its wait, killed by SIGTERM (for the untraced, the wait status says so)',
  );
  for (const p of after.filter((c) => c.untraced)) assert.equal(p.exit?.time, null, 'its exit time is not in the trace');
  assert.deepEqual(end.snapshot.warnings, []);
  assert.deepEqual(
    end.snapshot.diagnostics.filter((d) => d.kind === 'zombie-leak'),
    [],
  );
});

test('a process that exits during the attach: what was seen is reported, exit 0', async (t) => {
  const { proc, pid, say } = await target(t);
  const cli = spawn(process.execPath, [CLI, 'attach', '--no-color', String(pid)], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => cli.kill('SIGKILL'));
  let out = '';
  cli.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  await waitForOutput(cli.stderr as Readable, /attached to pid/);
  let err = '';
  cli.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  await eventually(() => (status(pid)?.tracerPid ?? 0) > 0, 5000, 'strace to attach');
  say();
  await sleep(200);
  proc.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => cli.on('exit', (c) => r(c)));
  assert.equal(code, 0, err);
  assert.match(err, new RegExp(`attach_target 60 \\(pid ${pid}\\) exited during the attach; the picture shows what the trace saw until then`));
  assert.match(out, new RegExp(`^${pid}  attach_target  before–\\d+\\.\\d+s  killed by SIGTERM`, 'm'));
  assert.match(out, /exited with code 4/);
});

function attachCli(args: string[], env?: NodeJS.ProcessEnv): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'attach', ...args], { encoding: 'utf8', timeout: 30_000, env });
  return { status: r.status, stderr: r.stderr };
}

test('refusals exit 2 and name the fix: not a number, no such pid, a kernel thread, already traced', async (t) => {
  let r = attachCli(['server']);
  assert.deepEqual([r.status, /"server" is not a process id/.test(r.stderr)], [2, true]);
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  r = attachCli([String(max)]);
  assert.deepEqual([r.status, /There is no process with pid/.test(r.stderr)], [2, true]);
  r = attachCli(['2']);
  assert.deepEqual([r.status, /\[kthreadd\] \(pid 2\) is a kernel thread/.test(r.stderr)], [2, true]);
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  const tracer = spawn('strace', ['-p', String(sleeper.pid), '-o', '/dev/null'], { stdio: 'ignore' });
  t.after(() => {
    tracer.kill('SIGKILL');
    sleeper.kill('SIGKILL');
  });
  await eventually(() => status(sleeper.pid as number)?.tracerPid === tracer.pid, 5000, 'strace -p to attach');
  r = attachCli([String(sleeper.pid)]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`already traced by strace -p ${sleeper.pid} -o /dev/null \\(pid ${tracer.pid}\\)`));
  assert.equal(status(sleeper.pid as number)?.tracerPid, tracer.pid, 'nothing changed');
});

test("refusal: uid 65534 attaching to root's process, exit 2, nothing changed", async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run forktrace as another user');
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'attach', String(sleeper.pid)], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /belongs to user root \(uid 0\) and forktrace runs as nobody \(uid 65534\).*sudo forktrace attach/);
  assert.equal(status(sleeper.pid as number)?.tracerPid, 0);
});

test("forktrace attach, run from another directory, to `perl leak.pl`: the script's lines are found in the process's own directory", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-attach-perl-'));
  writeFileSync(
    join(dir, 'leak.pl'),
    ['$| = 1; print "ready\\n";', 'while (1) {', '    if (fork() == 0) { exit 0; }  # never reaped', '    select(undef, undef, undef, 0.1);', '}', ''].join(
      '\n',
    ),
  );
  const perl = spawn('perl', ['leak.pl'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => perl.kill('SIGKILL'));
  await waitForOutput(perl.stdout as Readable, /ready/);
  (perl.stdout as Readable).resume();
  // From the repository root, not from the script's directory.
  const r = spawnSync(process.execPath, [CLI, 'attach', '--duration', '1', '--json', '-', String(perl.pid)], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const snap = JSON.parse(r.stdout) as SnapshotJson;
  const leak = snap.diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.ok(leak, r.stdout);
  assert.match(leak.locationNote ?? '', /leak\.pl is a Perl script: .*\(candidates, not facts\): leak\.pl:3\./);
  assert.equal(status(perl.pid as number)?.tracerPid, 0, 'detached');
});

// A threaded program recorded by hand with `strace -f -p PID`: its threads were there
// before the log, so no clone names them. A worker thread forks and tags its log line with
// getpid(), as servers do; the main thread reaps. getpid() names the worker's process.
test('analyze on a strace -f -p log of a threaded program: the thread whose getpid() names its process is drawn in it, with the children it forked', async (t) => {
  buildPrograms();
  const proc = spawn(join(PROGRAMS, 'thread_forks'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => proc.kill('SIGKILL'));
  let out = '';
  (proc.stdout as Readable).on('data', (d: Buffer) => (out += d.toString()));
  const [pid, worker, sleeper] = (await eventually(() => /ready (\d+) (\d+) (\d+)\n/.exec(out) ?? false, 5000, 'ready')).slice(1).map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-thread-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'threads.log');
  const strace = spawn('strace', ['-f', '-ttt', '-o', log, '-p', String(pid)], { stdio: 'ignore' });
  t.after(() => strace.kill('SIGKILL'));
  await eventually(() => [pid, worker, sleeper].every((tid) => status(tid)?.tracerPid === strace.pid), 5000, 'strace to attach to every thread');
  for (let k = 1; k <= 3; k++) {
    (proc.stdin as Writable).write('go\n');
    await eventually(() => [...out.matchAll(/reaped \d+ status \d+\n/g)].length === k, 5000, `child ${k} reaped`);
  }
  (proc.stdin as Writable).end();
  await eventually(() => proc.exitCode !== null && strace.exitCode !== null, 10_000, 'the program to exit, and strace with it');
  const forked = [...out.matchAll(/\[(\d+)\] forked (\d+)\n/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.deepEqual(
    forked.map(([by]) => by),
    [pid, pid, pid],
    'the worker thread getpid() says it is in the process',
  );
  const statuses = new Map([...out.matchAll(/reaped (\d+) status (\d+)\n/g)].map((m) => [Number(m[1]), Number(m[2])]));
  const children = forked.map(([, child]) => child);

  const r = spawnSync(process.execPath, [CLI, 'analyze', '--no-color', '--json', '-', log], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const snap = JSON.parse(r.stdout) as SnapshotJson;
  // The worker is no process: the picture's processes are the program, the sleeper (nothing in
  // the log names its process: drawn alone, as the first warning says) and the three children.
  assert.deepEqual(
    snap.processes.map((p) => p.pid).sort((a, b) => a - b),
    [pid, sleeper, ...children].sort((a, b) => a - b),
    `worker ${worker}, sleeper ${sleeper}`,
  );
  assert.equal(byPid(snap, pid).threads, 2, 'the main thread and the worker');
  for (const child of children) {
    const c = byPid(snap, child);
    assert.deepEqual(
      [c.parentPid, c.state, c.reaped?.by ?? null, c.exit?.code ?? null],
      [pid, 'reaped', pid, statuses.get(child)],
      `child ${child}: forked by the worker thread of ${pid}, reaped by its main thread`,
    );
  }
  assert.ok(!snap.diagnostics.some((d) => d.kind === 'zombie-leak'), JSON.stringify(snap.diagnostics));
  // One child at a time, each reaped before the next: the program and the sleeper, which end
  // together (both drawn with no fork that made them), are no zombies at once with it.
  assert.equal(snap.summary.maxZombies, 1);
  assert.match(
    snap.warnings[0]?.reason ?? '',
    /^this log begins mid-run: .* 2 processes appear in it with no fork .*which of them are threads of one process are not in the log/,
  );
});

// What a user records by hand, `strace -f -p PID -p CHILD -o log`, then reads with analyze:
// no /proc behind it, only the log. Before, the child the main thread reaped showed as
// "reaped by an unidentified process", with a false "already reaped" warning.
test('analyze on a log the user recorded with strace -f -p: the attached child reaped by its parent, the others there from the start, and a note on what is unknown', async (t) => {
  const { pid, child, say, out } = await target(t);
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-attach-log-'));
  const log = join(dir, 'attached.log');
  const strace = spawn('strace', ['-f', '-ttt', '-o', log, '-p', String(pid), '-p', String(child)], { stdio: 'ignore' });
  t.after(() => strace.kill('SIGKILL'));
  await eventually(() => status(child)?.tracerPid === strace.pid && status(pid)?.tracerPid === strace.pid, 5000, 'strace to attach to both');
  const reaped = waitForOutput(out, /reaped \d+ status 4\n/);
  say();
  await reaped;
  const second = waitForOutput(out, /reaped (\d+) status 5\n/);
  say();
  const forked = Number((await second)[1]);
  strace.kill('SIGINT');
  await eventually(() => status(pid)?.tracerPid === 0, 5000, 'strace to detach');

  const r = spawnSync(process.execPath, [CLI, 'analyze', '--no-color', '--json', '-', log], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const snap = JSON.parse(r.stdout) as SnapshotJson;
  const shown = (p: number) => {
    const x = byPid(snap, p);
    return [x.parentPid, x.state, x.reaped?.by ?? null, x.before ?? false];
  };
  assert.deepEqual(shown(child), [null, 'reaped', pid, true], 'reaped by the wait that returned it');
  assert.deepEqual(shown(pid), [null, 'running', null, true]);
  assert.deepEqual(shown(forked), [pid, 'reaped', pid, false], 'forked and reaped in the trace');
  assert.ok(!snap.warnings.some((w) => /already reaped/.test(w.reason)), JSON.stringify(snap.warnings));
  // The two sleeping threads show as processes of their own (no log says whose threads they are): the note says so.
  assert.equal(snap.processes.length, 5, snap.processes.map((p) => p.pid).join(' '));
  const [note] = snap.warnings;
  assert.equal(note.recording, true);
  assert.equal(note.line, 1);
  assert.match(
    note.reason,
    /^this log begins mid-run: .* 4 processes appear in it with no fork .*which of them are threads of one process are not in the log\. forktrace attach PID/,
  );
});
