// Every refusal of an attach, with the inputs that lead to it: not a number, no such
// process, a kernel thread, itself, a zombie, already traced, another user, Yama 1/2/3;
// and Yama read from a directory laid out like /proc, through the real reading code.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAttach, hasSysPtrace, realAttachFacts, statusField, type AttachFacts, type TargetFacts } from '../../src/tracer/attachChecks';
import { TraceError } from '../../src/tracer/strace';
import { AttachedProcess } from '../../src/tracer/attach';
import type { ExistingProcess } from '../../src/core/before';

const server: TargetFacts = {
  pid: 500,
  ppid: 1,
  state: 'S',
  uids: [1000, 1000, 1000],
  gids: [1000, 1000, 1000],
  tracerPid: 0,
  command: './server 8080',
  kernelThread: false,
};

function facts(over: { target?: Partial<TargetFacts> | null; self?: Partial<AttachFacts['self']>; yama?: number | null } = {}): AttachFacts {
  const target = over.target === null ? null : { ...server, ...over.target };
  return {
    self: { pid: 42, uid: 1000, gid: 1000, capSysPtrace: false, ...over.self },
    yamaScope: over.yama === undefined ? 0 : over.yama,
    target: (pid) => (target && pid === target.pid ? target : null),
    command: (pid) => ({ 1: '/sbin/init', 777: 'strace -p 500', 600: './parent' })[pid] ?? null,
  };
}

function refusal(pid: string | number, f: AttachFacts): string {
  try {
    checkAttach(pid, f);
  } catch (e) {
    assert.ok(e instanceof TraceError, String(e));
    assert.equal(e.code, 'attach-refused');
    return e.message;
  }
  assert.fail(`pid ${pid} was not refused`);
}

test('a process of our own user, not traced, no Yama: allowed, with its command line', () => {
  assert.deepEqual(checkAttach('500', facts()), { pid: 500, command: './server 8080' });
  assert.deepEqual(checkAttach(500, facts({ yama: null })), { pid: 500, command: './server 8080' });
});

test('not a number, zero, negative, a word: named as not a process id', () => {
  for (const bad of ['abc', '', '12x', '-5', '0', '1e3', '99999999999999999999'])
    assert.match(refusal(bad, facts()), /is not a process id: give the pid as a number/);
});

test('no such process', () => {
  assert.match(refusal('501', facts()), /There is no process with pid 501 \(it may have exited\)/);
});

test('a kernel thread is refused before anything else is asked of it', () => {
  assert.match(
    refusal('500', facts({ target: { command: '[kworker/0:1]', kernelThread: true, uids: [0, 0, 0] } })),
    /\[kworker\/0:1\] \(pid 500\) is a kernel thread/,
  );
});

test('forktrace itself', () => {
  assert.match(refusal('42', facts({ target: { pid: 42 } })), /pid 42 is this forktrace itself/);
});

test('a zombie: it has exited; attach to the parent that holds it', () => {
  const m = refusal('500', facts({ target: { state: 'Z', ppid: 600, command: '[server]' } }));
  assert.match(m, /\[server\] \(pid 500\) has exited: it is a zombie, held until its parent, \.\/parent \(pid 600\), reaps it/);
  assert.match(m, /forktrace attach 600/);
});

test('already traced: the tracer is named by pid and command line', () => {
  assert.match(
    refusal('500', facts({ target: { tracerPid: 777 } })),
    /\.\/server 8080 \(pid 500\) is already traced by strace -p 500 \(pid 777\), and a process has one tracer at a time\. Stop that tracer \(kill 777\)/,
  );
});

