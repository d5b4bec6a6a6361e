// `forktrace` as a user runs it: the built bin, real programs, real strace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SnapshotJson } from '../../src/shared/schema';
import { writeForkServerLog } from '../support/core';
import { assertAllGone, buildPrograms, eventually, EXAMPLES, lineOf, processIdentity, PROGRAMS, ROOT, runClients, waitForOutput } from '../support/system';

const CLI = join(ROOT, 'dist', 'cli.js');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'logs');

function forktrace(args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('forktrace --help lists both commands and exits 0', () => {
  const r = forktrace(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /forktrace trace \[options\] -- PROGRAM/);
  assert.match(r.stdout, /forktrace analyze \[options\] LOG_OR_DIR/);
});

test('a usage error exits 2 with the reason on stderr', () => {
  const r = forktrace(['frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command "frobnicate"/);
  assert.equal(forktrace(['trace']).status, 2);
  assert.equal(forktrace(['analyze', '--duration', '3', 'x.log']).status, 2, '--duration belongs to trace');
});

test('analyze prints the indented tree and the diagnostic with its pids', () => {
  const r = forktrace(['analyze', '--no-color', join(FIXTURES, 'zombie_then_orphan.ttt.log')]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^4284 {2}zombie_then_orphan {2}0\.000–0\.205s {2}exited with code 0/);
  assert.match(lines[1], /^└─ 4285 {2}zombie_then_orphan .* reaped by pid 4284/);
  assert.match(lines[2], /^ {3}└─ 4286 {2}zombie_then_orphan .*adopted by init or a subreaper outside the trace/);
  assert.match(r.stdout, /error zombie-leak/);
  assert.match(r.stdout, /zombie_then_orphan \(pid 4285\) never reaped 1 child process \(pid 4286\)/);
});

test('analyze --json - writes schema 2 to stdout and the report to stderr', () => {
  const r = forktrace(['analyze', '--json', '-', join(FIXTURES, 'reap_once_server.ttt.log')]);
  assert.equal(r.status, 0, r.stderr);
  const snap = JSON.parse(r.stdout) as SnapshotJson;
  assert.equal(snap.schema, 2);
  assert.equal(snap.ended, true);
  const p = snap.processes[1];
  for (const key of ['id', 'pid', 'parentPid', 'command', 'argv', 'start', 'exit', 'zombie', 'reaped', 'adoptedBy', 'threads', 'forkSite']) {
    assert.ok(key in p, `processes[] has ${key}`);
  }
  assert.deepEqual(Object.keys(snap.summary).sort(), ['maxZombies', 'orphans', 'processes', 'running', 'zombiesAtEnd']);
  assert.deepEqual(snap.diagnostics.map((d) => d.kind).sort(), ['sigchld-coalesced', 'zombie-leak']);
  assert.match(r.stderr, /warning sigchld-coalesced/);
});

test('analyze refuses a binary file and an empty file with a clear message and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-cli-'));
  const bin = join(dir, 'core.bin');
  writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3, 0, 0, 0]));
  let r = forktrace(['analyze', bin]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /is not a strace log: it is a binary file/);
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  r = forktrace(['analyze', empty]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the log is empty/);
  r = forktrace(['analyze', join(dir, 'missing.log')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /does not exist/);
});

