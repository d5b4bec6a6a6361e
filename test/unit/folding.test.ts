// Folding (src/core/folding.ts): a long trace keeps the recent and the eventful processes
// in full detail and the rest as exact counts per parent and fork site, in flat memory.
// The input is real strace text through the real parser: a fork-per-connection server
// (pid 100) whose SIGCHLD handler loops on waitpid, one connection a millisecond.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TraceSession } from '../../src/core/session';
import { DurationSketch, EXACT_LIMIT } from '../../src/core/durationSketch';
import { buildDelta } from '../../src/core/snapshotBuilder';
import type { ProcessNode } from '../../src/core/model';
import type { SiteLocator } from '../../src/core/diagnostics';
import type { SnapshotJson } from '../../src/shared/schema';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const T0 = 1700000000;
const CLONE = 'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10)';
const stamp = (t: number): string => (T0 + t).toFixed(6);

/** What connection `n` (0-based) of the synthetic server does, and what the test expects of it. */
interface Plan {
  /** Connections whose child stays a zombie for 2 s (past the 1 s linger threshold): zombie-lingering names them. */
  lingering: Set<number>;
  /** Exit code of connection n's child. */
  code(n: number): number;
  /** Its zombie time, in microseconds. */
  zombieMicros(n: number): number;
}

const PLAN: Plan = {
  lingering: new Set([10, 40_000, 70_000]),
  code: (n) => (n % 10 === 3 ? 1 : 0),
  zombieMicros: (n) => 100 + (n % 400),
};

/** Pids 1000..30999, reused as the kernel does once pid_max wraps. */
const pidOf = (n: number): number => 1000 + (n % 30_000);

/**
 * Lines for connections [from, to): the server forks, the child exits, SIGCHLD, the
 * handler's waitpid loop reaps it and drains. A lingering child is reaped 2 s later, by
 * the handler run of a later connection (its own SIGCHLD run found it not exited yet).
 */
function connections(from: number, to: number, plan: Plan): string {
  const lines: string[] = [];
  for (let n = from; n < to; n++) {
    const t = n * 0.001;
    const pid = pidOf(n);
    lines.push(`100   ${stamp(t)} ${CLONE} = ${pid}`);
    lines.push(`${pid}  ${stamp(t + 0.0001)} exit_group(${plan.code(n)}) = ?`);
    lines.push(`${pid}  ${stamp(t + 0.0001)} +++ exited with ${plan.code(n)} +++`);
    if (plan.lingering.has(n)) continue; // reaped 2 s later, below
    const reapAt = t + 0.0001 + plan.zombieMicros(n) / 1e6;
    lines.push(
      `100   ${stamp(t + 0.0001)} --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=${pid}, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`,
    );
    lines.push(`100   ${stamp(reapAt)} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == ${plan.code(n)}}], WNOHANG, NULL) = ${pid}`);
    for (const late of plan.lingering) {
      // The late one's 2 s are up: this handler run's loop reaps it too.
      if (n === late + 2000)
        lines.push(`100   ${stamp(reapAt)} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == ${plan.code(late)}}], WNOHANG, NULL) = ${pidOf(late)}`);
    }
    lines.push(`100   ${stamp(reapAt)} wait4(-1, 0x7ffd0000, WNOHANG, NULL) = 0`);
    lines.push(`100   ${stamp(reapAt)} rt_sigreturn({mask=[]}) = 0`);
  }
  return lines.join('\n') + '\n';
}

const START = [
  `100   ${stamp(-0.5)} execve("/srv/server", ["server"], 0x7ffd0000 /* 3 vars */) = 0`,
  `100   ${stamp(-0.4)} rt_sigaction(SIGCHLD, {sa_handler=0x401196, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f00}, NULL, 8) = 0`,
].join('\n');

/**
 * A last child that exits with nobody reaping it: a zombie when the trace ends, 5 s later
 * (past twice the longest the server took to reap, 2 s: a leak, not a reaping still to come).
 */
function zombieAtEnd(n: number): string {
  const pid = pidOf(n);
  return (
    [
      `100   ${stamp(n * 0.001)} ${CLONE} = ${pid}`,
      `${pid}  ${stamp(n * 0.001 + 0.0001)} +++ exited with 0 +++`,
      `100   ${stamp(n * 0.001 + 5)} getppid() = 1`,
    ].join('\n') + '\n'
  );
}

/** Feeds `count` connections in batches of 1000, calling `at` after each batch. */
function feed(session: TraceSession, count: number, plan: Plan, at?: (done: number) => void): void {
  session.push(START + '\n');
  for (let n = 0; n < count; n += 1000) {
    session.push(connections(n, Math.min(count, n + 1000), plan));
    at?.(Math.min(count, n + 1000));
  }
}

