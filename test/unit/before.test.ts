// What an attach found already there, seeded into the model: negative start times,
// zombies whose exit time is unknown, threads grouped, and a trace that goes on from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceSession } from '../../src/core/session';
import { seedBefore, type ExistingProcess } from '../../src/core/before';
import { log } from '../support/core';
import type { ProcessJson, SnapshotJson } from '../../src/shared/schema';
import type { SiteLocator } from '../../src/core/diagnostics';
import { createFixProvider } from '../../src/fixes/provider';
import { describeBefore } from '../../src/shared/words';
import { renderSnapshot } from '../../src/cli/render';
import { threadName } from '../../src/debug/processView';

const T = 1700000100; // the attach
const CLONE = 'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00)';

function existing(over: Partial<ExistingProcess> & { pid: number; ppid: number }): ExistingProcess {
  return { tids: [over.pid], command: 'srv', argv: ['./srv', '0'], exe: '/tmp/srv', start: T - 30, zombie: null, sigchld: 'default', ...over };
}

/** srv 100 (3 threads) holding zombies 101 and 102, with a living child 103 that has a living child 104. */
function seeded(): TraceSession {
  const session = new TraceSession();
  seedBefore(session.model, T, [
    existing({ pid: 100, ppid: 1, tids: [100, 110, 111], start: T - 60 }),
    existing({ pid: 104, ppid: 103, start: T - 5, command: 'worker', argv: ['worker'] }),
    existing({ pid: 101, ppid: 100, start: T - 20, zombie: { code: 0, signal: null, core: false } }),
    existing({ pid: 102, ppid: 100, start: T - 10, zombie: { code: null, signal: 'SIGKILL', core: false } }),
    existing({ pid: 103, ppid: 100, start: T - 8 }),
  ]);
  return session;
}

const byPid = (s: SnapshotJson, pid: number): ProcessJson => s.processes.find((p) => p.pid === pid) as ProcessJson;

test('at once, before any event: the process, its threads, children, grandchild and zombies, all marked before', () => {
  const snap = seeded().snapshot();
  assert.equal(snap.origin, T);
  assert.deepEqual(
    snap.processes.map((p) => [p.pid, p.parentPid, p.start, p.state, p.before]),
    [
      [100, null, -60, 'running', true],
      [103, 100, -8, 'running', true],
      [104, 103, -5, 'running', true],
      [101, 100, -20, 'zombie', true],
      [102, 100, -10, 'zombie', true],
    ],
  );
  assert.equal(byPid(snap, 100).threads, 3);
  assert.deepEqual(byPid(snap, 101).zombie, { from: null, to: null, before: true });
  assert.deepEqual(byPid(snap, 101).exit, { time: null, code: 0, signal: null, core: false });
  assert.equal(byPid(snap, 102).exit?.signal, 'SIGKILL');
  assert.equal(byPid(snap, 103).zombie, null);
  assert.deepEqual(snap.summary, { processes: 5, running: 3, zombiesAtEnd: 2, maxZombies: 2, orphans: 0 });
});

test('a wait that reaps a zombie found at the attach closes its interval; the one never reaped is a zombie-leak', () => {
  const session = seeded();
  session.push(
    log(
      `100  ${T + 1}.000000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 101`,
      `110  ${T + 1}.500000 ${CLONE} = 105`,
      `105  ${T + 1}.600000 +++ exited with 0 +++`,
      `104  ${T + 2}.000000 +++ exited with 3 +++`,
    ),
  );
  session.finish();
  const snap = session.snapshot();
  const reaped = byPid(snap, 101);
  assert.deepEqual(reaped.zombie, { from: null, to: 1, before: true });
  assert.equal(reaped.state, 'reaped');
  assert.deepEqual(reaped.reaped, { time: 1, by: 100, how: 'wait', seen: true });
  // A thread found at the attach forks: the child is the process's, not the thread's.
  const forked = byPid(snap, 105);
  assert.equal(forked.parentPid, 100);
  assert.equal(forked.before, undefined, 'what the trace saw begin is not marked');
  assert.deepEqual(forked.zombie, { from: 1.6, to: null });
  // A grandchild found at the attach exits: its parent, found too, holds it.
  assert.deepEqual(byPid(snap, 104).zombie, { from: 2, to: null });
  assert.equal(byPid(snap, 104).exit?.code, 3);
  const leaks = snap.diagnostics.filter((d) => d.kind === 'zombie-leak');
  assert.deepEqual(leaks.map((d) => d.pids).sort(), [
    [100, 102, 105],
    [103, 104],
  ]);
  assert.match(leaks.find((d) => d.pids[0] === 100)?.message ?? '', /srv \(pid 100\) never reaped 2 child processes \(pids 102, 105\)/);
});

