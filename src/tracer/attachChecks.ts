// Before `strace -p`: can this process be attached to, and if not, what fixes it? Every
// refusal is a TraceError ('attach-refused', exit 2 in the CLI) that changes nothing and
// names the fix. The facts (our uid and capabilities, Yama, the target's /proc) come in
// through AttachFacts, so a unit test can give every branch its inputs.
import { readFileSync } from 'node:fs';
import { TraceError } from './strace';
import { commandFrom, isKernelThread, parseStat, userName, type StatFields } from './procScan';

/** What /proc says of the process to attach to. */
export interface TargetFacts {
  pid: number;
  ppid: number;
  /** The state letter: `Z` for a zombie. */
  state: string;
  /** Real, effective, saved uid. */
  uids: [number, number, number];
  gids: [number, number, number];
  /** The pid of its tracer, 0 when it is not traced. */
  tracerPid: number;
  /** Its command line, `[comm]` when empty. */
  command: string;
  kernelThread: boolean;
}

export interface AttachFacts {
  /** forktrace itself: strace runs with its credentials. */
  self: { pid: number; uid: number; gid: number; capSysPtrace: boolean };
  /** /proc/sys/kernel/yama/ptrace_scope; null without Yama. */
  yamaScope: number | null;
  target(pid: number): TargetFacts | null;
  /** A process's command line, for naming a tracer or a parent; null when it is gone. */
  command(pid: number): string | null;
}

/** CAP_SYS_PTRACE: bit 19 of the capability sets. */
const CAP_SYS_PTRACE = 19n;

/** The process to attach to, checked: it exists, is a user-space process, and ptrace will allow it. */
export interface AttachTarget {
  pid: number;
  command: string;
}

/**
 * Checks that `pid` (as typed by the user) can be attached to; throws a TraceError
 * with the reason and the fix when it cannot. Nothing is changed either way.
 */
export function checkAttach(pidText: string | number, facts: AttachFacts = realAttachFacts()): AttachTarget {
  const text = String(pidText).trim();
  if (!/^\d+$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
    throw refuse(`"${text}" is not a process id: give the pid as a number (find it with pgrep NAME, ps -ef, or forktrace zombies).`);
  }
  const pid = Number(text);
  const t = facts.target(pid);
  if (!t) throw refuse(`There is no process with pid ${pid} (it may have exited). List the running processes with ps -ef.`);
  const name = `${t.command} (pid ${pid})`;
  if (t.kernelThread) {
    throw refuse(
      `${name} is a kernel thread: it runs inside the kernel, where ptrace cannot follow. Attach to a user-space process (one with a command line).`,
    );
  }
  if (pid === facts.self.pid) throw refuse(`pid ${pid} is this forktrace itself: it cannot trace itself. Attach to another process.`);
  if (t.state === 'Z' || t.state === 'X') {
    const parent = describe(t.ppid, facts.command(t.ppid));
    throw refuse(
      `${name} has exited: it is a zombie, held until its parent, ${parent}, reaps it. There is nothing left to trace in it; attach to ${parent}, which should reap it: forktrace attach ${t.ppid}`,
    );
  }
  if (t.tracerPid !== 0) {
    throw refuse(
      `${name} is already traced by ${describe(t.tracerPid, facts.command(t.tracerPid))}, and a process has one tracer at a time. Stop that tracer (kill ${t.tracerPid}) and attach again.`,
    );
  }
  const self = facts.self;
  const sudo = `sudo forktrace attach ${pid}`;
  if (facts.yamaScope === 3) {
    throw refuse(
      `kernel.yama.ptrace_scope is 3: ptrace is switched off on this machine, for every process, until it reboots (the setting cannot be lowered once it is 3). After a reboot with a lower kernel.yama.ptrace_scope, attach again.`,
    );
  }
  if (self.capSysPtrace) return { pid, command: t.command };
  if (facts.yamaScope === 2) {
    throw refuse(
      `kernel.yama.ptrace_scope is 2: only an administrator may attach to a process. Run forktrace as root (${sudo}) or with CAP_SYS_PTRACE, or allow it with sudo sysctl kernel.yama.ptrace_scope=0.`,
    );
  }
  // ptrace's own rule (PTRACE_MODE_REALCREDS): our real uid and gid must be the target's real, effective and saved ones.
  const sameUser = t.uids.every((u) => u === self.uid) && t.gids.every((g) => g === self.gid);
  if (!sameUser) {
    const owner = t.uids[1];
    throw refuse(
      `${name} belongs to user ${userName(owner)} (uid ${owner}${t.uids.some((u) => u !== owner) ? `, real ${t.uids[0]}, saved ${t.uids[2]}` : ''}) and forktrace runs as ${userName(self.uid)} (uid ${self.uid}): ptrace lets a user attach only to processes entirely their own. Run forktrace as root (${sudo}) or with CAP_SYS_PTRACE${owner !== 0 ? `, or as that user (sudo -u ${userName(owner)} forktrace attach ${pid})` : ''}.`,
    );
  }
  if (facts.yamaScope === 1) {
    throw refuse(
      `kernel.yama.ptrace_scope is 1: ptrace may attach only to a tracer's own descendants, and ${name} is not one of strace's. Allow attaching with sudo sysctl kernel.yama.ptrace_scope=0 (until reboot), or run forktrace with CAP_SYS_PTRACE (${sudo}).`,
    );
  }
  return { pid, command: t.command };
}

