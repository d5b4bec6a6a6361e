// Reading /proc: ground truth for who a process's parent is, whether it is a zombie,
// and which processes strace is tracing.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcStatus {
  name: string;
  /** `R`, `S`, `Z`, … */
  state: string;
  ppid: number;
  tracerPid: number;
}

export function readProcStatus(pid: number): ProcStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (key: string): string => {
    const at = text.indexOf(`\n${key}:`);
    const start = at < 0 ? (text.startsWith(`${key}:`) ? key.length + 1 : -1) : at + key.length + 2;
    if (start < 0) return '';
    const end = text.indexOf('\n', start);
    return text.slice(start, end < 0 ? undefined : end).trim();
  };
  return {
    name: field('Name'),
    state: field('State').charAt(0),
    ppid: Number(field('PPid')),
    tracerPid: Number(field('TracerPid')),
  };
}

export function readComm(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trimEnd();
  } catch {
    return null;
  }
}

/** Where /proc/PID/exe or /proc/PID/cwd points (the exe with ` (deleted)` when it was removed); null when unreadable or gone. */
export function readProcLink(pid: number, link: 'exe' | 'cwd'): string | null {
  try {
    return readlinkSync(`/proc/${pid}/${link}`);
  } catch {
    return null;
  }
}

/** Field 3 of /proc/PID/stat: `Z` for a zombie. The comm field may contain spaces and parens. */
export function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) || null;
  } catch {
    return null;
  }
}

/**
 * The children of a process, zombies included, in one read per thread
 * (/proc/PID/task/TID/children); null where the kernel does not offer that file.
 */
export function childrenOf(pid: number): Set<number> | null {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const out = new Set<number>();
  for (const tid of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      return null;
    }
    for (const word of text.split(' ')) if (word !== '' && word !== '\n') out.add(Number(word));
  }
  return out;
}

export function allPids(): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

/** Pids of the processes `tracerPid` traces right now. */
export function traceesOf(tracerPid: number): number[] {
  return allPids().filter((pid) => readProcStatus(pid)?.tracerPid === tracerPid);
}

/**
 * SIGKILLs every process strace `tracerPid` traces. Only a process whose TracerPid is
 * strace is killed, so a pid reused by an unrelated process is never touched.
 */
export function killTraceesOf(tracerPid: number, hints: number[] = []): number {
  let killed = 0;
  const seen = new Set<number>();
  for (const pid of [...hints, ...allPids()]) {
    if (seen.has(pid)) continue;
    seen.add(pid);
    const status = readProcStatus(pid);
    if (!status || status.tracerPid !== tracerPid || status.state === 'Z') continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed++;
    } catch {
      /* gone already */
    }
  }
  return killed;
}

/**
 * Field 22 of /proc/PID/stat, the start time in clock ticks since boot: with the pid, an
 * identity pid reuse cannot fake (short of cycling through every pid within one tick).
 */
export function procStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const value = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * SIGKILLs the processes with these identities (pid → start time) that still exist,
 * and all their descendants, for when strace is gone and TracerPid can no longer tell
 * which processes were the trace's. A pid now held by another process (another start
 * time) is never touched. Every member is SIGSTOPped before its children are collected,
 * so none can fork a child that escapes the collection by being reparented. Returns the
 * pids killed.
 */
export async function killProcessTrees(identities: Map<number, number>, settleMs = 2000): Promise<number[]> {
  const members = new Map<number, number>();
  const same = (pid: number, start: number): boolean => procStartTime(pid) === start;
  const stop = (pid: number): void => {
    try {
      process.kill(pid, 'SIGSTOP');
    } catch {
      /* gone */
    }
  };
  for (const [pid, start] of identities) {
    if (pid > 0 && same(pid, start)) {
      members.set(pid, start);
      stop(pid);
    }
  }
  if (members.size === 0) return [];
  // Children of members, until a scan finds none new and every member has stopped
  // (a fork under way when SIGSTOP arrived shows its child before the parent stops).
  const deadline = Date.now() + settleMs;
  for (;;) {
    let found = false;
    for (const pid of allPids()) {
      if (members.has(pid)) continue;
      const status = readProcStatus(pid);
      if (!status || status.state === 'Z') continue; // dead already: goes when its parent does
      const parentStart = members.get(status.ppid);
      if (parentStart === undefined || !same(status.ppid, parentStart)) continue;
      const start = procStartTime(pid);
      if (start === null || start < parentStart) continue;
      members.set(pid, start);
      stop(pid);
      found = true;
    }
    const settled = [...members.keys()].every((pid) => {
      const state = procState(pid);
      return state === null || state === 'T' || state === 't' || state === 'Z' || state === 'X';
    });
    if ((!found && settled) || Date.now() > deadline) break;
    if (!found) await new Promise((r) => setTimeout(r, 5));
  }
  const killed: number[] = [];
  for (const [pid, start] of members) {
    if (!same(pid, start) || procState(pid) === 'Z') continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      /* gone */
    }
  }
  return killed;
}
