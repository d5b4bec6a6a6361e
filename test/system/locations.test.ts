// Every diagnostic points at the line where the fix belongs, in both stack modes,
// on binaries built with gcc -g and traced by the real strace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveTrace, StackMode } from '../../src/tracer/liveTrace';
import type { DiagnosticJson, SnapshotJson } from '../../src/shared/schema';
import { PRECISE_HOW, SiteResolver } from '../../src/sites';
import { buildPrograms, eventually, EXAMPLES, lineOf, PROGRAMS, runClients, sleep, startTrace, traceServer } from '../support/system';

/** Builds the test programs and runs one of them to its end under the real strace. */
async function traceProgram(name: string, stackMode: StackMode = 'fast'): Promise<{ live: LiveTrace; snapshot: SnapshotJson }> {
  buildPrograms();
  const live = startTrace({ program: join(PROGRAMS, name), stdio: ['ignore', 'ignore', 'inherit'], stackMode });
  const { snapshot } = await live.done;
  return { live, snapshot };
}

function diagnostic(snapshot: SnapshotJson, kind: DiagnosticJson['kind']): DiagnosticJson {
  const d = snapshot.diagnostics.find((x) => x.kind === kind);
  assert.ok(d, `a ${kind} diagnostic among ${snapshot.diagnostics.map((x) => x.kind).join(', ')}`);
  return d;
}

