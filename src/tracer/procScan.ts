// A machine-wide /proc scan: every process with its parent, state, user, command line,
// start time and threads, for the zombie finder and the attach picker. Processes come
// and go while it runs: one that vanishes half-read is skipped, the scan never throws.
import { readdirSync, readFileSync } from 'node:fs';
import type { ScannedZombieJson, ZombieHolderJson } from '../shared/schema';

export type ZombieHolder = ZombieHolderJson;
export type ScannedZombie = ScannedZombieJson;

export interface ProcEntry {
  pid: number;
  ppid: number;
  /** The state letter of /proc/PID/stat: `R`, `S`, `D`, `Z`, `T`, `t`, `X`, `I`… */
  state: string;
  /** Effective uid (what `ps` shows as the user). */
  uid: number;
  /** The uid's name from /etc/passwd, else the uid as a number. */
  user: string;
  /** The command line joined by spaces, or `[comm]` when it is empty (kernel threads, zombies). */
  command: string;
  /** Seconds since boot (field 22 of /proc/PID/stat over the clock tick). */
  startTime: number;
  /** Threads of the process, the main thread included (field 20 of /proc/PID/stat, the count of /proc/PID/task). */
  threads: number;
  kernelThread: boolean;
}

/** The fields of /proc/PID/stat the scan reads. */
export interface StatFields {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  flags: number;
  threads: number;
  /** Clock ticks since boot. */
  startTicks: number;
  /** Field 52, the exit status as waitpid() would report it (a zombie's); null on kernels before 3.5. */
  exitStatus: number | null;
}

/**
 * USER_HZ, the unit of /proc's clock-tick fields: 100 on every Linux architecture Node
 * runs on (the kernel fixes it for user space whatever its internal HZ).
 */
export const CLOCK_TICKS_PER_SECOND = 100;
/** PF_KTHREAD in the flags of /proc/PID/stat. */
const PF_KTHREAD = 0x00200000;
/** kthreadd: the parent of every kernel thread. */
const KTHREADD_PID = 2;

/**
 * Reads /proc/PID/stat text. The comm (field 2) is in parentheses and may itself hold
 * spaces and `)`: it ends at the last `)`. Null when the text is not a stat line.
 */
export function parseStat(text: string): StatFields | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 2)
    .trimEnd()
    .split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (!Number.isInteger(pid) || rest.length < 20) return null;
  const num = (field: number): number => Number(rest[field - 3]);
  const fields: StatFields = {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: num(4),
    flags: num(9),
    threads: num(20),
    startTicks: num(22),
    exitStatus: rest.length >= 50 && Number.isInteger(num(52)) ? num(52) : null,
  };
  if (fields.state.length !== 1 || ![fields.ppid, fields.flags, fields.threads, fields.startTicks].every(Number.isFinite)) return null;
  return fields;
}

/** A kernel thread: PF_KTHREAD set, or kthreadd itself or one of its children. */
export function isKernelThread(stat: Pick<StatFields, 'pid' | 'ppid' | 'flags'>): boolean {
  return (stat.flags & PF_KTHREAD) !== 0 || stat.pid === KTHREADD_PID || stat.ppid === KTHREADD_PID;
}

/** /proc/PID/cmdline joined by spaces; `[comm]` when it is empty (a kernel thread, a zombie). */
export function commandFrom(cmdline: string, comm: string): string {
  const args = cmdline.split('\0');
  while (args.length > 0 && args[args.length - 1] === '') args.pop();
  return args.length === 0 ? `[${comm}]` : args.join(' ');
}

let users: Map<number, string> | null = null;

/** A uid's name from /etc/passwd (read once), else the uid as a number. */
export function userName(uid: number): string {
  if (users === null) {
    users = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id !== undefined && !users.has(Number(id))) users.set(Number(id), name);
      }
    } catch {
      /* no /etc/passwd: numbers then */
    }
  }
  return users.get(uid) ?? String(uid);
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The effective uid from /proc/PID/status text (its `Uid:` line: real, effective, saved, fs). */
export function effectiveUid(status: string): number | null {
  const at = status.indexOf('\nUid:');
  if (at < 0) return null;
  const uid = Number(
    status
      .slice(at + 5)
      .trimStart()
      .split(/\s+/)[1],
  );
  return Number.isInteger(uid) ? uid : null;
}