test('analyze of a big log on a terminal: a progress line on stderr (of the whole, or so far from a pipe), erased before the report; none into a pipe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-progress-'));
  try {
    const log = join(dir, 'big.log');
    const size = writeForkServerLog(log, 120_000, 5); // about 120 MB: over half a second to read even at 200 MB/s
    const args = ['analyze', '--no-color', log];
    // script(1) gives the CLI a terminal; what it prints there (stdout and stderr) comes back on script's stdout.
    const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
    const onTerminal = spawnSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(onTerminal.status, 0, onTerminal.stderr);
    const ERASE = '\r\u001b[K';
    const shown = [
      ...onTerminal.stdout
        .split(ERASE)
        .join('\n')
        .matchAll(/^forktrace: reading big\.log: ([\d.]+) of (\d+) MiB \((\d+)%\)$/gm),
    ];
    assert.ok(shown.length >= 1, `a progress line on the terminal: ${JSON.stringify(onTerminal.stdout.slice(0, 300))}`);
    for (const [, , total] of shown) assert.equal(Number(total), Math.round(size / (1024 * 1024)), 'of the whole log');
    const percents = shown.map((m) => Number(m[3]));
    assert.deepEqual(
      percents,
      [...percents].sort((a, b) => a - b),
      'the percentage only grows',
    );
    const report = onTerminal.stdout.slice(onTerminal.stdout.lastIndexOf('%)') + 2);
    assert.ok(report.startsWith(ERASE), 'the line is erased, then the report starts on it');
    assert.match(report.slice(ERASE.length), /^100 {2}server /);
    assert.match(report, /120,?001 processes/);
    // Read from a pipe, the log's size is not known: how much was read, no total.
    const fromPipe = spawnSync(
      'script',
      ['-qfec', `cat '${log}' | ${[process.execPath, CLI, 'analyze', '--no-color', '/dev/stdin'].map((a) => `'${a}'`).join(' ')}`, '/dev/null'],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    assert.equal(fromPipe.status, 0, fromPipe.stderr);
    const pipeLines = fromPipe.stdout.split(ERASE).filter((l) => l.startsWith('forktrace: reading'));
    assert.ok(pipeLines.length >= 1, `a progress line for the pipe: ${JSON.stringify(fromPipe.stdout.slice(0, 300))}`);
    for (const line of pipeLines) assert.match(line, /^forktrace: reading stdin: [\d.]+ MiB$/);
    const piped = forktrace(args);
    assert.equal(piped.status, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr + piped.stdout, /reading big\.log/, 'no progress into a pipe');
    assert.ok(!(piped.stderr + piped.stdout).includes('\u001b'), 'no terminal control into a pipe');
    assert.match(piped.stdout, /^100 {2}server /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// handler_and_system: a SIGCHLD handler that reaps one child per signal (sigchld-coalesced).
test('analyze on real logs recorded with -C, -c and -e signal=none: the table read past, or named; the missing signals said', () => {
  buildPrograms();
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-cli-'));
  try {
    const record = (name: string, flags: string[]): string => {
      const log = join(dir, name);
      const r = spawnSync('strace', [...flags, '-o', log, '--', join(PROGRAMS, 'handler_and_system')], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      return log;
    };
    const kinds = (r: ReturnType<typeof forktrace>): string[] => (JSON.parse(r.stdout) as SnapshotJson).diagnostics.map((d) => d.kind).sort();

    const whole = forktrace(['analyze', '--no-color', '--json', '-', record('whole.log', ['-f', '-ttt'])]);
    assert.deepEqual(kinds(whole), ['sigchld-coalesced', 'zombie-leak']);

    // -C: the calls, then the table in the same file.
    const both = forktrace(['analyze', '--no-color', '--json', '-', record('both.log', ['-f', '-ttt', '-C'])]);
    assert.equal(both.status, 0, both.stderr);
    assert.deepEqual(kinds(both), ['sigchld-coalesced', 'zombie-leak']);
    assert.doesNotMatch(both.stderr, /warning\(s\)/, 'no table line is a warning');

    const table = forktrace(['analyze', '--no-color', record('table.log', ['-f', '-c'])]);
    assert.equal(table.status, 2);
    assert.match(
      table.stderr,
      /table\.log is not a strace log: it holds only the summary table of strace -c .* Record one with: strace -f -ttt -o trace\.log PROGRAM/,
    );

    // -e signal=none: the coalescing cannot be seen, and the first warning says so.
    const quiet = forktrace(['analyze', '--no-color', '--json', '-', record('nosignals.log', ['-f', '-ttt', '-e', 'signal=none'])]);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.deepEqual(kinds(quiet), ['zombie-leak']);
    assert.match(
      quiet.stderr,
      /^\d+ warning\(s\) while reading the trace:\n {2}line \d+: this log has no signal records .*-e signal=none, .*sigchld-coalesced cannot be found in it/m,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('analyze warns with line numbers about lines it cannot read, and still draws the tree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-cli-'));
  const log = join(dir, 'mixed.log');
  const lines = readFileSync(join(FIXTURES, 'clone_parent.ttt.log'), 'utf8').split('\n');
  lines.splice(2, 0, 'this is not strace output');
  writeFileSync(log, lines.join('\n'));
  const r = forktrace(['analyze', '--no-color', log]);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /line 3: unrecognized line: this is not strace output/);
  assert.match(r.stdout, /^3 processes/m);
});

// A log the user recorded with their own strace options: the same tree when an option only
// adds to each record (-n, -i), and said plainly when one leaves out what the tree is built
// from (no -f, -qq, -Z), never drawn as if whole.
test('analyze on real logs recorded with -n -i, without -f, with -qq, -Z, -e trace=file, -e trace=clone, -e trace=!clone and -e trace=!execve: the same tree, or a warning or an error that says which option and what to run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-cli-'));
  try {
    const record = (name: string, flags: string[]): { log: string; out: string } => {
      const log = join(dir, name);
      const r = spawnSync('strace', [...flags, '-o', log, '--', join(EXAMPLES, 'double_fork_daemon'), '0.1'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      return { log, out: r.stdout };
    };
    const analyzed = (log: string): { r: ReturnType<typeof forktrace>; snapshot: SnapshotJson } => {
      const r = forktrace(['analyze', '--no-color', '--json', '-', log]);
      assert.equal(r.status, 0, r.stderr);
      return { r, snapshot: JSON.parse(r.stdout) as SnapshotJson };
    };
    // The daemon outlives the parent: each log is read once the daemon has exited too.
    const daemonGone = async (out: string): Promise<void> => {
      const pid = Number(/daemon pid (\d+)/.exec(out)?.[1]);
      await eventually(() => processIdentity(pid) === null, 10_000, 'the daemon to exit');
    };
    const shape = (s: SnapshotJson) =>
      s.processes.map((p) => [p.command, p.parentId === null ? null : s.processes.findIndex((q) => q.id === p.parentId), p.state, p.adoptedBy.length]);

    const whole = record('whole.log', ['-f', '-ttt']);
    const prefixed = record('prefixed.log', ['-f', '-ttt', '-n', '-i']);
    const noF = record('nof.log', ['-ttt']);
    const quiet = record('quiet.log', ['-f', '-ttt', '-qq']);
    const failed = record('failed.log', ['-f', '-ttt', '-Z']);
    const files = record('files.log', ['-f', '-ttt', '-e', 'trace=file']);
    const forks = record('forks.log', ['-f', '-ttt', '-e', 'trace=clone']);
    const notClone = record('notclone.log', ['-f', '-ttt', '-e', 'trace=!clone']);
    const notExec = record('notexec.log', ['-f', '-ttt', '-e', 'trace=!execve']);
    for (const x of [whole, prefixed, noF, quiet, failed, files, forks, notClone, notExec]) await daemonGone(x.out);

    const expected = [
      ['double_fork_daemon', null, 'exited', 0],
      ['double_fork_daemon', 0, 'reaped', 0],
      ['double_fork_daemon', 1, 'exited', 1],
    ];
    assert.deepEqual(shape(analyzed(whole.log).snapshot), expected);
    const p = analyzed(prefixed.log);
    assert.deepEqual(shape(p.snapshot), expected, 'strace -n -i: the same tree');
    assert.deepEqual(p.snapshot.warnings, []);

    // Without -f: the parent and the child it reaped, under their real pids, nobody adopted; the warning comes first.
    const n = analyzed(noF.log);
    const parentPid = Number(/parent pid (\d+)/.exec(noF.out)?.[1]);
    const childPid = Number(/reaped child (\d+)/.exec(noF.out)?.[1]);
    assert.deepEqual(
      n.snapshot.processes.map((x) => [x.pid, x.parentPid, x.state, x.adoptedBy.length]),
      [
        [parentPid, null, 'exited', 0],
        [childPid, parentPid, 'reaped', 0],
      ],
    );
    assert.match(
      n.r.stderr,
      /^\d+ warning\(s\) while reading the trace:\n {2}line \d+: this log follows one process only: strace ran without -f.*Record with -f to see them: strace -f -ttt -o trace\.log PROGRAM\n/m,
    );

    // -qq: the daemon nobody waited for shows as running, and the first warning says why.
    const q = analyzed(quiet.log);
    assert.equal(q.snapshot.processes.find((x) => x.adoptedBy.length === 1)?.state, 'running');
    assert.match(
      q.r.stderr,
      /^\d+ warning\(s\) while reading the trace:\n {2}line \d+: this log has no exit records .*-qq \(or -e quiet=exit\).*still running/m,
    );

    // -e trace=!execve: the same tree with no commands; the root is strace's child (its first call, brk(NULL), shows
    // the program starting), not a process present before the trace; the first warning says execve was left out.
    const e = analyzed(notExec.log);
    assert.deepEqual(
      shape(e.snapshot),
      expected.map(([, ...rest]) => ['?', ...rest]),
    );
    assert.deepEqual(
      e.snapshot.processes.map((x) => [x.before ?? false, x.reaped?.how]),
      [
        [false, 'tracer'],
        [false, 'wait'],
        [false, 'adopter'],
      ],
    );
    assert.match(
      e.r.stderr,
      /^\d+ warning\(s\) while reading the trace:\n {2}line 1: this log has no execve: it begins with brk\(NULL\), a program's first call, .*left execve out/m,
    );

    // -Z: no tree at all, exit 2, and the command that records one.
    const z = forktrace(['analyze', '--no-color', failed.log]);
    assert.equal(z.status, 2);
    assert.equal(z.stdout, '');
    assert.match(
      z.stderr,
      /failed\.log gives no process tree: no call in it succeeded, only failed ones, .* recorded with -Z .*Record it again without that option: strace -f -ttt -o trace\.log PROGRAM/,
    );

    // -e trace=file has no forks, -e trace=clone no waits (its children would all look like leaked zombies),
    // -e trace=!clone keeps exit_group but no fork (the children came from nowhere, their zombies unseen).
    for (const [x, what] of [
      [files, 'forks'],
      [forks, 'waits'],
      [notClone, 'forks'],
    ] as const) {
      const r = forktrace(['analyze', '--no-color', x.log]);
      assert.equal(r.status, 2, r.stdout);
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        new RegExp(
          `gives no process tree: it was recorded with -e trace= naming calls that leave out the ${what}: .*-e trace=%process,%signal: strace -f -ttt -o trace\\.log PROGRAM`,
        ),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// strace -X raw prints flags, signals and codes as numbers (`flags=0x3d0f00`, `rt_sigaction(17, …)`,
// `si_code=0x1`); -e verbose=none leaves clone3's struct a pointer. Before, -X raw drew threads
// as processes, SIG_IGN and SA_NOCLDWAIT as never set (false zombie-leak and eintr-no-restart
// errors), and missed sigchld-coalesced, with no word about why.
test('analyze on real logs recorded with -X raw: the same processes and findings as without it; -e verbose=none says threads may be drawn as processes; -e trace=clone,wait4,exit_group names the processes whose fork was left out', () => {
  buildPrograms();
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-cli-raw-'));
  try {
    const picture = (program: string, flags: string[]) => {
      const log = join(dir, `${program}${flags.join('')}.log`);
      const recorded = spawnSync('strace', ['-f', '-ttt', ...flags, '-o', log, '--', join(PROGRAMS, program)], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(recorded.status, 0, recorded.stderr);
      const r = forktrace(['analyze', '--no-color', '--json', '-', log]);
      assert.equal(r.status, 0, r.stderr);
      const snap = JSON.parse(r.stdout) as SnapshotJson;
      return {
        snap,
        shape: {
          processes: snap.processes.map((p) => [p.command, p.threads, p.state, p.reaped?.how ?? null, p.adoptedBy.length]),
          // Whether a SIGCHLD lands in nocldwait's sleep (an info eintr-no-restart, true either way) is timing.
          findings: snap.diagnostics.filter((d) => d.kind !== 'eintr-no-restart').map((d) => `${d.kind} ${d.location?.line ?? '-'}`),
        },
      };
    };
    const findings: Record<string, string[]> = {
      threads: [],
      handler_and_system: ['zombie-leak', 'sigchld-coalesced'],
      sigchld_ignore: [],
      nocldwait: [],
    };
    for (const [program, kinds] of Object.entries(findings)) {
      const whole = picture(program, []);
      assert.deepEqual(
        whole.shape.findings.map((f) => f.split(' ')[0]),
        kinds,
        `${program}: what it is known to do`,
      );
      assert.deepEqual(picture(program, ['-X', 'raw']).shape, whole.shape, `${program} under -X raw`);
    }
    const threads = picture('threads', []).shape.processes;
    assert.equal(threads.length, 2, 'threads: the program with its 3 threads, and the child it forked');

    // system()'s clone3 left out, and execve: the child it made comes from nowhere, and so does the program.
    const narrowed = picture('handler_and_system', ['-e', 'trace=clone,wait4,exit_group']).snap;
    assert.equal(narrowed.warnings[0]?.recording, true);
    assert.match(
      narrowed.warnings[0]?.reason ?? '',
      /^this log holds only calls that make, run and reap processes \(strace -e trace= named them\), and pids \d+, \d+ appear in it with no fork that made them .*clone3, which posix_spawn and system\(\) use/,
    );
    assert.ok(!narrowed.processes.some((p) => p.before), 'nothing is taken for present before the trace');
    // With no execve in it, a finding cannot be placed, and says both reasons a program can be missing.
    assert.match(narrowed.diagnostics.find((d) => d.kind === 'zombie-leak')?.locationNote ?? '', /no exec of it is in the trace: .*-e trace= left execve out/);
    const onlyProcess = picture('handler_and_system', ['-e', 'trace=%process']).snap;
    assert.match(
      onlyProcess.warnings[0]?.reason ?? '',
      /^a SIGCHLD handler seems to reap here \(a WNOHANG wait right after SIGCHLD\), but this log holds only the process calls .*sigchld-coalesced cannot be found/,
    );

    const undecoded = picture('threads', ['-e', 'verbose=none']).snap;
    assert.equal(undecoded.warnings[0]?.recording, true);
    assert.match(
      undecoded.warnings[0]?.reason ?? '',
      /^clone3's arguments are not decoded in this log \(strace -e verbose=none, .*the 2 tasks it made are drawn as processes, though threads may be among them .*a zombie-leak naming one may be false\. Record without that option/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without strace on PATH, trace says which package to install and exits 2', () => {
  buildPrograms();
  const emptyDir = mkdtempSync(join(tmpdir(), 'forktrace-nopath-'));
  const r = forktrace(['trace', '--', join(EXAMPLES, 'zombie_server')], { ...process.env, PATH: emptyDir });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /strace was not found on PATH\. Install it: sudo apt-get install strace/);
});

test('trace --duration stops the server, reports its zombies and leaves no process behind', async () => {
  buildPrograms();
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-cli-'));
  const json = join(dir, 'snap.json');
  const log = join(dir, 'trace.log');
  const cli = spawn(process.execPath, [CLI, 'trace', '--no-color', '--json', json, '--log', log, '--duration', '2', '--', join(EXAMPLES, 'zombie_server')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  cli.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const m = await waitForOutput(cli.stdout, /listening on 127\.0\.0\.1:(\d+)/);
  assert.equal((await runClients({ port: Number(m[1]), count: 3 })).ok, 3);
  const status = await new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
  assert.equal(status, 0);
  const snap = JSON.parse(readFileSync(json, 'utf8')) as SnapshotJson;
  assert.equal(snap.summary.zombiesAtEnd, 3);
  assert.equal(snap.ended, true);
  assert.match(stdout, /zombie since/);
  assert.match(stdout, /error zombie-leak/);
  const pids = snap.processes.map((p) => p.pid);
  await eventually(
    () => pids.every((pid) => processIdentity(pid) === null || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('zombie_server')),
    8000,
    'every process of the trace to be gone',
  );
  // The raw log it kept analyzes to the same tree.
  const again = forktrace(['analyze', '--json', '-', log]);
  const replay = JSON.parse(again.stdout) as SnapshotJson;
  assert.deepEqual(
    replay.processes.map((p) => p.pid),
    pids,
  );
});

test('trace --json - keeps stdout to the JSON: what the program prints goes to stderr', () => {
  const r = forktrace(['trace', '--json', '-', '--', '/bin/sh', '-c', 'echo printed by the program; /bin/true; echo done']);
  assert.equal(r.status, 0, r.stderr);
  const snap = JSON.parse(r.stdout) as SnapshotJson;
  assert.equal(snap.processes.length, 2, 'the shell and the /bin/true it forked');
  assert.match(r.stderr, /^printed by the program$/m);
});

/** `forktrace trace --json - -- python3 NAME`, run from the script's directory as a user does (no workspace, a relative path). */
function tracePythonScript(name: string, lines: string[], interpreter = 'python3'): SnapshotJson {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-py-'));
  try {
    writeFileSync(join(dir, name), lines.join('\n'));
    const r = spawnSync(process.execPath, [CLI, 'trace', '--json', '-', '--', interpreter, name], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as SnapshotJson;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("`python3 server.py`: the script's own wait line is offered as a candidate, never as a fact", () => {
  const snap = tracePythonScript('server.py', [
    'import os, time',
    'a = os.fork()',
    'if a == 0:',
    '    os._exit(0)',
    'b = os.fork()',
    'if b == 0:',
    '    os._exit(0)',
    'time.sleep(0.3)',
    'os.waitpid(a, 0)',
    '',
  ]);
  const leak = snap.diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.ok(leak, `a zombie-leak among ${snap.diagnostics.map((d) => d.kind).join(', ')}`);
  assert.equal(leak.location, null, 'a wait4 of the interpreter is no line of the script');
  assert.match(leak.locationNote ?? '', /^server\.py is a Python script: .*\(candidates, not facts\): server\.py:9\.$/);
  // The advice in Python's words, not C's waitpid(&status) and sigaction.
  assert.match(
    leak.message,
    /It calls wait4, but never for this child\. Call wait\(\) on every subprocess\.Popen .* os\.waitpid\(\) on every pid os\.fork\(\) returned/,
  );
  assert.doesNotMatch(leak.message, /&status|SA_NOCLDWAIT/);
});

test('`perl forker.pl` that never waits: the zombie-leak advice is in Perl', () => {
  const snap = tracePythonScript('forker.pl', ['for (1 .. 3) { if (fork() == 0) { exit 0 } }', 'sleep 1;', ''], 'perl');
  const leak = snap.diagnostics.find((d) => d.kind === 'zombie-leak');
  assert.ok(leak, snap.diagnostics.map((d) => d.kind).join(', '));
  assert.deepEqual(leak.pids.length, 4);
  assert.match(
    leak.message,
    /It never waits for a child \(no wait4 or waitid in the trace\)\. Call waitpid\(\$pid, 0\) for every pid fork returned, or in a \$SIG\{CHLD\} handler, 1 while waitpid\(-1, WNOHANG\) > 0; with \$SIG\{CHLD\} = 'IGNORE' the kernel reaps them\./,
  );
  assert.match(leak.locationNote ?? '', /forker\.pl:1\b/);
});

test('`python3 sleeper.py`: SIGCHLD cuts its sleep short, and the finding says Python retries by itself (info, nothing to fix)', () => {
  const snap = tracePythonScript('sleeper.py', [
    'import os, signal, time',
    'signal.signal(signal.SIGCHLD, lambda sig, frame: os.waitpid(-1, os.WNOHANG))',
    'if os.fork() == 0:',
    '    time.sleep(0.05)',
    '    os._exit(0)',
    'time.sleep(0.3)  # interrupted by SIGCHLD, retried by the interpreter',
    '',
  ]);
  const eintr = snap.diagnostics.filter((d) => d.kind === 'eintr-no-restart');
  assert.equal(eintr.length, 1, `one eintr-no-restart among ${snap.diagnostics.map((d) => `${d.kind}: ${d.message}`).join('; ')}`);
  assert.equal(eintr[0].severity, 'info', 'the script never sees the EINTR');
  assert.match(
    eintr[0].message,
    /^clock_nanosleep in python3\S* \(pid \d+\) was interrupted by SIGCHLD and failed with EINTR \("Interrupted system call"\) 1 time: python3\S* retries a call that fails with EINTR by itself once the handler has run \(Python 3\.5 and later, PEP 475\)/,
  );
  assert.doesNotMatch(eintr[0].message, /SA_RESTART/);
  // And no fix note about lines that are not known: there is nothing to fix.
  assert.equal(eintr[0].fixNote, 'No fix is offered: the program does not see this EINTR, so there is nothing to fix.');
  assert.equal(snap.summary.zombiesAtEnd, 0, 'the handler reaped the child');
});

// A script's SIGCHLD handler runs after the interpreter's C handler returned (rt_sigreturn):
// its one wait per signal is the coalescing bug all the same, said in the script's words.
const EIGHT_CHILDREN_EXIT_TOGETHER = {
  // Each child reads a pipe until its end: closing the write end lets all eight exit at once.
  python: [
    'import os, signal, time',
    'signal.signal(signal.SIGCHLD, lambda sig, frame: os.waitpid(-1, os.WNOHANG))  # one child per signal',
    'r, w = os.pipe()',
    'for i in range(8):',
    '    if os.fork() == 0:',
    '        os.close(w)',
    '        os.read(r, 1)',
    '        os._exit(0)',
    'os.close(w)',
    'for i in range(5):',
    '    time.sleep(0.2)',
    '',
  ],
  perl: [
    '$SIG{CHLD} = sub { wait(); };  # one child per signal',
    'pipe(my $r, my $w) or die;',
    'for my $i (1 .. 8) {',
    '    my $pid = fork();',
    '    if ($pid == 0) { close($w); my $c = <$r>; exit 0; }',
    '}',
    'close($w);',
    'select(undef, undef, undef, 0.2) for 1 .. 5;',
    '',
  ],
};

for (const [language, interpreter, script, loop] of [
  ['Python', 'python3', 'reaper.py', 'call os.waitpid(-1, os.WNOHANG) until it returns pid 0 or raises ChildProcessError.'],
  ['Perl', 'perl', 'reaper.pl', '1 while waitpid(-1, WNOHANG) > 0; (WNOHANG from POSIX).'],
] as const) {
  test(`\`${interpreter} ${script}\`: a handler that reaps one child per SIGCHLD is sigchld-coalesced, with the loop in ${language}`, () => {
    const lines = EIGHT_CHILDREN_EXIT_TOGETHER[interpreter === 'perl' ? 'perl' : 'python'];
    // On a loaded machine the eight may still exit one by one, each with its own signal:
    // then nothing coalesced and the handler reaped them all. Traced again, four times at most.
    let snap: SnapshotJson | null = null;
    let coalesced: SnapshotJson['diagnostics'][number] | undefined;
    for (let run = 1; run <= 4 && !coalesced; run++) {
      snap = tracePythonScript(script, lines, interpreter);
      coalesced = snap.diagnostics.find((d) => d.kind === 'sigchld-coalesced');
    }
    assert.ok(snap && coalesced, snap?.diagnostics.map((d) => `${d.kind}: ${d.message}`).join('; '));
    assert.ok(coalesced.message.endsWith(`Loop: ${loop}`), coalesced.message);
    assert.doesNotMatch(coalesced.message, /&status/);
    // The handler's line is offered as a candidate (the interpreter's own wait4 is no line of the script).
    assert.match(coalesced.locationNote ?? '', new RegExp(`${script.replace('.', '\\.')}:${interpreter === 'perl' ? 1 : 2}\\b`));
    // Whoever was left at the end: the leak says why, and how to loop, in the script's words.
    const leak = snap.diagnostics.find((d) => d.kind === 'zombie-leak');
    if (leak) assert.match(leak.message, new RegExp(`Its SIGCHLD handler reaps one child per signal.*Loop in the handler: ${loop.replace(/[().$]/g, '\\$&')}`));
  });
}

test('`perl server.pl` (a perlipc accept loop): SIGCHLD cuts accept short, and the advice is in Perl: POSIX::sigaction with SA_RESTART, or $!{EINTR}', () => {
  const snap = tracePythonScript(
    'server.pl',
    [
      'use IO::Socket::INET;',
      "use POSIX ':sys_wait_h';",
      '$SIG{CHLD} = sub { while (waitpid(-1, WNOHANG) > 0) {} };',
      'my $server = IO::Socket::INET->new(LocalAddr => \'127.0.0.1\', LocalPort => 0, Listen => 5) or die "listen: $!";',
      'my $port = $server->sockport;',
      'if (fork() == 0) {',
      '    for (1 .. 3) { select(undef, undef, undef, 0.1); my $c = IO::Socket::INET->new("127.0.0.1:$port") or die; <$c>; }',
      '    exit 0;',
      '}',
      'my $served = 0;',
      'while ($served < 3) {',
      '    my $client = $server->accept() or do { next if $!{EINTR}; die "accept: $!" };',
      '    if (fork() == 0) { print $client "hello\\n"; exit 0; }',
      '    close $client;',
      '    $served++;',
      '}',
      'select(undef, undef, undef, 0.05) for 1 .. 10;  # time for the client to exit and be reaped',
      '',
    ],
    'perl',
  );
  assert.equal(snap.summary.processes, 5, 'perl, its client and three connection handlers');
  assert.equal(snap.summary.zombiesAtEnd, 0, 'the handler loops');
  const accept = snap.diagnostics.find((d) => d.kind === 'eintr-no-restart' && /^accept4? in perl/.test(d.message));
  assert.ok(accept, snap.diagnostics.map((d) => `${d.kind}: ${d.message}`).join('; '));
  assert.equal(accept.severity, 'warning');
  assert.match(
    accept.message,
    /the SIGCHLD handler was installed without SA_RESTART\. Install the handler with POSIX::sigaction and SA_RESTART in its flags \(%SIG installs it without\), or retry accept \(accept4? in the trace\) when \$!\{EINTR\} is set/,
  );
  assert.doesNotMatch(accept.message, /errno ==|sa_flags/);
  assert.match(accept.locationNote ?? '', /server\.pl:12\b/, 'the accept line, as a candidate');
});

test('`python3`: a handler that loops, and a main loop that waits after a do-nothing handler, are not coalescing', () => {
  const looping = tracePythonScript('loop.py', [
    'import os, signal, time',
    'def reap(sig, frame):',
    '    while True:',
    '        try:',
    '            pid, _ = os.waitpid(-1, os.WNOHANG)',
    '        except ChildProcessError:',
    '            return',
    '        if pid == 0:',
    '            return',
    'signal.signal(signal.SIGCHLD, reap)',
    ...EIGHT_CHILDREN_EXIT_TOGETHER.python.slice(2),
  ]);
  assert.deepEqual(
    looping.diagnostics.filter((d) => d.kind !== 'eintr-no-restart').map((d) => d.kind),
    [],
    'the loop reaps every child',
  );
  assert.equal(looping.summary.zombiesAtEnd, 0);
  // The signal cuts the main loop's os.wait() short; the wait after rt_sigreturn is that wait restarted, not the handler's.
  const mainLoop = tracePythonScript('main.py', [
    'import os, signal, time',
    'signal.signal(signal.SIGCHLD, lambda sig, frame: None)',
    'for i in range(8):',
    '    if os.fork() == 0:',
    '        time.sleep(0.1)',
    '        os._exit(0)',
    'for i in range(8):',
    '    pid, status = os.wait()',
    '    print(pid, flush=True)',
    '',
  ]);
  assert.deepEqual(
    mainLoop.diagnostics.filter((d) => d.kind === 'sigchld-coalesced' || d.kind === 'zombie-leak').map((d) => d.message),
    [],
  );
});

test('trace says once why the fork sites of two forks in one loop are unknown in the default mode, naming both candidates', () => {
  buildPrograms();
  const program = join(PROGRAMS, 'alternating_forks');
  const source = `${program}.c`;
  const [even, odd] = [lineOf(source, 'fork site 1: even'), lineOf(source, 'fork site 2: odd')];
  const r = forktrace(['trace', '--no-color', '--', program]);
  assert.equal(r.status, 0, r.stderr);
  const notes = r.stdout.split('\n').filter((l) => l.startsWith('fork site of'));
  assert.deepEqual(notes, [
    `fork site of 4 processes not known: 2 call sites of fork() in alternating_forks could have made this clone: alternating_forks.c:${even} (main), alternating_forks.c:${odd} (main). The default trace cannot tell them apart; trace in precise mode (strace -k: the forkTrace.stackMode setting, "stackMode": "precise" in a launch configuration, or forktrace --stack-mode precise) to pin down each call.`,
  ]);
  // Precise mode pins each: no such line.
  const precise = forktrace(['trace', '--no-color', '--stack-mode', 'precise', '--', program]);
  assert.equal(precise.status, 0, precise.stderr);
  assert.doesNotMatch(precise.stdout, /^fork site of/m);
  assert.match(precise.stdout, new RegExp(`forked at ${source}:${even}\n[^]*forked at ${source}:${odd}\n`));
});

test("a double fork in main: the default mode follows main's flow to each fork's line, as precise mode does", () => {
  buildPrograms();
  const source = join(EXAMPLES, 'double_fork_daemon.c');
  const [first, second] = [lineOf(source, 'first fork: the child'), lineOf(source, 'second fork: the daemon')];
  for (const mode of ['fast', 'precise']) {
    const r = forktrace(['trace', '--no-color', '--stack-mode', mode, '--', join(EXAMPLES, 'double_fork_daemon'), '0.1']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^fork site of/m, mode);
    const tree = r.stdout.split('\n').filter((l) => / double_fork_daemon {2}/.test(l));
    assert.equal(tree.length, 3, r.stdout);
    assert.doesNotMatch(tree[0], /forked at/);
    assert.match(tree[1], new RegExp(`^└─ \\d+ .* forked at ${source}:${first}$`), mode);
    assert.match(tree[2], new RegExp(`^ {3}└─ \\d+ .* forked at ${source}:${second}$`), mode);
  }
});

test('Ctrl-C stops a trace: the report is printed and the tree is killed', async () => {
  buildPrograms();
  const cli = spawn(process.execPath, [CLI, 'trace', '--no-color', '--', join(EXAMPLES, 'double_fork_daemon'), '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  cli.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  // The launcher has exited and the daemon lives on, orphaned.
  const m = await waitForOutput(cli.stdout, /^(?=[^]*daemon pid (\d+))(?=[^]*parent pid (\d+))/);
  // The launcher has exited (strace reaped it) and the daemon lives on, orphaned.
  await eventually(() => processIdentity(Number(m[2])) === null, 10_000, 'the launcher to exit');
  const daemon = processIdentity(Number(m[1]));
  assert.ok(daemon, 'the daemon runs');
  cli.kill('SIGINT');
  const status = await new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
  assert.equal(status, 0);
  assert.match(stdout, /3 processes, 1 running/);
  await assertAllGone([daemon]);
});

// An adopter outside the trace reaps unseen, so a zombie it adopts is taken as reaped;
// /proc says whether it was. hold_orphans is a subreaper that never reaps (like a
// container's pid 1 that is not an init): the double fork's daemon stays its zombie.
test('a zombie held by an adopter outside the trace that never reaps is shown as a zombie, as /proc has it', () => {
  buildPrograms();
  const r = spawnSync(
    join(ROOT, 'test', 'programs', 'hold_orphans'),
    [process.execPath, CLI, 'trace', '--json', '-', '--', join(EXAMPLES, 'double_fork_daemon'), '0.2'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const held = [...r.stderr.matchAll(/holding zombie (\d+)/g)].map((m) => Number(m[1]));
  const snapshot = JSON.parse(r.stdout) as SnapshotJson;
  const daemon = snapshot.processes[2];
  assert.deepEqual(held, [daemon.pid], 'hold_orphans held the daemon as a zombie after the trace (ground truth)');
  assert.equal(daemon.state, 'zombie');
  assert.deepEqual(daemon.zombie, { from: daemon.exit?.time, to: null });
  assert.equal(daemon.reaped, null);
  assert.equal(daemon.adoptedBy[0].command, 'hold_orphans');
  assert.equal(snapshot.summary.zombiesAtEnd, 1);
  const orphan = snapshot.diagnostics.find((d) => d.kind === 'orphan-adopted');
  assert.match(
    orphan?.message ?? '',
    /so hold_orphans \(pid \d+, outside the trace\) adopted it .* and is still a zombie: its adopter, outside the trace, has not reaped it \(\/proc shows it\)\.$/,
  );
});

test('a zombie an adopter outside the trace reaps late shows how long it was held, as /proc saw it', () => {
  buildPrograms();
  // `(sleep 0.1 &)`: the subshell exits at once, so the sleep is orphaned to hold_orphans,
  // which reaps its zombie 0.8 s after it first sees it (timed from the zombie, so a slow
  // start under load cannot shorten it); the traced sh runs 1.5 s.
  const r = spawnSync(
    join(ROOT, 'test', 'programs', 'hold_orphans'),
    [process.execPath, CLI, 'trace', '--json', '-', '--', 'sh', '-c', '(sleep 0.1 &); sleep 1.5'],
    {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, HOLD_ORPHANS_REAP_AFTER: '0.8' },
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /holding zombie/, 'hold_orphans had reaped it by the end');
  const snapshot = JSON.parse(r.stdout) as SnapshotJson;
  const orphan = snapshot.processes.find((p) => p.command === 'sleep' && p.adoptedBy.length === 1);
  assert.ok(orphan, JSON.stringify(snapshot.processes.map((p) => [p.pid, p.command, p.adoptedBy])));
  assert.equal(orphan.adoptedBy[0].command, 'hold_orphans');
  assert.deepEqual([orphan.state, orphan.reaped?.how, orphan.reaped?.seen], ['exited', 'adopter', false]);
  const held = (orphan.zombie?.to ?? NaN) - (orphan.zombie?.from ?? NaN);
  // Taken as reaped at its exit before; now as long as /proc showed it (about 0.8 s).
  assert.ok(held >= 0.2 && held < 1.5, `held ${held.toFixed(3)} s`);
  assert.equal(snapshot.summary.zombiesAtEnd, 0);
});