for (const mode of ['fast', 'precise'] as StackMode[]) {
  test(`${mode} mode: a zombie leak points at the fork that made the children, and so does each fork site`, async () => {
    const source = join(EXAMPLES, 'zombie_server.c');
    const forkLine = lineOf(source, /pid_t pid = fork\(\);/);
    const { live, port } = await traceServer('zombie_server', { stackMode: mode });
    try {
      await runClients({ port, count: 2 });
      await eventually(() => live.snapshot().summary.zombiesAtEnd === 2 || undefined, 10_000, 'two zombies');
      const { snapshot } = await live.stop();
      const leak = diagnostic(snapshot, 'zombie-leak');
      assert.deepEqual(leak.location, { file: source, line: forkLine, function: 'main' });
      for (const child of snapshot.processes.slice(1)) assert.deepEqual(child.forkSite, { file: source, line: forkLine, function: 'main' });
    } finally {
      await live.stop();
    }
  });

  test(`${mode} mode: coalesced SIGCHLD points at the handler's single waitpid`, async () => {
    const source = join(EXAMPLES, 'reap_once_server.c');
    const waitLine = lineOf(source, /^\s+waitpid\(-1, &st, WNOHANG\);/);
    const sigactionLine = lineOf(source, /^\s+sigaction\(SIGCHLD, &sa, NULL\);/);
    const { live, port } = await traceServer('reap_once_server', { stackMode: mode });
    try {
      let snapshot: SnapshotJson | null = null;
      for (let batch = 0; batch < 20 && !snapshot; batch++) {
        await runClients({ port, count: 8, parallel: 8 });
        await sleep(100);
        const s = live.snapshot();
        if (s.diagnostics.some((d) => d.kind === 'sigchld-coalesced')) snapshot = s;
      }
      assert.ok(snapshot, 'children exiting together coalesced at least once in 20 batches');
      const coalesced = diagnostic(snapshot, 'sigchld-coalesced');
      assert.deepEqual(coalesced.location, { file: source, line: waitLine, function: 'on_sigchld' });
      assert.deepEqual(
        coalesced.related.map((r) => r.location?.line),
        [sigactionLine],
      );
      const leak = diagnostic(snapshot, 'zombie-leak');
      assert.equal(leak.location?.line, waitLine, 'the leak is fixed in the handler, not at the fork');
    } finally {
      await live.stop();
    }
  });

  test(`${mode} mode: EINTR points at the accept, and names the sigaction that lacks SA_RESTART`, async () => {
    const source = join(EXAMPLES, 'eintr_server.c');
    const acceptLine = lineOf(source, /int conn = accept\(/);
    const sigactionLine = lineOf(source, /^\s+sigaction\(SIGCHLD, &sa, NULL\);/);
    const { live, port } = await traceServer('eintr_server', { stackMode: mode });
    try {
      await runClients({ port, count: 2 });
      const snapshot = await eventually(
        () => {
          const s = live.snapshot();
          return s.diagnostics.some((d) => d.kind === 'eintr-no-restart') ? s : undefined;
        },
        10_000,
        'an eintr-no-restart diagnostic',
      );
      const eintr = diagnostic(snapshot, 'eintr-no-restart');
      assert.deepEqual(eintr.location, { file: source, line: acceptLine, function: 'main' });
      assert.deepEqual(eintr.related[0].location, { file: source, line: sigactionLine, function: 'main' });
      assert.ok(eintr.message.includes(`sigaction at ${source}:${sigactionLine}`), eintr.message);
    } finally {
      await live.stop();
    }
  });
}

for (const mode of ['fast', 'precise'] as StackMode[]) {
  test(`${mode} mode: select() interrupted though the handler has SA_RESTART (as GNU make waits): info at the select, the sigaction named as having it`, async () => {
    const source = join(PROGRAMS, 'select_restart.c');
    const selectLine = lineOf(source, /if \(select\(/);
    const sigactionLine = lineOf(source, /^\s+sigaction\(SIGCHLD, &sa, NULL\);/);
    const { snapshot } = await traceProgram('select_restart', mode);
    const eintr = diagnostic(snapshot, 'eintr-no-restart');
    assert.equal(eintr.severity, 'info', 'nothing in how the handler is installed is wrong');
    assert.deepEqual(eintr.location, { file: source, line: selectLine, function: 'main' });
    assert.deepEqual(eintr.related, [
      { message: 'the handler is installed here with SA_RESTART', location: { file: source, line: sigactionLine, function: 'main' } },
    ]);
    assert.match(
      eintr.message,
      new RegExp(
        `: the SIGCHLD handler has SA_RESTART \\(sigaction at ${source}:${sigactionLine}\\), but the kernel never restarts p?select6? after a signal handler ran`,
      ),
    );
    assert.doesNotMatch(eintr.message, /without SA_RESTART/);
    assert.equal(snapshot.summary.zombiesAtEnd, 0);
  });
}

test("fast mode: two fork call sites that main's flow cannot tell apart give no guessed line, but a note naming both candidates", async () => {
  const source = join(PROGRAMS, 'alternating_forks.c');
  const sites = [lineOf(source, /fork site 1: even/), lineOf(source, /fork site 2: odd/)];
  const { snapshot } = await traceProgram('alternating_forks');
  const leak = diagnostic(snapshot, 'zombie-leak');
  assert.equal(leak.location, null);
  assert.match(leak.locationNote ?? '', /^2 call sites of fork\(\)/);
  for (const line of sites) assert.ok(leak.locationNote?.includes(`alternating_forks.c:${line}`), leak.locationNote ?? '');
  assert.match(leak.locationNote ?? '', /precise/);
  assert.deepEqual(
    snapshot.processes.slice(1).map((p) => p.forkSite),
    [null, null, null, null],
  );
  // Each child says why its fork site is unknown: the same two candidates.
  for (const p of snapshot.processes.slice(1)) {
    assert.match(p.forkSiteNote ?? '', /^2 call sites of fork\(\) in alternating_forks could have made this clone: /);
    for (const line of sites) assert.ok(p.forkSiteNote?.includes(`alternating_forks.c:${line}`), p.forkSiteNote ?? '');
    assert.match(p.forkSiteNote ?? '', /forktrace --stack-mode precise/);
    assert.equal(p.forkSitePreciseWouldPin, true, 'the views offer the precise trace from this fact, not from the text');
  }
  assert.equal(snapshot.processes[0].forkSiteNote, null, 'the traced program itself was forked by no traced call');
  assert.equal(snapshot.processes[0].forkSitePreciseWouldPin, false);
});

test('precise mode: two fork call sites in one loop, each child pinned to its own line', async () => {
  const source = join(PROGRAMS, 'alternating_forks.c');
  const [even, odd] = [lineOf(source, /fork site 1: even/), lineOf(source, /fork site 2: odd/)];
  const { snapshot } = await traceProgram('alternating_forks', 'precise');
  assert.deepEqual(
    snapshot.processes.slice(1).map((p) => p.forkSite?.line),
    [even, odd, even, odd],
  );
});

test("fast mode: two fork() lines in two functions main calls in turn: following main's flow pins each child, as precise mode does", async () => {
  const source = join(PROGRAMS, 'two_fork_sites.c');
  const worker = lineOf(source, /fork site 1: worker/);
  const logger = lineOf(source, /fork site 2: logger/);
  const { snapshot } = await traceProgram('two_fork_sites');
  const [, first, second] = snapshot.processes;
  assert.deepEqual(first.forkSite, { file: source, line: worker, function: 'spawn_worker' });
  assert.deepEqual(second.forkSite, { file: source, line: logger, function: 'spawn_logger' });
  assert.equal(first.forkSiteNote, null);
  const leak = diagnostic(snapshot, 'zombie-leak');
  assert.deepEqual(leak.location, { file: source, line: worker, function: 'spawn_worker' });
});

test('precise mode: each of two fork call sites is pinned to its own line', async () => {
  const source = join(PROGRAMS, 'two_fork_sites.c');
  const worker = lineOf(source, /fork site 1: worker/);
  const logger = lineOf(source, /fork site 2: logger/);
  const { snapshot } = await traceProgram('two_fork_sites', 'precise');
  const [, first, second] = snapshot.processes;
  assert.deepEqual(first.forkSite, { file: source, line: worker, function: 'spawn_worker' });
  assert.deepEqual(second.forkSite, { file: source, line: logger, function: 'spawn_logger' });
  assert.deepEqual([first.forkSiteNote, second.forkSiteNote], [null, null]);
  assert.deepEqual(diagnostic(snapshot, 'zombie-leak').location, { file: source, line: worker, function: 'spawn_worker' });
});

// glibc's posix_spawn (and so system()) makes its child with clone3, whose -k stack ends
// inside glibc: precise mode takes the frames of the rt_sigprocmask right after it.
test('precise mode: posix_spawn and system() children each point at their own line, though clone3 cannot be unwound', async () => {
  const source = join(PROGRAMS, 'spawn_sites.c');
  const helper = lineOf(source, /spawn site: helper/);
  const command = lineOf(source, /spawn site: command/);
  const { snapshot } = await traceProgram('spawn_sites', 'precise');
  const children = snapshot.processes.filter((p) => p.parentId === snapshot.processes[0].id);
  assert.deepEqual(
    children.map((p) => p.forkSite),
    [
      { file: source, line: helper, function: 'start_helper' },
      { file: source, line: command, function: 'run_command' },
    ],
  );
  // The helper's zombie: its parent's only wait is the one inside system().
  assert.deepEqual(diagnostic(snapshot, 'zombie-leak').location, { file: source, line: command, function: 'run_command' });
});

// Both children come from the same kind of clone3. The one that ran /bin/true cannot
// be system()'s (system() runs `sh -c`): its line is known. The one that ran `sh -c`
// could be either's: both lines are candidates, and no line is guessed.
test("fast mode: the posix_spawn child that ran a program gets its line; the system() child, which ran sh -c, gets its own from main's flow", async () => {
  const source = join(PROGRAMS, 'spawn_sites.c');
  const helperLine = lineOf(source, /spawn site: helper/);
  const commandLine = lineOf(source, /spawn site: command/);
  const { live, snapshot } = await traceProgram('spawn_sites');
  const children = snapshot.processes.filter((p) => p.parentId === snapshot.processes[0].id);
  assert.deepEqual(
    children.map((p) => p.command),
    ['true', 'sh'],
  );
  assert.deepEqual(children[0].forkSite, { file: source, line: helperLine, function: 'start_helper' });
  // The clone3 alone fits both lines (both children came from a vfork-style clone3); the
  // flow from main does not: the second one after exec cannot be start_helper's again.
  assert.deepEqual(children[1].forkSite, { file: source, line: commandLine, function: 'run_command' });
  const resolver = new SiteResolver();
  const command = live.session.model.processes.find((p) => p.pid === children[1].pid);
  assert.deepEqual(resolver.locate(command!.forkSite!, 'fork').location, { file: source, line: commandLine, function: 'run_command' });
  assert.deepEqual(resolver.candidates(command!.forkSite!, 'fork'), []);
  // Without the flow (a call whose process's start is unknown) both lines are candidates.
  const alone = { ...command!.forkSite!, after: null };
  assert.deepEqual(
    resolver
      .candidates(alone, 'fork')
      .map((c) => c.line)
      .sort((a, b) => a - b),
    [helperLine, commandLine],
  );
});

test('a binary without debug info says no location is known and to rebuild with -g', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-nodebug-'));
  const bin = join(dir, 'zombie_server');
  execFileSync('gcc', ['-O0', '-o', bin, join(EXAMPLES, 'zombie_server.c')]);
  const { live, port } = await traceServer('zombie_server', { program: bin });
  try {
    await runClients({ port, count: 1 });
    await eventually(() => live.snapshot().summary.zombiesAtEnd === 1 || undefined, 10_000, 'a zombie');
    const { snapshot } = await live.stop();
    const leak = diagnostic(snapshot, 'zombie-leak');
    assert.equal(leak.location, null);
    assert.match(leak.locationNote ?? '', /debug info/);
    assert.match(leak.locationNote ?? '', /-g/);
  } finally {
    await live.stop();
  }
});

// A project's own shared library (test/programs/ownlib/libpool.so, built with -g) holds
// the fork and the waitpid: the fast mode disassembles it beside the executable.
for (const mode of ['fast', 'precise'] as StackMode[]) {
  test(`${mode} mode: a fork and a waitpid in the program's own shared library point into the library's source`, async () => {
    const source = join(PROGRAMS, 'ownlib', 'pool.c');
    const forkLine = lineOf(source, /pool fork/);
    const waitLine = lineOf(source, /pool wait: only the first/);
    const { snapshot } = await traceProgram('own_library', mode);
    const workers = snapshot.processes.slice(1);
    assert.equal(workers.length, 3);
    for (const w of workers) {
      assert.deepEqual(w.forkSite, { file: source, line: forkLine, function: 'pool_spawn' });
      assert.equal(w.forkSiteNote, null);
    }
    // Workers 2 and 3 were never reaped: the fix belongs in the library's wait, which reaps only the first.
    const leak = diagnostic(snapshot, 'zombie-leak');
    assert.deepEqual(leak.location, { file: source, line: waitLine, function: 'pool_reap' });
  });
}

test('fast mode: the own library is found through LD_LIBRARY_PATH when the executable names no path to it', async () => {
  buildPrograms();
  const source = join(PROGRAMS, 'ownlib', 'pool.c');
  const live = startTrace({
    program: join(PROGRAMS, 'own_library_ldpath'),
    env: { ...process.env, LD_LIBRARY_PATH: join(PROGRAMS, 'ownlib') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const { snapshot } = await live.done;
  assert.equal(snapshot.processes[0].exit?.code ?? null, 0, 'the program found its library and ran');
  assert.deepEqual(
    snapshot.processes.slice(1).map((p) => p.forkSite?.line),
    Array(3).fill(lineOf(source, /pool fork/)),
  );
  assert.deepEqual(diagnostic(snapshot, 'zombie-leak').location?.file, source);
});

test('fast mode: fork() in the executable and in its own library gives both candidates, not a guess', async () => {
  const pool = join(PROGRAMS, 'ownlib', 'pool.c');
  const main = join(PROGRAMS, 'own_library_mixed.c');
  const { snapshot } = await traceProgram('own_library_mixed');
  const children = snapshot.processes.slice(1);
  assert.equal(children.length, 2);
  for (const p of children) {
    assert.equal(p.forkSite, null);
    assert.equal(
      p.forkSiteNote,
      `2 call sites of fork() in own_library_mixed and libpool.so could have made this clone: own_library_mixed.c:${lineOf(main, /main fork: logger/)} (main), pool.c:${lineOf(pool, /pool fork/)} (pool_spawn). The default trace cannot tell them apart; trace in precise mode ${PRECISE_HOW} to pin down each call.`,
    );
  }
});

test('precise mode: fork() in the executable and in its own library: each child is pinned to its own line', async () => {
  const pool = join(PROGRAMS, 'ownlib', 'pool.c');
  const main = join(PROGRAMS, 'own_library_mixed.c');
  const { snapshot } = await traceProgram('own_library_mixed', 'precise');
  assert.deepEqual(
    snapshot.processes.slice(1).map((p) => p.forkSite),
    [
      { file: pool, line: lineOf(pool, /pool fork/), function: 'pool_spawn' },
      { file: main, line: lineOf(main, /main fork: logger/), function: 'main' },
    ],
  );
});

// popen()'s child is reaped by pclose(): the leak points at the popen and says so,
// rather than advising a SIGCHLD handler (which would break pclose()).
for (const mode of ['fast', 'precise'] as StackMode[]) {
  test(`${mode} mode: popen() without pclose() points at the popen, and the fix is pclose()`, async () => {
    const source = join(PROGRAMS, 'popen_leak.c');
    const popenLine = lineOf(source, /popen site/);
    const { snapshot } = await traceProgram('popen_leak', mode);
    const children = snapshot.processes.filter((p) => p.parentId === snapshot.processes[0].id);
    assert.equal(children.length, 2);
    for (const c of children) assert.deepEqual(c.forkSite, { file: source, line: popenLine, function: 'print_date' });
    const leak = diagnostic(snapshot, 'zombie-leak');
    assert.deepEqual(leak.location, { file: source, line: popenLine, function: 'print_date' });
    assert.match(leak.message, /These children were made by popen\(\)\. pclose\(\) closes the stream popen\(\) returned and waits for its child/);
    assert.doesNotMatch(leak.message, /install a SIGCHLD handler/);
  });
}

// A handler's waitpid(-1, …, WNOHANG) and system()'s wait for its own child are both
// wait4 calls: what the traced wait4 was called with tells the two sites apart.
for (const mode of ['fast', 'precise'] as StackMode[]) {
  test(`${mode} mode: the handler's one-per-signal waitpid is named though system() also waits`, async () => {
    const source = join(PROGRAMS, 'handler_and_system.c');
    const waitLine = lineOf(source, /handler wait: once per signal/);
    const { snapshot } = await traceProgram('handler_and_system', mode);
    const handlerWait = { file: source, line: waitLine, function: 'on_sigchld' };
    assert.deepEqual(diagnostic(snapshot, 'sigchld-coalesced').location, handlerWait);
    const leak = diagnostic(snapshot, 'zombie-leak');
    assert.deepEqual(leak.location, handlerWait);
    assert.equal(leak.pids.length, 3, 'the program and its two unreaped children');
  });
}

// fork() and clone(CLONE_PARENT) in one program: fork's clone has no stack, and glibc's
// clone() wrapper refuses to run without one, so each child's line is known.
test('fast mode: a fork() child and a clone() child each get their own line', async () => {
  const source = join(PROGRAMS, 'clone_parent.c');
  const { snapshot } = await traceProgram('clone_parent');
  const [, c, g] = snapshot.processes;
  assert.deepEqual(c.forkSite, { file: source, line: lineOf(source, /C, a normal child/), function: 'main' });
  assert.deepEqual(g.forkSite, { file: source, line: lineOf(source, /pid_t g = clone\(grandchild/), function: 'main' });
});