/** One process from /proc, or null when it is gone (or vanished while being read). */
export function readProcEntry(pid: number): ProcEntry | null {
  const statText = readText(`/proc/${pid}/stat`);
  const stat = statText === null ? null : parseStat(statText);
  if (!stat) return null;
  const status = readText(`/proc/${pid}/status`);
  const uid = status === null ? null : effectiveUid(status);
  const cmdline = readText(`/proc/${pid}/cmdline`);
  if (uid === null || cmdline === null) return null;
  return {
    pid,
    ppid: stat.ppid,
    state: stat.state,
    uid,
    user: userName(uid),
    command: commandFrom(cmdline, stat.comm),
    startTime: stat.startTicks / CLOCK_TICKS_PER_SECOND,
    threads: stat.threads,
    kernelThread: isKernelThread(stat),
  };
}

/** Every process on the machine (in this pid namespace), by pid. Those that vanish during the scan are left out. */
export function scanProcesses(): ProcEntry[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcEntry[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const entry = readProcEntry(Number(name));
    if (entry) out.push(entry);
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/** Seconds since boot now (/proc/uptime), to read start times against; null without /proc. */
export function uptime(): number | null {
  const text = readText('/proc/uptime');
  const value = text === null ? NaN : Number(text.split(' ')[0]);
  return Number.isFinite(value) ? value : null;
}

/** The epoch time of a start time in seconds since boot (to 10 ms, /proc/uptime's resolution). */
export function startTimeToEpoch(startTime: number, now = Date.now() / 1000, up = uptime()): number | null {
  return up === null ? null : now - up + startTime;
}

export interface ChildCounts {
  /** Living children (state other than Z/X). */
  children: number;
  /** Zombies it holds. */
  zombies: number;
}

/** For each parent pid: how many living children and zombies it has, from one scan. */
export function childCounts(entries: readonly ProcEntry[]): Map<number, ChildCounts> {
  const out = new Map<number, ChildCounts>();
  for (const e of entries) {
    let counts = out.get(e.ppid);
    if (!counts) out.set(e.ppid, (counts = { children: 0, zombies: 0 }));
    if (e.state === 'Z') counts.zombies++;
    else if (e.state !== 'X') counts.children++;
  }
  return out;
}

/** Every process holding zombies, with them, biggest holders first (then by pid); each holder's zombies oldest first. */
export function zombieHolders(entries: readonly ProcEntry[]): ZombieHolder[] {
  const byPid = new Map(entries.map((e) => [e.pid, e]));
  const holders = new Map<number, ZombieHolder>();
  for (const e of entries) {
    if (e.state !== 'Z') continue;
    let holder = holders.get(e.ppid);
    if (!holder) {
      const parent = byPid.get(e.ppid);
      holder = { pid: e.ppid, command: parent?.command ?? '?', user: parent?.user ?? '?', count: 0, zombies: [] };
      holders.set(e.ppid, holder);
    }
    holder.count++;
    holder.zombies.push({ pid: e.pid, command: e.command, startTime: e.startTime } satisfies ScannedZombie);
  }
  for (const h of holders.values()) h.zombies.sort((a, b) => a.startTime - b.startTime || a.pid - b.pid);
  return [...holders.values()].sort((a, b) => b.count - a.count || a.pid - b.pid);
}

/** The descendants of `pid` (children, grandchildren, …; zombies included) in one scan, nearest first. */
export function descendantsOf(pid: number, entries: readonly ProcEntry[]): ProcEntry[] {
  const kids = new Map<number, ProcEntry[]>();
  for (const e of entries) {
    let list = kids.get(e.ppid);
    if (!list) kids.set(e.ppid, (list = []));
    list.push(e);
  }
  const out: ProcEntry[] = [];
  const queue = [pid];
  const seen = new Set(queue);
  while (queue.length > 0) {
    for (const child of kids.get(queue.shift() as number) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      out.push(child);
      if (child.state !== 'Z' && child.state !== 'X') queue.push(child.pid);
    }
  }
  return out;
}