test("another user's process: refused without CAP_SYS_PTRACE, allowed with it", () => {
  const f = facts({ target: { uids: [0, 0, 0], gids: [0, 0, 0] } });
  assert.match(
    refusal('500', f),
    /belongs to user root \(uid 0\) and forktrace runs as .* \(uid 1000\).*Run forktrace as root \(sudo forktrace attach 500\) or with CAP_SYS_PTRACE\.$/,
  );
  assert.deepEqual(checkAttach('500', facts({ target: { uids: [0, 0, 0] }, self: { capSysPtrace: true } })).pid, 500);
  // A setuid program keeps our real uid but not the effective one: not entirely ours.
  assert.match(refusal('500', facts({ target: { uids: [1000, 0, 0] } })), /uid 0, real 1000, saved 0/);
  // A process of another, unprivileged user: that user can attach too.
  assert.match(refusal('500', facts({ target: { uids: [65534, 65534, 65534] } })), /or as that user \(sudo -u nobody forktrace attach 500\)/);
  // Same uids, another group: still not ours.
  assert.match(refusal('500', facts({ target: { gids: [1000, 27, 1000] } })), /ptrace lets a user attach only to processes entirely their own/);
});

test('Yama 1: only descendants, so a running process needs ptrace_scope=0 or CAP_SYS_PTRACE', () => {
  const m = refusal('500', facts({ yama: 1 }));
  assert.match(m, /kernel\.yama\.ptrace_scope is 1: ptrace may attach only to a tracer's own descendants/);
  assert.match(m, /sudo sysctl kernel\.yama\.ptrace_scope=0/);
  assert.match(m, /CAP_SYS_PTRACE/);
  assert.equal(checkAttach('500', facts({ yama: 1, self: { capSysPtrace: true } })).pid, 500);
});

test('Yama 2: administrators only (root or CAP_SYS_PTRACE), even for our own process', () => {
  assert.match(
    refusal('500', facts({ yama: 2 })),
    /kernel\.yama\.ptrace_scope is 2: only an administrator may attach.*sudo forktrace attach 500.*CAP_SYS_PTRACE/,
  );
  assert.equal(checkAttach('500', facts({ yama: 2, self: { uid: 0, capSysPtrace: true } })).pid, 500);
});

test('Yama 3: no attach at all until reboot, not even for root', () => {
  const m = refusal('500', facts({ yama: 3, self: { uid: 0, capSysPtrace: true } }));
  assert.match(m, /kernel\.yama\.ptrace_scope is 3: ptrace is switched off on this machine.*until it reboots/);
});

test('the status fields and the capability bit are read as the kernel writes them', () => {
  const status = 'Name:\tsrv\nState:\tS (sleeping)\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nCapEff:\t000001fffeffffff\n';
  assert.equal(statusField(status, 'Name'), 'srv');
  assert.equal(statusField(status, 'TracerPid'), '0');
  assert.equal(statusField(status, 'Gid'), null);
  assert.equal(hasSysPtrace('000001fffeffffff'), true);
  assert.equal(hasSysPtrace('0000000000080000'), true);
  assert.equal(hasSysPtrace('00000000a80425fb'), false, "docker's default set lacks CAP_SYS_PTRACE");
  assert.equal(hasSysPtrace(null), false);
});

/**
 * A directory laid out like /proc, from a real process's files (`sleep`, ours): the
 * kernel's own text, with Yama's ptrace_scope and our capabilities set as a test needs.
 */
function procRoot(t: TestContext, yama: number | null, capEff: string): { proc: string; pid: number } {
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  const pid = sleeper.pid as number;
  const proc = mkdtempSync(join(tmpdir(), 'forktrace-proc-'));
  t.after(() => rmSync(proc, { recursive: true, force: true }));
  mkdirSync(join(proc, String(pid)));
  for (const f of ['stat', 'status', 'cmdline']) writeFileSync(join(proc, String(pid), f), readFileSync(`/proc/${pid}/${f}`));
  mkdirSync(join(proc, 'self'));
  writeFileSync(join(proc, 'self', 'status'), readFileSync('/proc/self/status', 'utf8').replace(/^CapEff:.*$/m, `CapEff:\t${capEff}`));
  if (yama !== null) {
    mkdirSync(join(proc, 'sys', 'kernel', 'yama'), { recursive: true });
    writeFileSync(join(proc, 'sys', 'kernel', 'yama', 'ptrace_scope'), `${yama}\n`);
  }
  return { proc, pid };
}

const NO_CAPS = '0000000000000000';
const SYS_PTRACE = '0000000000080000';

test('Yama as procfs gives it (this machine has none): the real reading of ptrace_scope, CapEff and the target refuses 1, 2 and 3, and allows what each allows', (t) => {
  let { proc, pid } = procRoot(t, null, NO_CAPS);
  assert.deepEqual(checkAttach(pid, realAttachFacts(proc)), { pid, command: 'sleep 30' }, 'no Yama: our own process');
  assert.equal(realAttachFacts(proc).command(pid), 'sleep 30', 'a command read from the same stat and cmdline');
  assert.equal(realAttachFacts(proc).command(pid + 1), null, 'no such process: no command');
  assert.equal(realAttachFacts(proc).target(pid + 1), null, 'no such process: no facts');
  ({ proc, pid } = procRoot(t, 1, NO_CAPS));
  assert.match(refusal(pid, realAttachFacts(proc)), /kernel\.yama\.ptrace_scope is 1: .*sudo sysctl kernel\.yama\.ptrace_scope=0/);
  ({ proc, pid } = procRoot(t, 1, SYS_PTRACE));
  assert.equal(checkAttach(pid, realAttachFacts(proc)).pid, pid, 'CAP_SYS_PTRACE passes Yama 1');
  ({ proc, pid } = procRoot(t, 2, NO_CAPS));
  assert.match(refusal(pid, realAttachFacts(proc)), /kernel\.yama\.ptrace_scope is 2: only an administrator may attach/);
  ({ proc, pid } = procRoot(t, 2, SYS_PTRACE));
  assert.equal(checkAttach(pid, realAttachFacts(proc)).pid, pid, 'CAP_SYS_PTRACE passes Yama 2');
  ({ proc, pid } = procRoot(t, 3, '000001ffffffffff'));
  assert.match(refusal(pid, realAttachFacts(proc)), /kernel\.yama\.ptrace_scope is 3: ptrace is switched off/);
  // The same reading, pointed at the real /proc: no Yama here, so our own sleep is allowed.
  assert.equal(existsSync('/proc/sys/kernel/yama'), false, 'this machine has no Yama (else the real-/proc case below needs its scope)');
  assert.equal(checkAttach(pid, realAttachFacts()).pid, pid);
});

// What strace says on its stderr as it attaches, read once, line by line: which pids it
// attached to, which it could not (a descendant gone meanwhile is no failure), and when
// every pid it was given has an answer (the seed waits for that).
test("strace's attach lines: answered once every pid has one, across chunks; only the target's refusal (or one naming no pid) is the attach's", () => {
  const fake = (): ChildProcess => Object.assign(new EventEmitter(), { stderr: new EventEmitter() }) as unknown as ChildProcess;
  const seen = (pid: number, ppid: number): ExistingProcess => ({
    pid,
    ppid,
    tids: [pid],
    command: 'srv',
    argv: ['srv'],
    exe: '/srv',
    start: 0,
    zombie: null,
    sigchld: 'default',
  });
  const say = (strace: ChildProcess, text: string) => strace.stderr?.emit('data', Buffer.from(text));

  const attach = new AttachedProcess(10, 'srv', '/srv', 0, [seen(10, 1), seen(11, 10)]);
  const strace = fake();
  let answered = 0;
  attach.watch(strace, () => answered++);
  say(strace, 'strace: Process 10 attached\nstrace: attach: ptrace(PTRACE_SEIZE, 1');
  assert.equal(answered, 0, 'half a line is not an answer');
  say(strace, '1): No such process\n');
  assert.equal(answered, 1);
  say(strace, 'strace: Process 12 attached\n');
  assert.equal(answered, 1, 'once');
  assert.equal(attach.refused, null, 'a descendant that ended before strace reached it');

  const denied = new AttachedProcess(10, 'srv', '/srv', 0, [seen(10, 1)]);
  const other = fake();
  denied.watch(other);
  say(other, 'strace: attach: ptrace(PTRACE_SEIZE, 10): Operation not permitted\n');
  assert.equal(denied.refused, 'attach: ptrace(PTRACE_SEIZE, 10): Operation not permitted');

  const vague = new AttachedProcess(10, 'srv', '/srv', 0, [seen(10, 1)]);
  const third = fake();
  vague.watch(third);
  say(third, 'strace: Process 10 attached\nstrace: attach: something went wrong\n');
  assert.equal(vague.refused, 'attach: something went wrong');
});