function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe('folding 100,000 reaped children of a fork-per-connection server', () => {
  const N = 100_000;
  const KEEP = 200;
  const session = new TraceSession({ keepReaped: KEEP });
  let heapAt50k = 0;
  let heapAt100k = 0;
  const firstChild: Array<WeakRef<ProcessNode>> = [];
  const before = heapMiB();
  feed(session, N, PLAN, (done) => {
    if (done === 1000) {
      // A child among the most recent ones, still in the model's hands: folded later.
      const p = session.model.processes.find((q) => q.pid === pidOf(999));
      if (p) firstChild.push(new WeakRef(p));
    }
    if (done === 50_000) heapAt50k = heapMiB();
  });
  session.push(zombieAtEnd(N));
  session.finish();
  heapAt100k = heapMiB();
  const s = session.snapshot();

  test('summary.processes counts every process ever seen, folded or kept', () => {
    assert.equal(s.summary.processes, 1 + N + 1);
    const folded = s.folded.reduce((sum, g) => sum + g.count, 0);
    assert.equal(s.processes.length + folded, s.summary.processes);
    assert.equal(s.summary.zombiesAtEnd, 1);
    assert.equal(s.summary.running, 1); // the server
  });

  test('the most recent reaped children are kept in full detail, the older uneventful ones folded', () => {
    const reapedKept = s.processes.filter((p) => p.state === 'reaped');
    // The bound, plus the three that lingered (a finding names them).
    assert.equal(reapedKept.length, KEEP + PLAN.lingering.size);
    // The recent ones: the last KEEP connections' children, all of them.
    // Times count from the server's execve, 0.5 s before the first connection.
    const starts = new Set(reapedKept.map((p) => Math.round(((p.start ?? 0) - 0.5) * 1000)));
    for (let n = N - KEEP; n < N; n++) assert.ok(starts.has(n), `connection ${n}'s child is kept`);
  });

  test('a zombie, and every process a finding names, is never folded', () => {
    const zombie = s.processes.find((p) => p.state === 'zombie');
    assert.ok(zombie, 'the zombie at the end is listed');
    assert.equal(zombie.pid, pidOf(N));
    const lingering = s.diagnostics.find((d) => d.kind === 'zombie-lingering');
    assert.ok(lingering, 'zombie-lingering is reported');
    assert.match(lingering.message, /^3 children of/);
    const ids = new Set(s.processes.map((p) => p.pid));
    for (const pid of lingering.pids) assert.ok(ids.has(pid), `pid ${pid}, named in the finding, is listed`);
    const leak = s.diagnostics.find((d) => d.kind === 'zombie-leak');
    assert.ok(leak);
    for (const pid of leak.pids) assert.ok(ids.has(pid), `pid ${pid}, named in the leak, is listed`);
  });

  test("one group per parent and fork site, with the folded children's exact counts and exit statuses", () => {
    assert.equal(s.folded.length, 1);
    const g = s.folded[0];
    assert.equal(g.parentId, '100');
    assert.equal(g.parentPid, 100);
    assert.equal(g.forkSite, null); // no locator: one group per parent
    assert.match(g.id, /^folded-/);
    const keptChildren = s.processes.filter((p) => p.parentId === '100');
    assert.equal(g.count, N + 1 - keptChildren.length);
    // Exit 1 for every tenth: the folded ones' statuses are exactly the kept ones' complement.
    const ones = Array.from({ length: N }, (_, n) => PLAN.code(n)).filter((c) => c === 1).length;
    const keptOnes = keptChildren.filter((p) => p.exit?.code === 1).length;
    assert.deepEqual(g.exits, [
      { code: 0, signal: null, count: g.count - (ones - keptOnes) },
      { code: 1, signal: null, count: ones - keptOnes },
    ]);
  });

  test('zombie time: min and max exact, median and p99 within 1%', () => {
    const g = s.folded[0];
    assert.ok(g.zombieTime);
    // The folded ones are connections 0..N-201 minus the lingering: zombie times 100..499 µs, uniform.
    assert.equal(g.zombieTime.min, 0.0001);
    assert.equal(g.zombieTime.max, 0.000499);
    assert.ok(Math.abs(g.zombieTime.median - 0.0003) / 0.0003 < 0.011, `median ${g.zombieTime.median}`);
    assert.ok(Math.abs(g.zombieTime.p99 - 0.000495) / 0.000495 < 0.011, `p99 ${g.zombieTime.p99}`);
    assert.equal(g.first, 0.5); // the first connection, 0.5 s after the execve
    assert.ok(g.last !== null && g.last > 99.5 && g.last < 100.5, `last ${g.last}`);
  });

  test('a folded process is released: nothing in the model holds it', async () => {
    // A WeakRef keeps its target until the job that made it ends.
    await new Promise((r) => setImmediate(r));
    gc();
    assert.equal(firstChild.length, 1);
    assert.equal(firstChild[0].deref(), undefined);
  });

  test('memory is flat: 50,000 more connections add under 1 MiB of heap, and the whole trace stays under 12 MiB', () => {
    const grew = heapAt100k - heapAt50k;
    console.log(`heap: ${(heapAt50k - before).toFixed(2)} MiB at 50,000, ${(heapAt100k - before).toFixed(2)} MiB at 100,000`);
    assert.ok(grew < 1, `heap grew ${grew.toFixed(2)} MiB from 50,000 to 100,000 connections`);
    assert.ok(heapAt100k - before < 12, `heap ${(heapAt100k - before).toFixed(2)} MiB above the start`);
  });
});

