// Rust and Go binaries: each child points at the program's own line that made it, and a
// zombie at the wait that does not reap it, in both stack modes, even when the fork or
// the wait happens inside the language's library (Rust's Command::spawn and Child::wait,
// Go's exec.Cmd.Start and Cmd.Wait) rather than in the program's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { SnapshotJson } from '../../src/shared/schema';
import { which } from '../../src/tracer/strace';
import { readProcStatus } from '../../src/tracer/procfs';
import { byPid, eventually, lineOf, PROGRAMS, ROOT, startTrace } from '../support/system';

const out = mkdtempSync(join(tmpdir(), 'forktrace-languages-'));
// .ci/run installs both compilers; a machine without one says so instead of passing.
const rustc = which('rustc');
const go = which('go');

async function trace(program: string, stackMode: 'fast' | 'precise'): Promise<SnapshotJson> {
  const live = startTrace({ program, stdio: ['ignore', 'ignore', 'inherit'], stackMode });
  return (await live.done).snapshot;
}

const built = new Map<string, string>();
/** The program built from this source once: `rustc -g`, as `cargo build` does for a debug build; a plain `go build`, which keeps Go's DWARF line tables. */
function program(source: string): string {
  let binary = built.get(source);
  if (binary) return binary;
  binary = join(out, basename(source).replace('.', '_'));
  if (source.endsWith('.rs')) {
    execFileSync(rustc!, ['-g', '-o', binary, source], { stdio: 'inherit' });
  } else {
    const env = { ...process.env, GOCACHE: process.env.GOCACHE ?? join(out, 'gocache'), GOFLAGS: '-mod=mod', GO111MODULE: 'off' };
    execFileSync(go!, ['build', '-o', binary, source], { stdio: 'inherit', env, cwd: PROGRAMS });
  }
  built.set(source, binary);
  return binary;
}

const RUST = join(PROGRAMS, 'fork_sites.rs');
const GO = join(PROGRAMS, 'fork_sites.go');
const RUST_WAIT = join(PROGRAMS, 'wait_sites.rs');
const GO_WAIT = join(PROGRAMS, 'wait_sites.go');
const noRust = rustc ? false : 'rustc is not installed (apt-get install rustc)';
const noGo = go ? false : 'go is not installed (apt-get install golang-go)';

test('Rust, precise mode: the libc fork and the Command::spawn child each point at their own line', { skip: noRust }, async () => {
  const worker = lineOf(RUST, /fork site 1: worker/);
  const helper = lineOf(RUST, /fork site 2: helper/);
  const snapshot = await trace(program(RUST), 'precise');
  const [, first, second] = snapshot.processes;
  assert.deepEqual(first.forkSite, { file: RUST, line: worker, function: 'fork_sites::spawn_worker' });
  // strace cannot unwind clone3's stack: the rt_sigprocmask right after it, in posix_spawn, gives the frames.
  assert.deepEqual(second.forkSite, { file: RUST, line: helper, function: 'fork_sites::spawn_helper' });
  assert.deepEqual(snapshot.diagnostics.find((d) => d.kind === 'zombie-leak')?.location, { file: RUST, line: worker, function: 'fork_sites::spawn_worker' });
});

test('Rust, fast mode: the spawned child points at the Command::spawn line; the forked one names both lines as candidates', { skip: noRust }, async () => {
  const worker = lineOf(RUST, /fork site 1: worker/);
  const helper = lineOf(RUST, /fork site 2: helper/);
  const snapshot = await trace(program(RUST), 'fast');
  const [, first, second] = snapshot.processes;
  // std can fork() for Command::spawn too, so a fork() may be either line: no guess.
  assert.equal(first.forkSite, null);
  assert.deepEqual(second.forkSite, { file: RUST, line: helper, function: 'fork_sites::spawn_helper' });
  const leak = snapshot.diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.equal(leak?.location, null);
  assert.match(
    leak?.locationNote ?? '',
    new RegExp(
      `^2 call sites of fork\\(\\) in fork_sites_rs could have made this clone: fork_sites.rs:${worker} \\(fork_sites::spawn_worker\\), fork_sites.rs:${helper} \\(fork_sites::spawn_helper\\)\\.`,
    ),
  );
  // Nothing of std's own source, which is not on this machine, is offered.
  assert.doesNotMatch(leak?.locationNote ?? '', /process\.rs|unix\.rs/);
  // No line, yet the program is Rust's: the advice is in Rust's words, not C's.
  assert.match(
    leak?.message ?? '',
    /It never waits for a child \(no wait4 or waitid in the trace\)\. Call wait\(\) on every Child that Command::spawn\(\) returned/,
  );
  assert.doesNotMatch(leak?.message ?? '', /SIGCHLD handler|SIG_IGN/);
});