function refuse(message: string): TraceError {
  return new TraceError(message, 'attach-refused');
}

function describe(pid: number, command: string | null): string {
  return command ? `${command} (pid ${pid})` : `pid ${pid}`;
}

// ---- the real facts, from /proc

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** A `Key:` line of /proc/PID/status, its value trimmed; null when absent. */
export function statusField(status: string, key: string): string | null {
  const prefix = `${key}:`;
  for (const line of status.split('\n')) if (line.startsWith(prefix)) return line.slice(prefix.length).trim();
  return null;
}

function triple(value: string | null): [number, number, number] | null {
  const n = (value ?? '').split(/\s+/).map(Number);
  return n.length >= 3 && n.slice(0, 3).every(Number.isInteger) ? [n[0], n[1], n[2]] : null;
}

/** Whether a capability set (hex, as in /proc/PID/status's CapEff) holds CAP_SYS_PTRACE. */
export function hasSysPtrace(capHex: string | null): boolean {
  if (!capHex || !/^[0-9a-fA-F]+$/.test(capHex)) return false;
  return ((BigInt(`0x${capHex}`) >> CAP_SYS_PTRACE) & 1n) === 1n;
}

/** `proc`: where procfs is (a test gives a directory laid out like it). */
export function readTargetFacts(pid: number, proc = '/proc'): TargetFacts | null {
  const named = readCommand(pid, proc);
  const status = readText(`${proc}/${pid}/status`);
  if (!named || status === null) return null;
  const { stat, command } = named;
  const uids = triple(statusField(status, 'Uid'));
  const gids = triple(statusField(status, 'Gid'));
  if (!uids || !gids) return null;
  return {
    pid,
    ppid: stat.ppid,
    state: stat.state,
    uids,
    gids,
    tracerPid: Number(statusField(status, 'TracerPid') ?? 0),
    command,
    kernelThread: isKernelThread(stat),
  };
}

/** `pid`'s stat and the command it runs (its cmdline, or `[comm]`); null once it is gone. */
function readCommand(pid: number, proc: string): { stat: StatFields; command: string } | null {
  const statText = readText(`${proc}/${pid}/stat`);
  const stat = statText === null ? null : parseStat(statText);
  const cmdline = readText(`${proc}/${pid}/cmdline`);
  return stat && cmdline !== null ? { stat, command: commandFrom(cmdline, stat.comm) } : null;
}

/**
 * The facts as procfs gives them: our real uid, gid and capabilities from
 * /proc/self/status, Yama's ptrace_scope, the target's stat, status and cmdline.
 * `proc`: where procfs is (a test gives a directory laid out like it).
 */
export function realAttachFacts(proc = '/proc'): AttachFacts {
  const status = readText(`${proc}/self/status`) ?? '';
  const yama = readText(`${proc}/sys/kernel/yama/ptrace_scope`);
  const uid = triple(statusField(status, 'Uid'))?.[0] ?? process.getuid?.() ?? -1;
  const gid = triple(statusField(status, 'Gid'))?.[0] ?? process.getgid?.() ?? -1;
  return {
    self: { pid: process.pid, uid, gid, capSysPtrace: hasSysPtrace(statusField(status, 'CapEff')) },
    yamaScope: yama === null ? null : Number(yama.trim()),
    target: (pid) => readTargetFacts(pid, proc),
    command: (pid) => readCommand(pid, proc)?.command ?? null,
  };
}
