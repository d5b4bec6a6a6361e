// The attach pre-flight on this machine's real /proc: a kernel thread, a process
// already traced by a strace of the test's own, a zombie, another user's process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { checkAttach } from '../../src/tracer/attachChecks';
import { TraceError } from '../../src/tracer/strace';
import { buildPrograms, eventually, PROGRAMS, ROOT, waitForOutput } from '../support/system';

function refusal(pid: string | number): string {
  try {
    checkAttach(pid);
  } catch (e) {
    assert.ok(e instanceof TraceError && e.code === 'attach-refused', String(e));
    return e.message;
  }
  assert.fail(`pid ${pid} was not refused`);
}

const tracerPidOf = (pid: number): number => Number(/\nTracerPid:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

test('kthreadd (pid 2) and a kernel thread it started are refused as kernel threads', () => {
  assert.match(refusal(2), /\[kthreadd\] \(pid 2\) is a kernel thread/);
  const children = readFileSync('/proc/2/task/2/children', 'utf8').trim().split(' ').filter(Boolean);
  assert.ok(children.length > 0, 'kthreadd has children');
  assert.match(refusal(children[0]), /is a kernel thread/);
});

test('a pid nobody has, and text that is not a pid', () => {
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  assert.match(refusal(max), /There is no process with pid \d+/);
  assert.match(refusal('server'), /"server" is not a process id/);
});

test('a process strace already traces: the tracer is named, and nothing changes', async (t) => {
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  const tracer = spawn('strace', ['-p', String(sleeper.pid), '-o', '/dev/null'], { stdio: 'ignore' });
  t.after(() => {
    tracer.kill('SIGKILL');
    sleeper.kill('SIGKILL');
  });
  await eventually(() => tracerPidOf(sleeper.pid as number) === tracer.pid, 10_000, 'strace to attach');
  assert.match(
    refusal(sleeper.pid as number),
    new RegExp(`is already traced by strace -p ${sleeper.pid} -o /dev/null \\(pid ${tracer.pid}\\).*kill ${tracer.pid}`),
  );
  assert.equal(tracerPidOf(sleeper.pid as number), tracer.pid, 'the first tracer keeps it');
});

test('a zombie is refused, pointing at the parent that holds it', async (t) => {
  buildPrograms();
  const holder = spawn(join(PROGRAMS, 'make_zombies'), ['1', '30'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => holder.kill('SIGKILL'));
  const m = await waitForOutput(holder.stdout as Readable, /holding 1 zombies: (\d+)/);
  assert.match(refusal(m[1]), new RegExp(`has exited: it is a zombie.*forktrace attach ${holder.pid}`));
});

test("uid 65534 may not attach to root's process: the owner and the fix are named", async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run a process as another user');
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  const script = `const { checkAttach } = require(${JSON.stringify(join(ROOT, 'src/tracer/attachChecks.ts'))}); try { checkAttach(${sleeper.pid}); console.log('allowed'); } catch (e) { console.log(e.message); }`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '-e', script], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /sleep 30 \(pid \d+\) belongs to user root \(uid 0\) and forktrace runs as nobody \(uid 65534\).*sudo forktrace attach/);
  // strace as that user agrees: the kernel refuses the attach.
  const s = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'strace', '-p', String(sleeper.pid), '-o', '/dev/null'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.match(s.stderr, /Operation not permitted/);
});