describe('folding changes no finding and no count', () => {
  const N = 5000;
  const plan: Plan = { ...PLAN, lingering: new Set([10, 1500]) };
  const run = (keepReaped?: number): SnapshotJson => {
    const session = new TraceSession({ keepReaped });
    feed(session, N, plan);
    session.push(zombieAtEnd(N));
    session.finish();
    return session.snapshot();
  };
  const all = run();
  const folded = run(50);

  test('the same diagnostics, word for word, and the same summary', () => {
    assert.deepEqual(folded.diagnostics, all.diagnostics);
    assert.deepEqual(folded.summary, all.summary);
    assert.ok(folded.processes.length < 100);
    assert.equal(all.folded.length, 0);
  });

  test('every process kept is exactly as it was without folding', () => {
    const byId = new Map(all.processes.map((p) => [p.id, p]));
    for (const p of folded.processes) assert.deepEqual(p, byId.get(p.id));
  });

  test('a coalescing handler: the child it left behind is kept, and so is the handler', () => {
    const lines = [
      START,
      ...[1, 2, 3].map((k) => `100   ${stamp(k * 0.01)} ${CLONE} = ${200 + k}`),
      `201  ${stamp(0.04)} +++ exited with 0 +++`,
      `202  ${stamp(0.04)} +++ exited with 0 +++`,
      `100   ${stamp(0.041)} --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=201, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`,
      `100   ${stamp(0.042)} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 201`,
      `100   ${stamp(0.043)} rt_sigreturn({mask=[]}) = 0`,
      `203  ${stamp(0.05)} +++ exited with 0 +++`,
      `100   ${stamp(0.051)} --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=203, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`,
      `100   ${stamp(0.052)} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 202`,
      `100   ${stamp(0.052)} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 203`,
      `100   ${stamp(0.052)} wait4(-1, 0x7ffd0000, WNOHANG, NULL) = 0`,
      `100   ${stamp(0.053)} rt_sigreturn({mask=[]}) = 0`,
    ];
    const session = new TraceSession({ keepReaped: 0 });
    session.push(lines.join('\n') + '\n');
    session.push(connections(100, 200, plan)); // more connections, to fold
    session.finish();
    const snap = session.snapshot();
    const coalesced = snap.diagnostics.find((d) => d.kind === 'sigchld-coalesced');
    assert.ok(coalesced);
    assert.deepEqual(coalesced.pids, [100, 202]);
    const listed = new Set(snap.processes.map((p) => p.pid));
    assert.ok(listed.has(202), 'the child the handler left behind is listed');
    assert.ok(!listed.has(201) && !listed.has(203), 'the two it reaped in time are folded');
    assert.equal(snap.summary.processes, 1 + 3 + 100);
  });
});

