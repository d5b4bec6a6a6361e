// analyzeLog: one file, or a -ff directory of per-pid files merged in time order; and
// analyzeLogInSteps, the same read a few MiB at a time (Open strace Log in the extension host).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeLog, analyzeLogInSteps } from '../../src/tracer/logReader';
import { TraceError } from '../../src/tracer/strace';
import { byPid, diagnosticsOf, fixturePath, log, us, writeForkServerLog } from '../support/core';

const scratch = mkdtempSync(join(tmpdir(), 'forktrace-logreader-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A directory holding these files; returns its path. */
function dirWith(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

function fileWith(name: string, content: string | Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

let bigLog: { path: string; size: number } | null = null;
/** A fork server's log of 20,000 connections, over 8 MiB: written once, for the tests that read it in steps. */
function bigForkServerLog(): { path: string; size: number } {
  if (!bigLog) {
    const path = join(scratch, 'big-fork-server.log');
    bigLog = { path, size: writeForkServerLog(path, 20_000, 5) };
    assert.ok(bigLog.size > 16 * 1024 * 1024, `the log is ${bigLog.size} bytes: several steps`);
  }
  return bigLog;
}

function assertTraceError(run: () => unknown, message: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof TraceError, `expected a TraceError, got ${String(e)}`);
    assert.equal(e.code, 'bad-log');
    assert.match(e.message, message);
    return true;
  });
}

describe('-ff directories', () => {
  test("a blocking wait4 that carries its entry time sorts before the child's exit, and still reaps it", () => {
    const dir = dirWith('ff-blocking-wait', {
      'trace.200': log(
        '1700000000.000000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 201',
        '1700000000.200000 wait4(201, [{WIFEXITED(s) && WEXITSTATUS(s) == 9}], 0, NULL) = 201',
        '1700000001.000000 exit_group(0)         = ?',
        '1700000001.100000 +++ exited with 0 +++',
      ),
      'trace.201': log(
        '1700000000.150000 getppid()             = 200',
        '1700000000.500000 exit_group(9)         = ?',
        '1700000000.600000 +++ exited with 9 +++',
      ),
    });
    const s = analyzeLog(dir).snapshot();
    assert.deepEqual(s.warnings, []);
    const child = byPid(s, 201);
    assert.equal(child.parentPid, 200);
    assert.deepEqual(child.exit, { time: 0.6, code: 9, signal: null, core: false });
    assert.equal(child.state, 'reaped');
    assert.deepEqual(child.reaped, { time: 0.6, by: 200, how: 'wait', seen: true });
    assert.deepEqual(s.diagnostics, []);
    assert.equal(s.summary.zombiesAtEnd, 0);
  });

  test('the recorded variant.ff: 4495 reaped by 4494 although its wait4 (entry .152245) sorts before the exit (.152948)', () => {
    const s = analyzeLog(fixturePath('variant.ff')).snapshot();
    assert.deepEqual(
      s.processes.map((p) => [p.pid, p.parentPid]),
      [
        [4494, null],
        [4495, 4494],
        [4496, 4495],
      ],
    );
    assert.deepEqual(byPid(s, 4495).reaped, { time: us(1795356404.152948 - 1795356404.150049), by: 4494, how: 'wait', seen: true });
    assert.equal(byPid(s, 4495).state, 'reaped');
    assert.deepEqual(
      byPid(s, 4496).adoptedBy.map((a) => a.pid),
      [1],
    );
    assert.equal(byPid(s, 4496).reaped?.how, 'adopter');
  });

  test('a wait that reaped a child whose exit the files never show: the status is used, with a warning', () => {
    const dir = dirWith('ff-no-exit', {
      'trace.300': log(
        '1700000000.000000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 301',
        '1700000000.200000 wait4(301, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = 301',
        '1700000000.300000 +++ exited with 0 +++',
      ),
      'trace.301': log('1700000000.150000 getppid()             = 300'),
    });
    const s = analyzeLog(dir).snapshot();
    const child = byPid(s, 301);
    assert.deepEqual(child.exit, { time: 0.2, code: null, signal: 'SIGKILL', core: false });
    assert.equal(child.reaped?.by, 300);
    assert.deepEqual(child.adoptedBy, [], 'its parent reaped it before exiting: nobody adopts it');
    assert.deepEqual(
      s.warnings.map((w) => w.line),
      [3],
    );
    assert.match(s.warnings[0].reason, /wait4 reaped pid 301, but the trace never showed it exit/);
  });

  test('a malformed line in one per-pid file is a warning naming that file and line', () => {
    const dir = dirWith('ff-warning', {
      'trace.400': log(
        '1700000000.000000 execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0',
        '1700000000.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 401',
      ),
      'trace.401': log(
        '1700000000.150000 getppid()             = 400',
        '1700000000.160000 garbage here',
        '1700000000.165000 exit_group(0)         = ?',
        '1700000000.170000 +++ exited with 0 +++',
      ),
    });
    const s = analyzeLog(dir).snapshot();
    assert.deepEqual(
      s.warnings.map((w) => [w.file, w.line]),
      [['trace.401', 2]],
    );
    assert.equal(byPid(s, 401).exit?.code, 0);
  });

  test('a directory without per-pid files is a TraceError that says how to record them', () => {
    const dir = dirWith('ff-none', { 'notes.txt': 'hello\n', 'trace.log': 'x\n' });
    assertTraceError(() => analyzeLog(dir), /holds no per-pid strace files.*strace -ff -ttt -o/);
  });

  test('an empty directory is a TraceError', () => {
    assertTraceError(() => analyzeLog(dirWith('ff-empty', {})), /no per-pid strace files/);
  });

  test('-ff files without timestamps cannot be merged: a TraceError that asks for -ttt', () => {
    const dir = dirWith('ff-untimed', {
      'trace.500': log('execve("/usr/bin/srv", ["srv"], 0x7ffd0000 /* 3 vars */) = 0', 'clone(child_stack=NULL, flags=SIGCHLD, child_tidptr=0x7f00) = 501'),
      'trace.501': log('exit_group(0)                           = ?', '+++ exited with 0 +++'),
    });
    assertTraceError(() => analyzeLog(dir), /need timestamps.*-ttt/);
  });
});

describe('single files', () => {
  test('a missing file is a TraceError that says it does not exist', () => {
    assertTraceError(() => analyzeLog(join(scratch, 'no-such.log')), /no-such\.log does not exist/);
  });

  test('an empty file is a TraceError: not a strace log, empty', () => {
    assertTraceError(() => analyzeLog(fileWith('empty.log', '')), /is not a strace log: the log is empty/);
  });

  test('a binary file is a TraceError: not a strace log, binary', () => {
    assertTraceError(() => analyzeLog(fileWith('a.out', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0]))), /is not a strace log: .*binary/);
  });

  test('a text file that is not strace is a TraceError: no strace output', () => {
    assertTraceError(() => analyzeLog(fileWith('README.md', '# Hello\n\nNothing to see here.\n')), /is not a strace log: no strace output/);
  });

  test('a recorded log file analyzes like the same text', () => {
    const s = analyzeLog(fixturePath('reap_loop_server.ttt.log')).snapshot();
    assert.equal(s.processes.length, 5);
    assert.equal(s.ended, true);
    assert.deepEqual(s.diagnostics, []);
  });

  test('lingerThreshold is passed through to the model', () => {
    const path = fixturePath('waitid_nowait.ttt.log');
    assert.deepEqual(diagnosticsOf(analyzeLog(path).snapshot(), 'zombie-lingering'), []);
    const s = analyzeLog(path, { lingerThreshold: 0.05 }).snapshot();
    assert.deepEqual(
      diagnosticsOf(s, 'zombie-lingering').map((d) => d.pids),
      [[4247, 4248]],
    );
  });
});

