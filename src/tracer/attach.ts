// Attaching to a running process: what /proc says was there already (the process, its
// threads, living descendants and the zombies they hold), and strace's command line for
// `-p`. Detaching is SIGINT to strace: it lets every tracee go, untraced and running.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { basename } from 'node:path';
import type { ExistingProcess } from '../core/before';
import type { ExitStatus, ProcessModel } from '../core/model';
import { checkAttach, statusField } from './attachChecks';
import { descendantsOf, parseStat, scanProcesses, startTimeToEpoch, CLOCK_TICKS_PER_SECOND, type ProcEntry } from './procScan';
import { traceArgs, TraceError } from './strace';

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** A wait status (field 52 of a zombie's stat) as an exit. */
export function exitFromWaitStatus(status: number | null): ExitStatus {
  if (status === null) return { code: null, signal: null, core: false };
  const signal = status & 0x7f;
  if (signal === 0) return { code: (status >> 8) & 0xff, signal: null, core: false };
  return { code: null, signal: SIGNAL_NAMES.get(signal) ?? `SIG${signal}`, core: (status & 0x80) !== 0 };
}

/** SIGCHLD's disposition from /proc/PID/status: SigIgn and SigCgt are hex masks, SIGCHLD (17) is bit 16. */
export function sigchldFrom(status: string): ExistingProcess['sigchld'] {
  const bit = (key: string): boolean => {
    const hex = statusField(status, key);
    return hex !== null && /^[0-9a-f]+$/i.test(hex) && ((BigInt(`0x${hex}`) >> 16n) & 1n) === 1n;
  };
  return bit('SigIgn') ? 'ignore' : bit('SigCgt') ? 'handler' : 'default';
}

/** One process as the seed wants it; null when it vanished meanwhile. */
function existingProcess(entry: ProcEntry, now: number, up: number | null): ExistingProcess | null {
  const pid = entry.pid;
  const statText = readText(`/proc/${pid}/stat`);
  const stat = statText === null ? null : parseStat(statText);
  const status = readText(`/proc/${pid}/status`);
  if (!stat || status === null) return null;
  const zombie = stat.state === 'Z' || stat.state === 'X';
  let tids = [pid];
  let exe: string | null = null;
  if (!zombie) {
    try {
      tids = readdirSync(`/proc/${pid}/task`).map(Number);
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      /* it exited meanwhile: what was read stands */
    }
  }
  const cmdline = readText(`/proc/${pid}/cmdline`) ?? '';
  const argv = cmdline.split('\0');
  while (argv.length > 0 && argv[argv.length - 1] === '') argv.pop();
  const start = startTimeToEpoch(stat.startTicks / CLOCK_TICKS_PER_SECOND, now, up) ?? now;
  return {
    pid,
    ppid: stat.ppid,
    tids,
    command: exe && !exe.endsWith(' (deleted)') ? basename(exe) : stat.comm,
    argv: argv.length > 0 ? argv : [stat.comm],
    exe,
    start,
    startTicks: stat.startTicks,
    zombie: zombie ? exitFromWaitStatus(stat.exitStatus) : null,
    sigchld: sigchldFrom(status),
    ...(statusField(status, 'TracerPid') === '0' ? {} : { traced: true }),
  };
}

function uptime(): number | null {
  const up = readText('/proc/uptime');
  return up === null ? null : Number(up.split(' ')[0]);
}

/** What was there at the attach: the process first, then its descendants (zombies included), nearest first. */
export function readExistingTree(pid: number, now = Date.now() / 1000): ExistingProcess[] {
  const entries = scanProcesses();
  const target = entries.find((e) => e.pid === pid);
  if (!target) return [];
  const up = uptime();
  const out: ExistingProcess[] = [];
  for (const e of [target, ...descendantsOf(pid, entries)]) {
    const p = existingProcess(e, now, up);
    if (p) out.push(p);
  }
  // A zombie's command line is gone; one that never exec'd ran what its parent runs (same comm).
  const byPid = new Map(out.map((p) => [p.pid, p]));
  for (const p of out) {
    const parent = byPid.get(p.ppid);
    if (p.zombie && parent && p.exe === null && p.argv.length === 1 && p.argv[0] === p.command && parent.command.startsWith(p.command)) p.argv = parent.argv;
  }
  return out;
}

/**
 * strace's arguments for an attach: `-p` for the process and every living descendant
 * (strace's -f follows only children made after the attach). No --seccomp-bpf: strace
 * refuses it with -p, so the tracees stop on every syscall.
 */
export function attachStraceArgs(output: string, pids: readonly number[], mode: 'fast' | 'precise'): string[] {
  return [...traceArgs(output, mode, false), ...pids.flatMap((p) => ['-p', String(p)])];
}

/** How long strace gets to detach on SIGINT before it is SIGKILLed (the kernel then detaches its tracees). */
const DETACH_TIMEOUT_MS = 10_000;

/** The process a live trace attached to, from the check through the detach. */
export class AttachedProcess {
  /** What strace printed on its stderr: why an attach failed, if it did. */
  private stderr = '';
  /** How much of `stderr` has been read line by line. */
  private readUpTo = 0;
  /** The pids strace said it attached to. */
  private readonly attachedPids = new Set<number>();
  /** Those it said it could not attach to, each with strace's words ("attach: ptrace(PTRACE_SEIZE, N): …"). */
  private readonly refusals = new Map<number, string>();
  /** An attach complaint that names no pid. */
  private otherRefusal: string | null = null;

  constructor(
    readonly pid: number,
    readonly command: string,
    /** Its executable, for the source lines of its calls. */
    readonly exe: string,
    /** When /proc was read: the trace's origin. */
    readonly time: number,
    readonly existing: readonly ExistingProcess[],
  ) {}

  /** The pids strace attaches to: the process and its living descendants. */
  get pids(): number[] {
    return this.existing.filter((e) => e.zombie === null).map((e) => e.pid);
  }

  /** Reads strace's stderr; `answered` runs once strace has attached to every pid it was given, or said why not. */
  watch(strace: ChildProcess, answered: () => void = () => undefined): void {
    const pids = this.pids;
    let told = false;
    strace.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length >= 64 * 1024) return;
      this.stderr += chunk.toString();
      this.readLines();
      if (!told && pids.every((p) => this.attachedPids.has(p) || this.refusals.has(p))) {
        told = true;
        answered();
      }
    });
  }

  /** strace's "Process N attached" and "attach: …" lines, each whole line once. */
  private readLines(): void {
    for (let end = this.stderr.indexOf('\n', this.readUpTo); end >= 0; end = this.stderr.indexOf('\n', this.readUpTo)) {
      const line = this.stderr.slice(this.readUpTo, end);
      this.readUpTo = end + 1;
      const m = /^strace: (?:Process (\d+) attached|(attach: (?:ptrace\(PTRACE_SEIZE, (\d+)\))?.*))/.exec(line);
      if (!m) continue;
      if (m[1]) this.attachedPids.add(Number(m[1]));
      else if (m[3]) {
        if (!this.refusals.has(Number(m[3]))) this.refusals.set(Number(m[3]), m[2]);
      } else this.otherRefusal ??= m[2];
    }
  }

  /** strace's own complaint that it could not attach to the process (not permitted, no such process), or null. */
  get refused(): string | null {
    // One of its descendants may have ended before strace reached it: that is no failure of the attach.
    return this.refusals.get(this.pid) ?? this.otherRefusal;
  }

  /**
   * What to seed the trace with, looked at again once strace has attached: what /proc showed
   * before, less what ended in between, which the trace cannot see. Seeded as first read,
   * a zombie its parent reaped meanwhile was a zombie for ever (a false zombie-leak), and a
   * child that ended meanwhile ran for ever. A zombie reaped after strace attached is in
   * the trace: its wait shows it (ProcessModel's untraced children).
   *
   * And what is new since: a descendant forked after the first look. One forked after
   * strace reached its parent is followed (its fork is in the trace) and is left to the
   * trace; one forked before that never will be (strace's -f follows only forks it sees),
   * so it is seeded here, running and marked untraced, or it would be missing until its
   * parent reaped it. A new zombie is left out: one strace followed and has seen exit
   * shows no tracer either, and its wait shows an untraced one anyway.
   */
  stillThere(): ExistingProcess[] {
    // One scan serves both: what is still there of the first look, and what is new.
    const entries = scanProcesses();
    const kept = this.keptSinceFirstLook(new Map(entries.map((e) => [e.pid, e])));
    const known = new Set(this.existing.map((e) => e.pid));
    const now = Date.now() / 1000;
    const up = uptime();
    for (const entry of descendantsOf(this.pid, entries)) {
      if (known.has(entry.pid)) continue;
      const p = existingProcess(entry, now, up);
      if (p && p.zombie === null && !p.traced) kept.push({ ...p, untraced: true });
    }
    return kept;
  }

  private keptSinceFirstLook(scanned: ReadonlyMap<number, ProcEntry>): ExistingProcess[] {
    return this.existing.filter((e) => {
      if (e.pid === this.pid) return true;
      const entry = scanned.get(e.pid);
      // The same process: the same start, in clock ticks since boot (ProcEntry holds them over the tick rate).
      const same = entry !== undefined && e.startTicks !== undefined && entry.startTime === e.startTicks / CLOCK_TICKS_PER_SECOND;
      // Reaped since (gone, or its pid reused); still a zombie, its reaping is to come, in the trace.
      if (e.zombie) return same && (entry.state === 'Z' || entry.state === 'X');
      // Gone before strace reached it; attached to, its end is in the trace.
      return same || !this.refusals.has(e.pid);
    });
  }

  /** SIGINT: strace detaches every tracee and exits; they run on. */
  async detach(strace: ChildProcess, done: Promise<unknown>): Promise<void> {
    strace.kill('SIGINT');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = await Promise.race([
      done.then(
        () => false,
        () => false,
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), DETACH_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (late) strace.kill('SIGKILL');
  }

  /** Whether the process runs on after the trace: it did not exit while traced. */
  detached(model: ProcessModel): boolean {
    const node = model.processByPid(this.pid);
    return node !== undefined && node.alive;
  }

  /** Why the attached trace ended badly, in words; null when it ended well (detached, or the process exited). */
  failure(code: number | null, signal: NodeJS.Signals | null, stopped: boolean, stracePid: number | undefined): string | null {
    if (stopped) return null;
    const refused = this.refused;
    if (refused) return `strace could not attach to pid ${this.pid}: ${refused}.`;
    if (signal)
      return `strace (pid ${stracePid}) was killed by ${signal}, so the trace ended early: the kernel detached pid ${this.pid}, which keeps running, untraced.`;
    if (code !== 0 && code !== null) return `strace ended with status ${code}: ${this.stderr.trim().split('\n')[0] || 'no reason given'}.`;
    return null;
  }
}

/** Checks that `pid` can be attached to (a TraceError says why not), and reads what it already is. */
export function prepareAttach(pid: number): AttachedProcess {
  const target = checkAttach(pid);
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch (e) {
    const gone = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new TraceError(
      gone ? `pid ${pid} exited before the attach.` : `The executable of pid ${pid} cannot be read (${(e as Error).message}): ptrace would be refused too.`,
      'attach-refused',
    );
  }
  const time = Date.now() / 1000;
  const existing = readExistingTree(pid, time);
  if (existing.length === 0) throw new TraceError(`pid ${pid} exited before the attach.`, 'attach-refused');
  return new AttachedProcess(pid, target.command, exe.replace(/ \(deleted\)$/, ''), time, existing);
}