describe('folded groups per fork site, and folded parents', () => {
  /** Each child of 100 forks a grandchild (a CGI) and reaps it, then is reaped itself. */
  function twoLevels(count: number): string {
    const lines = [START];
    for (let n = 0; n < count; n++) {
      const t = n * 0.001;
      const child = 2000 + 2 * n;
      const grandchild = child + 1;
      lines.push(`100   ${stamp(t)} ${CLONE} = ${child}`);
      lines.push(`${child}  ${stamp(t + 0.0001)} ${CLONE} = ${grandchild}`);
      lines.push(`${grandchild}  ${stamp(t + 0.0002)} +++ exited with 0 +++`);
      lines.push(`${child}  ${stamp(t + 0.0003)} wait4(${grandchild}, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = ${grandchild}`);
      lines.push(`${child}  ${stamp(t + 0.0004)} +++ exited with 0 +++`);
      lines.push(`100   ${stamp(t + 0.0005)} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = ${child}`);
    }
    return lines.join('\n') + '\n';
  }

  test("a folded child's own folded children become a group under its group: counts add up, no group names a missing parent", () => {
    const session = new TraceSession({ keepReaped: 10 });
    session.push(twoLevels(1000));
    session.finish();
    const s = session.snapshot();
    assert.equal(s.summary.processes, 2001);
    const ids = new Set([...s.processes.map((p) => p.id), ...s.folded.map((g) => g.id)]);
    for (const g of s.folded) assert.ok(g.parentId !== null && ids.has(g.parentId), `group ${g.id}'s parent ${g.parentId} is in the snapshot`);
    const total = s.folded.reduce((sum, g) => sum + g.count, 0);
    assert.equal(s.processes.length + total, 2001);
    const children = s.folded.find((g) => g.parentId === '100');
    const grandchildren = s.folded.find((g) => g.parentId === children?.id);
    assert.ok(children && grandchildren);
    assert.equal(grandchildren.parentPid, null);
    assert.equal(children.count, grandchildren.count);
    assert.ok(s.processes.length <= 1 + 10 + 10 + 2);
  });

  test('children made at two fork sites fold into two groups, each with its site', () => {
    // Even pids forked at server.c:70, odd ones at server.c:90 (the locator reads the call's line).
    const locate: SiteLocator = (site) => ({
      location: { file: '/srv/server.c', line: Number(site.event.result) % 2 === 0 ? 70 : 90, function: 'main' },
      note: null,
    });
    const session = new TraceSession({ keepReaped: 20, locate });
    session.push(START + '\n');
    session.push(connections(0, 1000, { ...PLAN, lingering: new Set() }));
    session.finish();
    const s = session.snapshot(locate);
    assert.deepEqual(s.folded.map((g) => [g.forkSite?.line, g.count]).sort(), [
      [70, 490],
      [90, 490],
    ]);
  });
});

describe('deltas carry what was folded', () => {
  test('removed ids and changed groups reach a live view, and a view that applies them holds what a snapshot holds', () => {
    const session = new TraceSession({ keepReaped: 30 });
    const model = session.model;
    model.takeChanged(); // a view took the first snapshot
    const held = new Map<string, unknown>();
    const groups = new Map<string, { count: number }>();
    session.push(START + '\n');
    for (let n = 0; n < 2000; n += 250) {
      session.push(connections(n, n + 250, PLAN));
      const d = buildDelta(model);
      for (const p of d.processes) held.set(p.id, p);
      for (const id of d.removed) {
        held.delete(id);
        groups.delete(id);
      }
      for (const g of d.folded) groups.set(g.id, g);
    }
    const s = session.snapshot();
    assert.deepEqual([...held.keys()].sort(), s.processes.map((p) => p.id).sort());
    assert.deepEqual([...groups.values()], s.folded);
    assert.ok(held.size <= 1 + 30 + PLAN.lingering.size);
  });

  test('a trace nobody takes deltas from keeps no list of removals', () => {
    const session = new TraceSession({ keepReaped: 30 });
    session.push(START + '\n');
    session.push(connections(0, 3000, PLAN));
    const { removed } = session.model.folding.take();
    assert.equal(removed.length, 0);
  });
});

describe('DurationSketch', () => {
  test(`exact up to ${EXACT_LIMIT} values: nearest-rank median and p99`, () => {
    const d = new DurationSketch();
    for (let i = 1; i <= 100; i++) d.add(i / 1000);
    assert.ok(d.isExact);
    assert.deepEqual(d.summary(), { min: 0.001, median: 0.05, p99: 0.099, max: 0.1 });
  });

  test('bucketed past that: within 1% for a skewed distribution, and zeros count', () => {
    const d = new DurationSketch();
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) values.push(i % 7 === 0 ? 0 : Math.exp((i % 1000) / 100) / 1e6);
    for (const v of values) d.add(v);
    assert.ok(!d.isExact);
    values.sort((a, b) => a - b);
    for (const q of [0.1, 0.5, 0.9, 0.99]) {
      const exact = values[Math.ceil(q * values.length) - 1];
      const got = d.quantile(q);
      assert.ok(exact === 0 ? got === 0 : Math.abs(got - exact) / exact <= 0.0101, `q${q}: ${got} vs ${exact}`);
    }
  });
});