test('an empty list seeds nothing but the origin; a cycle of parents (pid reuse mid-scan) does not hang', () => {
  const empty = new TraceSession();
  seedBefore(empty.model, T, []);
  assert.equal(empty.snapshot().processes.length, 0);
  const loop = new TraceSession();
  seedBefore(loop.model, T, [existing({ pid: 200, ppid: 201 }), existing({ pid: 201, ppid: 200 })]);
  assert.equal(loop.snapshot().processes.length, 2);
});

/** Like the SiteResolver: a fork the trace saw is at line 70; one before the attach is inferred in srv, or not known in two_sites. */
const beforeLocator: SiteLocator = (site) => {
  if (!site.beforeTrace) return { location: { file: '/src/srv.c', line: 70, function: 'main' }, note: null, via: ['fork'] };
  if (site.executable === '/tmp/srv')
    return { location: { file: '/src/srv.c', line: 70, function: 'main' }, note: null, via: ['fork'], inferred: 'the only call in srv that makes processes' };
  return { location: null, note: `${site.executable} has 2 calls that make processes` };
};

test("what an attach found gets a stand-in fork site in its parent's program; the leak points at the inferred line and says how it was found", () => {
  const session = new TraceSession();
  seedBefore(session.model, T, [
    existing({ pid: 100, ppid: 1 }),
    existing({ pid: 101, ppid: 100, exe: null, zombie: { code: 0, signal: null, core: false } }),
    existing({ pid: 102, ppid: 100, exe: null, zombie: { code: 0, signal: null, core: false } }),
  ]);
  const root = session.model.processByPid(100);
  const zombie = session.model.processByPid(101);
  assert.equal(root?.forkSite, null, 'the attached process: what made it is outside the trace');
  assert.equal(zombie?.forkSite?.beforeTrace, true);
  assert.equal(zombie?.forkSite?.executable, '/tmp/srv', "the parent's program made it, not the zombie's (unreadable)");
  assert.equal(zombie?.forkSite?.event.pid, 100);
  const snap = session.snapshot(beforeLocator);
  assert.deepEqual([byPid(snap, 101).forkSite?.line, byPid(snap, 101).forkSiteNote], [70, 'the only call in srv that makes processes']);
  assert.equal(byPid(snap, 100).forkSiteNote, null);
  const [leak] = snap.diagnostics.filter((d) => d.kind === 'zombie-leak');
  assert.deepEqual(leak.location, { file: '/src/srv.c', line: 70, function: 'main' });
  assert.equal(leak.locationNote, 'the only call in srv that makes processes');
  assert.match(leak.message, /It never calls wait\(\), waitpid\(\) or waitid\(\)\. The only call in srv that makes processes\. Reap children/);
});