for (const mode of ['fast', 'precise'] as const) {
  test(`Go, ${mode} mode: the child of exec.Cmd.Start points at the Start line, not at Go's syscall package`, { skip: noGo }, async () => {
    const start = lineOf(GO, /fork site 1: helper/);
    const snapshot = await trace(program(GO), mode);
    const children = snapshot.processes.filter((p) => p.parentId === snapshot.processes[0].id);
    assert.equal(children.length, 1, snapshot.processes.map((p) => `${p.id} ${p.command}`).join(', '));
    assert.deepEqual(children[0].forkSite, { file: GO, line: start, function: 'main.startHelper' });
    const leak = snapshot.diagnostics.find((d) => d.kind === 'zombie-leak');
    assert.deepEqual(leak?.location, { file: GO, line: start, function: 'main.startHelper' });
    // In Go's words: exec.Cmd's Wait, not C's waitpid() and SIGCHLD handler.
    assert.match(
      leak?.message ?? '',
      /It never waits for a child \(no wait4 or waitid in the trace\)\. Call Wait\(\) on every exec\.Cmd that Start\(\) started/,
    );
    assert.doesNotMatch(leak?.message ?? '', /waitpid|SIGCHLD handler|SIG_IGN/);
  });
}

// A wait inside the library's spawn (made only when the child's exec failed) could have
// been any Start or spawn line: the child this wait reaped exec'd, so only Wait is left.
for (const [language, source, waitFn, skip] of [
  ['Go', GO_WAIT, 'main.runWaited', noGo],
  ['Rust', RUST_WAIT, 'wait_sites::run_waited', noRust],
] as const) {
  for (const mode of ['fast', 'precise'] as const) {
    test(`${language}, ${mode} mode: the forgotten child's zombie points at the Wait that reaps only its sibling`, { skip }, async () => {
      const wait = lineOf(source, /wait site: reaps the waited child only/);
      const snapshot = await trace(program(source), mode);
      const children = snapshot.processes.filter((p) => p.parentId === snapshot.processes[0].id);
      assert.equal(children.length, 2, snapshot.processes.map((p) => `${p.id} ${p.command}`).join(', '));
      // The forgotten child stays a zombie until its parent exits, then init reaps it: at once
      // on most machines, so the trace takes it as reaped; later on some, and then /proc
      // shows it still a zombie of init when the trace ends.
      assert.ok(children[0].reaped?.how === 'adopter' || (children[0].state === 'zombie' && children[0].adoptedBy.length === 1), JSON.stringify(children[0]));
      assert.deepEqual([children[1].reaped?.how, children[1].reaped?.by], ['wait', snapshot.processes[0].pid]);
      const leak = snapshot.diagnostics.find((d) => d.kind === 'zombie-leak');
      assert.deepEqual(leak?.pids, [snapshot.processes[0].pid, children[0].pid]);
      assert.deepEqual(leak?.location, { file: source, line: wait, function: waitFn }, leak?.locationNote ?? '');
      // The advice in the language's own words.
      assert.match(
        leak?.message ?? '',
        language === 'Go' ? /Call Wait\(\) on every exec\.Cmd that Start\(\) started/ : /Call wait\(\) on every Child that Command::spawn\(\) returned/,
      );
      assert.doesNotMatch(leak?.message ?? '', /waitpid\(-1|SIGCHLD handler/);
      if (mode === 'precise') {
        // Two Start/spawn lines: only the stacks tell which child each one made.
        const lines = [lineOf(source, /fork site: forgotten/), lineOf(source, /fork site: waited/)];
        assert.deepEqual(
          children.map((c) => c.forkSite?.line),
          lines,
        );
      }
    });
  }
}

const GO_RUNTIME_EINTR = join(PROGRAMS, 'runtime_eintr.go');

test("Go: a SIGCHLD that interrupts the Go runtime's own sleep is info, says nothing is to fix, and gives no C advice", { skip: noGo }, async () => {
  // 200 children, each a SIGCHLD while the runtime's threads sleep: one run in ten or so
  // cuts only one or two calls short, so a run with none is traced again (three at most).
  let snapshot: SnapshotJson | null = null;
  let eintr: SnapshotJson['diagnostics'] = [];
  for (let run = 1; run <= 3 && eintr.length === 0; run++) {
    snapshot = await trace(program(GO_RUNTIME_EINTR), 'fast');
    assert.equal(snapshot.summary.processes, 201);
    eintr = snapshot.diagnostics.filter((d) => d.kind === 'eintr-no-restart');
  }
  assert.ok(eintr.length > 0, `no interrupted call in three traces: ${JSON.stringify(snapshot?.diagnostics.map((d) => d.kind))}`);
  for (const d of eintr) {
    assert.equal(d.severity, 'info', d.message);
    assert.match(d.message, /: runtime_eintr_go is a Go program: the Go runtime .* so the program does not see this EINTR .*Nothing to fix\.$/);
    // Not the C advice, nor a precise trace that would only show the runtime's frames.
    assert.doesNotMatch(d.message, /retry \w+ when errno|sa_flags/);
    assert.match(d.locationNote ?? '', /made through the Go runtime/);
    assert.equal(d.locationPreciseWouldPin, false);
    assert.deepEqual(d.fixes, []);
    assert.equal(d.fixNote, 'No fix is offered: the program does not see this EINTR, so there is nothing to fix.');
  }
});

const GO_THREADS = join(PROGRAMS, 'go_threads.go');

// A Go server recorded by hand with `strace -f -p PID`: the runtime's threads were there
// before the log, so no clone names them. The runtime's own records name their process
// (getpid() in each thread, tgkill(PID, TID, SIGURG) to preempt a goroutine): those
// threads are drawn in the program, and so are the children they forked.
test(
  'Go, a log recorded by hand with strace -f -p: the threads its runtime names by getpid() and tgkill() are in the program, with their children',
  { skip: noGo },
  async (t) => {
    const binary = program(GO_THREADS);
    const proc = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    t.after(() => proc.kill('SIGKILL'));
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const pid = Number((await eventually(() => /ready (\d+)\n/.exec(output) ?? false, 10_000, 'ready'))[1]);
    const log = join(out, 'go_threads.log');
    const strace = spawn('strace', ['-f', '-ttt', '-o', log, '-p', String(pid)], { stdio: 'ignore' });
    t.after(() => strace.kill('SIGKILL'));
    const tasks = readdirSync(`/proc/${pid}/task`).map(Number);
    assert.ok(tasks.length >= 3, `the Go runtime's threads: ${tasks.join(' ')}`);
    await eventually(() => tasks.every((tid) => readProcStatus(tid)?.tracerPid === strace.pid), 10_000, 'strace to attach to every thread');
    proc.stdin.write('go\n');
    await eventually(() => proc.exitCode !== null && strace.exitCode !== null, 20_000, 'the program to finish, and strace with it');
    assert.equal(proc.exitCode, 0);

    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'analyze', '--no-color', '--json', '-', log], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const snapshot = JSON.parse(r.stdout) as SnapshotJson;
    // What the log itself says of each task made before it: getpid() in it, or a tgkill that names it.
    const text = readFileSync(log, 'utf8');
    const named = new Set<number>();
    for (const m of text.matchAll(/^(\d+) +[\d.]+ getpid\(\) += (\d+)$/gm)) if (Number(m[2]) === pid) named.add(Number(m[1]));
    for (const m of text.matchAll(/^\d+ +[\d.]+ tgkill\((\d+), (\d+), \w+\) += 0$/gm)) if (Number(m[1]) === pid) named.add(Number(m[2]));
    for (const m of text.matchAll(/^(\d+) +[\d.]+ tgkill\((\d+), (\d+), \w+ <unfinished \.\.\.>$/gm)) if (Number(m[2]) === pid) named.add(Number(m[3]));
    const grouped = tasks.filter((tid) => tid !== pid && named.has(tid));
    assert.ok(grouped.length > 0, `no record names a thread of ${pid}: nothing was tested`);
    const drawn = new Set(snapshot.processes.map((p) => p.pid));
    for (const tid of grouped) assert.ok(!drawn.has(tid), `thread ${tid}, named by the log, is drawn as a process`);
    assert.ok(byPid(snapshot, pid).threads > grouped.length, `${pid} has its threads: ${byPid(snapshot, pid).threads}`);
    // The twelve /bin/true children: each forked by a thread the log names is the program's, and reaped by it.
    const children = snapshot.processes.filter((p) => p.command === 'true');
    assert.equal(children.length, 12, snapshot.processes.map((p) => `${p.pid} ${p.command}`).join(', '));
    const forkedBy = new Map<number, number>();
    for (const m of text.matchAll(/^(\d+) +[\d.]+ (?:clone3?|vfork)\(.*\) += (\d+)$/gm)) forkedBy.set(Number(m[2]), Number(m[1]));
    for (const m of text.matchAll(/^(\d+) +[\d.]+ <\.\.\. (?:clone3?|vfork) resumed>.* += (\d+)$/gm)) forkedBy.set(Number(m[2]), Number(m[1]));
    for (const c of children) {
      const by = forkedBy.get(c.pid);
      if (by === pid || named.has(by ?? -1) || !tasks.includes(by ?? -1)) {
        assert.deepEqual([c.parentPid, c.state, c.reaped?.by], [pid, 'reaped', pid], `child ${c.pid}, forked by task ${by}`);
      }
    }
    assert.ok(!snapshot.diagnostics.some((d) => d.kind === 'zombie-leak'), JSON.stringify(snapshot.diagnostics.map((d) => d.message)));
  },
);
