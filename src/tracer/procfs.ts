// Reading /proc: ground truth for who a process's parent is, whether it is a zombie,
// and which processes strace is tracing.
import { readdirSync, readFileSync } from 'node:fs';

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

/** Field 3 of /proc/PID/stat: `Z` for a zombie. The comm field may contain spaces and parens. */
export function procState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) || null;
  } catch {
    return null;
  }
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