test('a leak of zombies found and zombies the trace saw forked points at the fork it saw; two fork calls leave the line unknown, with the reason', () => {
  const mixed = new TraceSession();
  seedBefore(mixed.model, T, [existing({ pid: 100, ppid: 1 }), existing({ pid: 101, ppid: 100, exe: null, zombie: { code: 0, signal: null, core: false } })]);
  mixed.push(log(`100  ${T + 1}.000000 ${CLONE} = 105`, `105  ${T + 1}.100000 +++ exited with 0 +++`));
  const seen = mixed.snapshot(beforeLocator).diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.deepEqual([seen?.pids, seen?.location?.line, seen?.locationNote], [[100, 101, 105], 70, null]);
  assert.doesNotMatch(seen?.message ?? '', /only call/);

  const two = new TraceSession();
  seedBefore(two.model, T, [
    existing({ pid: 100, ppid: 1, exe: '/tmp/two_sites' }),
    existing({ pid: 101, ppid: 100, exe: null, zombie: { code: 0, signal: null, core: false } }),
  ]);
  const snap = two.snapshot(beforeLocator, createFixProvider());
  const leak = snap.diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.deepEqual([leak?.location, leak?.locationNote], [null, '/tmp/two_sites has 2 calls that make processes']);
  assert.deepEqual([byPid(snap, 101).forkSite, byPid(snap, 101).forkSiteNote], [null, '/tmp/two_sites has 2 calls that make processes']);
  assert.match(leak?.fixNote ?? '', /the line of the call that made pid 101 is not known \(\/tmp\/two_sites has 2 calls/);
});

/**
 * A handler installed before the attach: a child exits, SIGCHLD cuts pid 100's accept4
 * short, and rt_sigreturn returns `sigreturn`. The eintr-no-restart findings.
 */
function eintrAfterAttach(seed: Partial<ExistingProcess>, sigreturn: string): SnapshotJson['diagnostics'] {
  const session = new TraceSession();
  seedBefore(session.model, T, [existing({ pid: 100, ppid: 1, sigchld: 'handler', ...seed })]);
  session.push(
    log(
      `100  ${T}.100000 ${CLONE} = 101`,
      `101  ${T}.150000 +++ exited with 0 +++`,
      `100  ${T}.200000 accept4(3, 0x7fff4ecd4e10, [4096], SOCK_CLOEXEC) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)`,
      `100  ${T}.200100 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`,
      `100  ${T}.200200 rt_sigreturn({mask=[]}) = ${sigreturn}`,
      `100  ${T}.200300 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 101`,
    ),
  );
  session.finish();
  return session.snapshot().diagnostics.filter((d) => d.kind === 'eintr-no-restart');
}

test('a handler installed before the attach: an accept SIGCHLD cut short is EINTR when rt_sigreturn says so, not when it restarts', () => {
  const eintr = eintrAfterAttach({ command: 'perl', argv: ['perl', 'srv.pl'], exe: '/usr/bin/perl' }, '-1 EINTR (Interrupted system call)');
  assert.equal(eintr.length, 1);
  assert.match(
    eintr[0].message,
    /^accept4 in perl \(pid 100\) was interrupted by SIGCHLD and failed with EINTR .*installed without SA_RESTART\. Install the handler with POSIX::sigaction/,
  );
  // The same cut, restarted (the handler has SA_RESTART): no EINTR, and nothing claimed.
  assert.deepEqual(eintrAfterAttach({}, '43'), []);
});

test('a wait that reaps a child /proc did not show (forked as strace attached, never traced) shows it: reaped by the waiter, present before, its exit time unknown', () => {
  const session = seeded();
  session.push(log(`100  ${T + 1}.000000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], WNOHANG, NULL) = 106`));
  session.finish();
  const snap = session.snapshot();
  const p = byPid(snap, 106);
  assert.deepEqual(
    [p.parentPid, p.state, p.before, p.exit, p.reaped?.by, p.reaped?.how, p.zombie],
    [100, 'reaped', true, { time: null, code: 3, signal: null, core: false }, 100, 'wait', { from: null, to: 1 }],
  );
  assert.equal(p.untraced, true);
  assert.match(describeBefore(p) ?? '', /^not traced: a child strace never followed .*only the wait that reaped it is in the trace$/);
  assert.ok(!snap.warnings.some((w) => /never saw start/.test(w.reason)), JSON.stringify(snap.warnings));
  assert.equal(snap.summary.processes, 6);
});

// The second look at /proc finds a child forked after the first, before strace reached its
// parent: strace never follows it. Seeded untraced, it shows at once, running; its exit is
// never in the trace, so the wait that reaps it settles it. Before, it was missing until then.
test('a child the second look found untraced shows at once, running; the wait that reaps it gives its exit, and its pid is free again', () => {
  const session = new TraceSession();
  seedBefore(session.model, T, [existing({ pid: 100, ppid: 1 }), existing({ pid: 107, ppid: 100, start: T + 0.01, untraced: true })]);
  let p = byPid(session.snapshot(), 107);
  assert.deepEqual([p.parentPid, p.state, p.start, p.before, p.untraced, p.exit], [100, 'running', 0, true, true, null]);
  assert.match(describeBefore(p) ?? '', /^not traced: forked as strace attached, before strace reached its parent/);
  assert.match(renderSnapshot(session.snapshot()), /^\S+ 107 {2}srv {2}0\.000–…s {2}running {2}untraced$/m, 'the CLI tree says so');
  assert.equal(threadName(p), '107 srv [running] (untraced)', 'and the debug view');
  session.push(
    log(
      `100  ${T + 1}.000000 wait4(107, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}], 0, NULL) = 107`,
      `100  ${T + 2}.000000 ${CLONE} = 107`,
      `107  ${T + 2}.100000 exit_group(4) = ?`,
      `107  ${T + 2}.100010 +++ exited with 4 +++`,
    ),
  );
  session.finish();
  const snap = session.snapshot();
  p = byPid(snap, 107);
  assert.deepEqual(
    [p.state, p.exit, p.reaped?.by, p.reaped?.how, p.zombie],
    ['reaped', { time: null, code: null, signal: 'SIGTERM', core: false }, 100, 'wait', { from: null, to: 1 }],
  );
  const again = snap.processes.filter((q) => q.pid === 107);
  assert.deepEqual(
    again.map((q) => [q.id, q.untraced ?? false, q.exit?.code ?? null]),
    [
      ['107', true, null],
      ['107.2', false, 4],
    ],
  );
  assert.deepEqual(
    snap.warnings.filter((w) => !/reused/.test(w.reason)),
    [],
  );
  assert.deepEqual(
    snap.diagnostics.filter((d) => d.kind === 'zombie-leak').map((d) => d.pids),
    [[100, 107]],
  );
});