/** How many of this process's open files are `path` (other fds come and go with the test runner). */
function openOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed while listed
    }
  }
  return n;
}

describe('read in steps (Open strace Log)', () => {
  test('every recorded fixture file gives the same picture as analyzeLog', async () => {
    const files = readdirSync(fixturePath('.')).filter((f) => f.endsWith('.log'));
    assert.ok(files.length >= 20, `fixtures: ${files.join(', ')}`);
    for (const f of files) {
      const path = fixturePath(f);
      const stepped = await analyzeLogInSteps(path);
      assert.ok(stepped, f);
      assert.deepEqual(stepped.snapshot(), analyzeLog(path).snapshot(), f);
    }
    // A -ff directory is merged at once, as analyzeLog does.
    const ff = await analyzeLogInSteps(fixturePath('variant.ff'));
    assert.deepEqual(ff?.snapshot(), analyzeLog(fixturePath('variant.ff')).snapshot());
  });

  test('a log of many steps: progress grows to the whole file, the event loop runs between steps, the picture is whole', async () => {
    const { path, size } = bigForkServerLog();
    const seen: Array<[number, number]> = [];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    let session;
    try {
      session = await analyzeLogInSteps(path, { progress: (read, total) => seen.push([read, total]) });
    } finally {
      clearInterval(timer);
    }
    assert.ok(session);
    assert.ok(seen.length >= 4, `${seen.length} progress reports`);
    for (let k = 1; k < seen.length; k++)
      assert.ok(seen[k][0] > seen[k - 1][0] || seen[k][0] === size, `progress grows: ${JSON.stringify(seen.slice(k - 1, k + 1))}`);
    assert.deepEqual(seen.at(-1), [size, size], 'the last report: all of it');
    assert.ok(ticks >= 2, `a timer ran ${ticks} time(s) while the log was read: the thread was not held`);
    const s = session.snapshot();
    assert.equal(s.summary.processes, 20_001, 'the server and its 20,000 children');
    assert.equal(s.summary.zombiesAtEnd, 0);
    assert.equal(s.processes.filter((p) => p.state === 'reaped').length, 20_000);
  });

  test('analyzeLog with progress (forktrace analyze on a terminal): told every 8 MiB up to the whole file, the same picture as read at once', () => {
    const { path, size } = bigForkServerLog();
    const seen: Array<[number, number]> = [];
    const told = analyzeLog(path, { progress: (read, total) => seen.push([read, total]) }).snapshot();
    assert.deepEqual(
      seen,
      Array.from({ length: Math.ceil(size / (8 * 1024 * 1024)) }, (_, k) => [Math.min(size, (k + 1) * 8 * 1024 * 1024), size]),
      'one report per 8 MiB read, the last one all of it',
    );
    assert.deepEqual(told, analyzeLog(path).snapshot());
  });

  test('a -ff directory is merged some thousands of events a step: progress in bytes of all its files, the same picture, and a cancel', async () => {
    // A parent that forks 3 children, then polls 45,000 times with no child left: more events than two steps merge.
    const stamp = (t: number): string => `1700000000.${String(t).padStart(6, '0')}`;
    const parent = ['execve("./server", ["./server"], 0x7ffd /* 1 var */) = 0'];
    const files: Record<string, string> = {};
    for (const child of [201, 202, 203]) {
      parent.push(`clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = ${child}`);
      files[`trace.${child}`] = log(`${stamp(child)} exit_group(0) = ?`, `${stamp(child + 1)} +++ exited with 0 +++`);
    }
    for (let t = 0; t < 45_000; t++) parent.push('wait4(-1, 0x7ffce017fce8, WNOHANG, NULL) = -1 ECHILD (No child processes)');
    files['trace.100'] = log(...parent.map((line, t) => `${stamp(t === 0 ? 0 : t + 400)} ${line}`));
    const dir = dirWith('ff-many-steps', files);
    const total = Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0);

    const seen: number[] = [];
    const session = await analyzeLogInSteps(dir, { progress: (read, all) => (assert.equal(all, total), seen.push(read)) });
    assert.ok(session);
    assert.ok(seen.length >= 3, `${seen.length} steps`);
    assert.equal(seen.at(-1), total, 'every byte of every file read');
    assert.deepEqual(session.snapshot(), analyzeLog(dir).snapshot());
    assert.equal(session.snapshot().summary.processes, 4);

    let steps = 0;
    assert.equal(await analyzeLogInSteps(dir, { progress: () => steps++, cancelled: () => steps > 0 }), null);
    assert.equal(steps, 1, 'no step after the cancel');
  });

  test('cancelled after the first step: null, and the file is closed', async () => {
    const path = join(scratch, 'cancelled-fork-server.log');
    writeForkServerLog(path, 2_000, 500);
    let reports = 0;
    let openWhileRead = 0;
    const session = await analyzeLogInSteps(path, {
      progress: () => {
        reports++;
        openWhileRead = openOn(path);
      },
      cancelled: () => reports > 0,
    });
    assert.equal(session, null);
    assert.equal(reports, 1, 'no step after the cancel');
    assert.equal(openWhileRead, 1, 'the log was open while it was read');
    assert.equal(openOn(path), 0, 'and is closed after the cancel');
  });

  test('a bad log is the same TraceError as from analyzeLog, and leaves no file open', async () => {
    await assert.rejects(analyzeLogInSteps(join(scratch, 'no-such.log')), /no-such\.log does not exist/);
    const notStrace = fileWith('not-strace.md', '# Hello\n');
    await assert.rejects(analyzeLogInSteps(notStrace), (e: unknown) => e instanceof TraceError && /no strace output/.test(e.message));
    assert.equal(openOn(notStrace), 0, 'the file is closed');
  });

  test('a named pipe is refused at once (opening it would wait for a writer): a TraceError that says what to do', async () => {
    const fifo = join(scratch, 'strace.fifo');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(
      analyzeLogInSteps(fifo),
      (e: unknown) => e instanceof TraceError && /strace\.fifo is not a regular file \(a pipe or a device\): save the log to a file first/.test(e.message),
    );
  });
});
