// Rust and Go binaries: each child points at the program's own line that made it, in
// both stack modes, even when the fork happens inside the language's library (Rust's
// Command::spawn, Go's exec.Cmd.Start) rather than in the program's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveTrace } from '../../src/tracer/liveTrace';
import type { SnapshotJson } from '../../src/core/snapshot';
import { which } from '../../src/tracer/strace';
import { lineOf, PROGRAMS } from '../support/system';

const out = mkdtempSync(join(tmpdir(), 'forktrace-languages-'));
// .ci/run installs both compilers; a machine without one says so instead of passing.
const rustc = which('rustc');
const go = which('go');

async function trace(program: string, stackMode: 'fast' | 'precise'): Promise<SnapshotJson> {
  const live = LiveTrace.start({ program, stdio: ['ignore', 'ignore', 'inherit'], stackMode });
  return (await live.done).snapshot;
}

const RUST = join(PROGRAMS, 'fork_sites.rs');
let rustBinary: string | null = null;
function rustProgram(): string {
  // rustc -g, as `cargo build` does for a debug build.
  rustBinary ??= (execFileSync(rustc!, ['-g', '-o', join(out, 'fork_sites_rs'), RUST], { stdio: 'inherit' }), join(out, 'fork_sites_rs'));
  return rustBinary;
}

const GO = join(PROGRAMS, 'fork_sites.go');
let goBinary: string | null = null;
function goProgram(): string {
  // A plain `go build`: Go keeps its DWARF line tables by default.
  const env = { ...process.env, GOCACHE: process.env.GOCACHE ?? join(out, 'gocache'), GOFLAGS: '-mod=mod', GO111MODULE: 'off' };
  goBinary ??= (execFileSync(go!, ['build', '-o', join(out, 'fork_sites_go'), GO], { stdio: 'inherit', env, cwd: PROGRAMS }), join(out, 'fork_sites_go'));
  return goBinary;
}

test('Rust, precise mode: the libc fork and the Command::spawn child each point at their own line', { skip: rustc ? false : 'rustc is not installed (apt-get install rustc)' }, async () => {
  const worker = lineOf(RUST, /fork site 1: worker/);
  const helper = lineOf(RUST, /fork site 2: helper/);
  const snapshot = await trace(rustProgram(), 'precise');
  const [, first, second] = snapshot.processes;
  assert.deepEqual(first.forkSite, { file: RUST, line: worker, function: 'fork_sites::spawn_worker' });
  // strace cannot unwind clone3's stack: the disassembly follows std's posix_spawn up to this line.
  assert.deepEqual(second.forkSite, { file: RUST, line: helper, function: 'fork_sites::spawn_helper' });
  assert.deepEqual(snapshot.diagnostics.find((d) => d.kind === 'zombie-leak')?.location, { file: RUST, line: worker, function: 'fork_sites::spawn_worker' });
});

test('Rust, fast mode: the spawned child points at the Command::spawn line; the forked one names both lines as candidates', { skip: rustc ? false : 'rustc is not installed (apt-get install rustc)' }, async () => {
  const worker = lineOf(RUST, /fork site 1: worker/);
  const helper = lineOf(RUST, /fork site 2: helper/);
  const snapshot = await trace(rustProgram(), 'fast');
  const [, first, second] = snapshot.processes;
  // std can fork() for Command::spawn too, so a fork() may be either line: no guess.
  assert.equal(first.forkSite, null);
  assert.deepEqual(second.forkSite, { file: RUST, line: helper, function: 'fork_sites::spawn_helper' });
  const leak = snapshot.diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.equal(leak?.location, null);
  assert.match(leak?.locationNote ?? '', new RegExp(`^2 call sites of fork\\(\\) in fork_sites_rs could have made this clone: fork_sites.rs:${worker} \\(fork_sites::spawn_worker\\), fork_sites.rs:${helper} \\(fork_sites::spawn_helper\\)\\.`));
  // Nothing of std's own source, which is not on this machine, is offered.
  assert.doesNotMatch(leak?.locationNote ?? '', /process\.rs|unix\.rs/);
});

for (const mode of ['fast', 'precise'] as const) {
  test(`Go, ${mode} mode: the child of exec.Cmd.Start points at the Start line, not at Go's syscall package`, { skip: go ? false : 'go is not installed (apt-get install golang-go)' }, async () => {
    const start = lineOf(GO, /fork site 1: helper/);
    const snapshot = await trace(goProgram(), mode);
    const children = snapshot.processes.filter((p) => p.parentId === snapshot.processes[0].id);
    assert.equal(children.length, 1, snapshot.processes.map((p) => `${p.id} ${p.command}`).join(', '));
    assert.deepEqual(children[0].forkSite, { file: GO, line: start, function: 'main.startHelper' });
    assert.deepEqual(snapshot.diagnostics.find((d) => d.kind === 'zombie-leak')?.location, { file: GO, line: start, function: 'main.startHelper' });
  });
}
