// Fixes proved on the real programs: each offered fix applied to a copy, compiled with
// gcc -g -Wall -Werror, traced again with the same clients: the finding is gone, no new
// finding appears, and the program still does its job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { applyEdits } from '../../src/fixes';
import type { DiagnosticJson, DiagnosticKind, FixJson, SnapshotJson } from '../../src/shared/schema';
import { buildPrograms, eventually, EXAMPLES, lineOf, PROGRAMS, runClients, startTrace, waitForOutput } from '../support/system';

const work = mkdtempSync(join(tmpdir(), 'forktrace-fixes-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

interface Run {
  snapshot: SnapshotJson;
  /** What the program did for its users: echoes that came back, children it made, what it printed. */
  job: { echoed: number; children: number; processes?: number; output?: string };
  stderr?: string;
}

/** A program that ends by itself, traced to its end. */
async function traceProgramRun(program: string): Promise<Run> {
  const live = startTrace({ program, args: [], stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  live.strace.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  live.strace.stderr?.resume();
  const end = await live.done;
  const root = end.snapshot.processes[0];
  // Pids change from run to run: the output is compared with numbers blanked.
  const output = out.replace(/-?\d+/g, 'N');
  return {
    snapshot: end.snapshot,
    job: { echoed: 0, children: end.snapshot.processes.filter((p) => p.parentId === root.id).length, processes: end.snapshot.summary.processes, output },
  };
}

/** A server under the real strace, `count` clients in batches of `parallel`, stopped once every child has exited. */
async function traceServerRun(program: string, count: number, parallel = 1): Promise<Run> {
  const live = startTrace({ program, args: ['0'], stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  try {
    live.strace.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const m = await waitForOutput(live.strace.stdout as Readable, /listening on 127\.0\.0\.1:(\d+)/);
    live.strace.stdout?.resume();
    const clients = await runClients({ port: Number(m[1]), count, parallel });
    await eventually(
      () => {
        const s = live.snapshot();
        const children = s.processes.filter((p) => p.parentId === s.processes[0].id);
        return children.length === count && children.every((c) => c.exit !== null);
      },
      10_000,
      'every child to exit',
    );
    const end = await live.stop();
    const server = end.snapshot.processes[0];
    return { snapshot: end.snapshot, job: { echoed: clients.ok, children: end.snapshot.processes.filter((p) => p.parentId === server.id).length }, stderr };
  } finally {
    await live.stop();
  }
}

/** The source with the fix applied, compiled with -Wall -Werror beside the other copies. */
function buildFixed(source: string, fix: FixJson, tag: string): string {
  const edits = fix.edits.filter((e) => e.file === source);
  assert.equal(edits.length, fix.edits.length, `every edit of "${fix.title}" is in ${source}`);
  const dir = mkdtempSync(join(work, `${tag}-`));
  const copy = join(dir, basename(source));
  writeFileSync(copy, applyEdits(readFileSync(source, 'utf8'), edits));
  const binary = copy.replace(/\.c$/, '');
  execFileSync('gcc', ['-g', '-O0', '-Wall', '-Werror', '-o', binary, copy], { stdio: 'pipe' });
  return binary;
}

function only(snapshot: SnapshotJson, kind: DiagnosticKind): DiagnosticJson {
  const found = snapshot.diagnostics.filter((d) => d.kind === kind);
  assert.equal(found.length, 1, `one ${kind} finding; have ${snapshot.diagnostics.map((d) => d.kind).join(', ') || 'none'}`);
  return found[0];
}

/** The fixed run has none of `gone`, and no kind of finding the original run did not have. */
function assertFixed(before: Run, after: Run, gone: DiagnosticKind[], title: string): void {
  const kinds = after.snapshot.diagnostics.map((d) => d.kind);
  for (const kind of gone)
    assert.ok(!kinds.includes(kind), `"${title}" removes the ${kind} finding; still: ${after.snapshot.diagnostics.map((d) => d.message).join(' | ')}`);
  const had = new Set(before.snapshot.diagnostics.map((d) => d.kind));
  for (const kind of kinds) assert.ok(had.has(kind), `"${title}" brings no new finding, but ${kind} appeared`);
  assert.deepEqual(after.job, before.job, `"${title}" keeps the program's job (echoes, children)`);
}

test('zombie_server: both fixes of the zombie-leak compile with -Wall -Werror, and traced again with the same 3 clients the server echoes 3 times, forks 3 children and leaves no zombie', async () => {
  buildPrograms();
  const source = join(EXAMPLES, 'zombie_server.c');
  const before = await traceServerRun(join(EXAMPLES, 'zombie_server'), 3);
  assert.deepEqual(before.job, { echoed: 3, children: 3 });
  assert.equal(before.snapshot.summary.zombiesAtEnd, 3);
  const leak = only(before.snapshot, 'zombie-leak');
  assert.equal(leak.fixNote, null);
  assert.deepEqual(
    leak.fixes.map((f) => [f.title, f.preferred]),
    [
      ['Reap children in a SIGCHLD handler (waitpid in a loop, installed with SA_RESTART)', true],
      ['Ignore SIGCHLD so the kernel reaps children (when their exit statuses are not needed)', false],
    ],
  );
  for (const [n, fix] of leak.fixes.entries()) {
    const after = await traceServerRun(buildFixed(source, fix, `zombie_server-${n}`), 3);
    assertFixed(before, after, ['zombie-leak'], fix.title);
    assert.equal(after.snapshot.summary.zombiesAtEnd, 0, `"${fix.title}": no zombie at the end`);
  }
});

/** Each offered fix of the one `kind` finding, applied, compiled and traced again: `gone` are gone, nothing new, same job. */
async function proveFixes(
  source: string,
  run: (binary: string) => Promise<Run>,
  kind: DiagnosticKind,
  titles: string[],
  gone: DiagnosticKind[][],
): Promise<Run[]> {
  buildPrograms();
  const before = await run(source.replace(/\.c$/, ''));
  const finding = only(before.snapshot, kind);
  assert.equal(finding.fixNote, null, 'fixes are offered');
  assert.deepEqual(
    finding.fixes.map((f) => f.title),
    titles,
  );
  assert.deepEqual(
    finding.fixes.map((f) => f.preferred),
    titles.map((_, k) => k === 0),
  );
  const afters: Run[] = [];
  for (const [n, fix] of finding.fixes.entries()) {
    const after = await run(buildFixed(source, fix, `${basename(source, '.c')}-${n}`));
    assertFixed(before, after, gone[n], fix.title);
    afters.push(after);
  }
  return [before, ...afters];
}

const REAP_LOOP = 'Reap every exited child: loop on waitpid(-1, …, WNOHANG) until none is left';

test("reap_once_server: the handler's single waitpid becomes a loop; with 6 clients closing together no SIGCHLD is coalesced and no zombie is left", async () => {
  const [before, after] = await proveFixes(
    join(EXAMPLES, 'reap_once_server.c'),
    (b) => traceServerRun(b, 12, 6),
    'sigchld-coalesced',
    [REAP_LOOP],
    [['sigchld-coalesced', 'zombie-leak']],
  );
  assert.equal(only(before.snapshot, 'zombie-leak').fixes[0]?.title, REAP_LOOP, 'the zombie-leak it causes has the same fix');
  assert.equal(after.snapshot.summary.zombiesAtEnd, 0);
});

test("handler_and_system: the handler's single waitpid becomes a loop, and system() still reaps its own child", async () => {
  await proveFixes(join(PROGRAMS, 'handler_and_system.c'), traceProgramRun, 'sigchld-coalesced', [REAP_LOOP], [['sigchld-coalesced', 'zombie-leak']]);
});

test('eintr_server: SA_RESTART removes the EINTR; the retry keeps the server from ever printing it', async () => {
  const [, restarted, retried] = await proveFixes(
    join(EXAMPLES, 'eintr_server.c'),
    (b) => traceServerRun(b, 3),
    'eintr-no-restart',
    ['Add SA_RESTART to the SIGCHLD handler’s sa_flags, so interrupted calls resume', 'Retry accept() while it fails with EINTR'],
    [['eintr-no-restart'], []],
  );
  assert.doesNotMatch(restarted.stderr ?? '', /Interrupted system call/);
  // The kernel still interrupts accept (the trace shows it, so the finding stays); the program retries before it reports.
  assert.doesNotMatch(retried.stderr ?? '', /Interrupted system call/);
});

test("two_fork_sites: forks in two helper functions; a handler would cut main's usleep short, so SIGCHLD is ignored at the start of main()", async () => {
  await proveFixes(
    join(PROGRAMS, 'two_fork_sites.c'),
    traceProgramRun,
    'zombie-leak',
    ['Ignore SIGCHLD so the kernel reaps children (when their exit statuses are not needed)'],
    [['zombie-leak']],
  );
});

test("zombie_then_orphan: SIGCHLD is ignored in the child's branch, where the grandchild is forked, and main still reaps its own child", async () => {
  await proveFixes(
    join(PROGRAMS, 'zombie_then_orphan.c'),
    traceProgramRun,
    'zombie-leak',
    ['Ignore SIGCHLD so the kernel reaps children (when their exit statuses are not needed)'],
    [['zombie-leak']],
  );
});

test('popen_leak: pclose() at the end of the block that holds the stream', async () => {
  await proveFixes(
    join(PROGRAMS, 'popen_leak.c'),
    traceProgramRun,
    'zombie-leak',
    ["Close the stream with pclose(f): it waits for popen()'s child"],
    [['zombie-leak']],
  );
});

test('spawn_sites: waitpid() on the pid posix_spawn() returned', async () => {
  await proveFixes(
    join(PROGRAMS, 'spawn_sites.c'),
    traceProgramRun,
    'zombie-leak',
    ['Wait for the spawned process: waitpid() on the pid posix_spawn() returned (it blocks until that process exits)'],
    [['zombie-leak']],
  );
});

/** The one finding of `kind` in a run of the program: no fix, and the note. */
async function noFix(program: string, kind: DiagnosticKind): Promise<string> {
  buildPrograms();
  const run = await traceProgramRun(program);
  const finding = only(run.snapshot, kind);
  assert.deepEqual(finding.fixes, [], `no fix for ${basename(program)}; offered: ${finding.fixes.map((f) => f.title).join(', ')}`);
  assert.ok(finding.fixNote, 'a note says why');
  return finding.fixNote;
}

test('a fork hidden in a macro gets no fix, and the note names the macro', async () => {
  const note = await noFix(join(PROGRAMS, 'fork_in_macro'), 'zombie-leak');
  assert.match(note, /^No fix is offered: the fork\(\) or vfork\(\) call at fork_in_macro\.c:17 is hidden by the macro SPAWN_WORKER/);
});

test('a fork in a file without main() gets no fix: the handler would go in another file than the fork', async () => {
  const note = await noFix(join(PROGRAMS, 'split_main'), 'zombie-leak');
  assert.match(note, /the fork at split_worker\.c:6 is in split_worker\.c, which has no main\(\)/);
});

test('a line that is not the call the trace saw gets no fix: edited since the build, or a line that moved with the build older than the edit', async () => {
  buildPrograms();
  const dir = mkdtempSync(join(work, 'moved-'));
  const copy = join(dir, 'two_fork_sites.c');
  const binary = join(dir, 'two_fork_sites');
  const original = readFileSync(join(PROGRAMS, 'two_fork_sites.c'), 'utf8');
  writeFileSync(copy, original);
  execFileSync('gcc', ['-g', '-O0', '-Wall', '-o', binary, copy]);
  // Two lines added above the forks after the build: the traced lines now hold other code.
  const moved = original.replace('#include <unistd.h>\n', '#include <unistd.h>\n\n/* two new lines */\n');
  writeFileSync(copy, moved);
  const stale = await noFix(binary, 'zombie-leak');
  assert.match(
    stale,
    /two_fork_sites\.c changed after two_fork_sites was built, so the traced lines may not be the file's lines any more\. Rebuild and trace again/,
  );
  // The same edit with the file's time put back before the build: the text itself tells.
  const built = statSync(binary).mtime;
  utimesSync(copy, built, new Date(built.getTime() - 60_000));
  const notFork = await noFix(binary, 'zombie-leak');
  const traced = lineOf(join(PROGRAMS, 'two_fork_sites.c'), 'fork site 1'); // the worker's fork, where the build put it
  assert.match(
    notFork,
    new RegExp(
      `two_fork_sites\\.c:${traced} is not a fork\\(\\) or vfork\\(\\) call \\(it reads ".*"\\): the source may have changed since the program was built`,
    ),
  );
});

test('the other test programs with a finding say why they get no fix: EINTR already retried, a library that waits for some children, a fork line the default mode cannot pin', async () => {
  const nocldwait = await noFix(join(PROGRAMS, 'nocldwait'), 'eintr-no-restart');
  const retried = lineOf(join(PROGRAMS, 'nocldwait.c'), 'while (nanosleep(');
  assert.match(
    nocldwait,
    new RegExp(`SA_RESTART would not help: clock_nanosleep fails with EINTR even with it\\. .*nocldwait\\.c:${retried} is already retried on EINTR\\.`),
  );
  const ownLibrary = await noFix(join(PROGRAMS, 'own_library'), 'zombie-leak');
  assert.match(ownLibrary, /already waits for some children \(wait4\): which wait should also reap these is the program's decision/);
  const alternating = await noFix(join(PROGRAMS, 'alternating_forks'), 'zombie-leak');
  assert.match(alternating, /the line of the call that made pid \d+ is not known \(2 call sites of fork\(\)/);
});
