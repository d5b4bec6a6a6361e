// Snapshots for the webview's tests and bench: a small hand-made trace with zombies,
// an orphan and markup in argv, and a generated server trace of any size. `asOf`
// cuts a finished trace at a time, so a snapshot plus deltas can be checked against
// the final snapshot.
import { PRECISE_HOW } from '../../src/core/diagnostics';
import type { HostMessage, TraceInfo } from '../../src/shared/protocol';
import type { DiagnosticJson, ProcessJson, SnapshotJson, SummaryJson } from '../../src/shared/schema';

export type DeltaMessage = Extract<HostMessage, { type: 'delta' }>;

export const MARKUP_ARGV = '<img src=x onerror=alert(1)>';
export const MARKUP_COMMAND = '<b>zz</b>';
/** Why the double-forked daemon has no fork site, with markup that must stay text. */
export const FORK_SITE_NOTE = `2 call sites of fork() in <i>daemon</i> could have made this clone: daemon.c:30 (main), daemon.c:37 (main). The default trace cannot tell them apart; trace in precise mode ${PRECISE_HOW} to pin down each call.`;

export function proc(fields: Partial<ProcessJson> & Pick<ProcessJson, 'pid'>): ProcessJson {
  const command = fields.command ?? 'server';
  return {
    id: String(fields.pid),
    parentPid: null,
    parentId: null,
    command,
    argv: [command],
    execs: [],
    start: 0,
    exit: null,
    zombie: null,
    reaped: null,
    adoptedBy: [],
    threads: 1,
    forkSite: null,
    forkSiteNote: null,
    forkSitePreciseWouldPin: false,
    state: 'running',
    ...fields,
  };
}

const SERVER_C = '/work/examples/zombie_server.c';

/** A fork-per-connection server with two zombies, a reaped child, a double fork and markup in argv. */
export function smallTrace(): SnapshotJson {
  const child = (pid: number, fields: Partial<ProcessJson>): ProcessJson =>
    proc({ pid, parentPid: 100, parentId: '100', forkSite: { file: SERVER_C, line: 64, function: 'main' }, ...fields });
  const processes: ProcessJson[] = [
    proc({ pid: 100, argv: ['./server', '--port', '8080'], execs: [{ time: 0, path: '/work/examples/server', argv: ['./server', '--port', '8080'] }] }),
    child(101, {
      command: MARKUP_COMMAND,
      argv: [MARKUP_ARGV, 'it\'s "quoted"'],
      start: 0.1,
      exit: { time: 0.2, code: 0, signal: null, core: false },
      zombie: { from: 0.2, to: null },
      state: 'zombie',
    }),
    child(102, {
      start: 0.3,
      exit: { time: 0.4, code: 3, signal: null, core: false },
      zombie: { from: 0.4, to: 0.41 },
      reaped: { time: 0.41, by: 100, how: 'wait', seen: true },
      state: 'reaped',
    }),
    child(103, { command: 'worker', argv: ['worker', '-v'], start: 0.5, execs: [{ time: 0.51, path: '/usr/bin/worker', argv: ['worker', '-v'] }] }),
    child(104, {
      command: 'daemon',
      start: 0.6,
      exit: { time: 0.7, code: 0, signal: null, core: false },
      zombie: { from: 0.7, to: 0.72 },
      reaped: { time: 0.72, by: 100, how: 'wait', seen: true },
      state: 'reaped',
    }),
    proc({
      pid: 105,
      parentPid: 104,
      parentId: '104',
      command: 'daemon',
      start: 0.65,
      adoptedBy: [{ time: 0.7, pid: 1, command: 'systemd' }],
      forkSiteNote: FORK_SITE_NOTE,
      forkSitePreciseWouldPin: true,
      state: 'running',
    }),
    child(107, {
      command: 'crash',
      start: 0.8,
      exit: { time: 0.9, code: null, signal: 'SIGSEGV', core: true },
      zombie: { from: 0.9, to: null },
      state: 'zombie',
    }),
  ];
  const diagnostics: DiagnosticJson[] = [
    {
      kind: 'zombie-leak',
      severity: 'error',
      pids: [100, 101, 107],
      message: 'server (pid 100) never reaped 2 child processes (pids 101, 107): they stayed zombies until the trace ended.',
      location: { file: SERVER_C, line: 70, function: 'main' },
      locationNote: null,
      locationPreciseWouldPin: false,
      related: [{ message: 'fork site', location: { file: SERVER_C, line: 64, function: 'main' } }],
      time: 0.2,
      fixes: [],
      fixNote: null,
    },
    {
      kind: 'orphan-adopted',
      severity: 'info',
      pids: [105, 104],
      message: 'daemon (pid 105) outlived its parent (pid 104) and was adopted by pid 1 (systemd): a deliberate double fork.',
      location: null,
      locationNote: 'daemon has no debug info (compile with gcc -g)',
      locationPreciseWouldPin: false,
      related: [],
      time: 0.7,
      fixes: [],
      fixNote: null,
    },
  ];
  return finish(processes, diagnostics, 1.0, false);
}

export const SMALL_TRACE_INFO: TraceInfo = { title: './server --port 8080', status: 'running', message: null };

/** How the fork site of a process an attach found was inferred (markup that must stay text). */
export const INFERRED_FORK_SITE = 'the fork was before the attach; this is the only call in <b>srv</b> that makes processes (fork())';

/** The command line of the server an attach found: markup that must stay text, in the attached line too. */
export const ATTACHED_COMMAND = '<img src=y onerror=alert(2)>srv';

/**
 * An attach to a server (pid 200) that had run for an hour and held 2 zombies (201, 202),
 * one of which it reaps after the attach; a child forked after the attach (203) is a zombie too.
 */
export function attachedTrace(): SnapshotJson {
  const before = (pid: number, fields: Partial<ProcessJson>): ProcessJson =>
    proc({ pid, parentPid: 200, parentId: '200', command: 'srv', argv: ['srv'], before: true, state: 'zombie', ...fields });
  const processes: ProcessJson[] = [
    proc({ pid: 200, command: ATTACHED_COMMAND, argv: [ATTACHED_COMMAND, '8080'], start: -3600, before: true, parentPid: 1 }),
    // As an attach reads them from /proc: exited, at a time no one knows.
    // srv has one fork call: the fork site of what it forked before the attach is that line, inferred.
    before(201, {
      start: -20,
      exit: { time: null, code: null, signal: null, core: false },
      zombie: { from: null, to: null, before: true },
      forkSite: { file: '/work/srv.c', line: 70, function: 'main' },
      forkSiteNote: INFERRED_FORK_SITE,
    }),
    before(202, {
      start: -10,
      exit: { time: null, code: null, signal: null, core: false },
      zombie: { from: null, to: 0.5, before: true },
      reaped: { time: 0.5, by: 200, how: 'wait', seen: true },
      state: 'reaped',
    }),
    proc({
      pid: 203,
      parentPid: 200,
      parentId: '200',
      command: 'srv',
      argv: ['srv'],
      start: 1,
      exit: { time: 1.2, code: 0, signal: null, core: false },
      zombie: { from: 1.2, to: null },
      state: 'zombie',
    }),
    // Forked as strace attached, before strace reached 200: strace never follows it.
    proc({ pid: 204, parentPid: 200, parentId: '200', command: 'srv', argv: ['srv'], start: 0, before: true, untraced: true }),
  ];
  return { ...finish(processes, [], 2, false), attach: { pid: 200, command: ATTACHED_COMMAND, detached: false } };
}

export const ATTACHED_TRACE_INFO: TraceInfo = {
  title: `pid 200 ${ATTACHED_COMMAND}`,
  status: 'running',
  message: null,
  attach: { pid: 200, command: ATTACHED_COMMAND },
};

/** A deterministic generator: the same seed, the same trace. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ServerTraceOptions {
  processes: number;
  /** Seconds the trace lasts. */
  duration?: number;
  workers?: number;
  seed?: number;
}

/** strace events each connection child stands for: accept, clone, 2× execve, exit_group, exited, SIGCHLD, 2× wait4, rt_sigreturn. */
export const EVENTS_PER_CONNECTION = 10;

/**
 * A prefork server: a master, a few workers that fork a short-lived handler per
 * connection (sh -c, then the handler), about 4% left as zombies by a worker that
 * stops reaping, 3% reaped late, and 2% double forks whose grandchild init adopts.
 */
export function serverTrace(options: ServerTraceOptions): SnapshotJson {
  const random = mulberry32(options.seed ?? 42);
  const duration = options.duration ?? 60;
  const workers = Math.min(options.workers ?? 8, Math.max(1, options.processes - 1));
  const processes: ProcessJson[] = [];
  let nextPid = 28000;
  const pid = (): number => {
    const p = nextPid++;
    if (nextPid > 32767) nextPid = 300; // pid_max wraps; these pids were never used here
    return p;
  };
  const site = (line: number) => ({ file: '/srv/prefork/server.c', line, function: 'serve' });
  const master = proc({
    pid: pid(),
    command: 'prefork',
    argv: ['prefork', '--workers', String(workers)],
    start: 0,
    execs: [{ time: 0, path: '/srv/prefork/prefork', argv: ['prefork', '--workers', String(workers)] }],
  });
  processes.push(master);
  const workerList: ProcessJson[] = [];
  for (let w = 0; w < workers; w++) {
    const worker = proc({
      pid: pid(),
      parentPid: master.pid,
      parentId: master.id,
      command: 'prefork',
      argv: ['prefork', `worker-${w}`],
      start: 0.001 * (w + 1),
      forkSite: site(40),
    });
    workerList.push(worker);
    processes.push(worker);
  }
  const diagnostics: DiagnosticJson[] = [];
  const leakingWorker = workerList[0]!;
  const leaked: number[] = [];
  let remaining = options.processes - processes.length;
  while (remaining > 0) {
    const worker = workerList[Math.floor(random() * workerList.length)]!;
    const start = 0.01 + random() * (duration - 0.5);
    const life = 0.002 + random() * 0.05;
    const exit = start + life;
    const child = proc({
      pid: pid(),
      parentPid: worker.pid,
      parentId: worker.id,
      command: 'handler',
      argv: ['handler', '--conn', String(Math.floor(random() * 1e6))],
      start,
      execs: [
        { time: start + 0.0003, path: '/bin/sh', argv: ['sh', '-c', 'handler --conn'] },
        { time: start + 0.0008, path: '/srv/prefork/handler', argv: ['handler', '--conn'] },
      ],
      exit: { time: exit, code: random() < 0.05 ? 1 : 0, signal: null, core: false },
      forkSite: site(88),
      state: 'reaped',
    });
    child.command = 'handler';
    const roll = random();
    if (worker === leakingWorker && roll < 0.35 && remaining > 1) {
      child.zombie = { from: exit, to: null };
      child.state = 'zombie';
      leaked.push(child.pid);
    } else if (roll < 0.05) {
      // Reaped late (zombie-lingering), or still a zombie when the trace ends.
      const to = exit + 1 + random() * 3;
      child.zombie = { from: exit, to: to < duration ? to : null };
      if (to < duration) child.reaped = { time: to, by: worker.pid, how: 'wait', seen: true };
      else child.state = 'zombie';
    } else {
      const to = exit + 0.0002;
      child.zombie = { from: exit, to };
      child.reaped = { time: to, by: worker.pid, how: 'wait', seen: true };
    }
    processes.push(child);
    remaining--;
    if (roll > 0.98 && remaining > 0) {
      // A double fork: the grandchild outlives the handler and init adopts it.
      const daemonStart = start + life / 2;
      const daemonEnd = Math.min(duration, exit + 0.5 + random() * 5);
      const daemon = proc({
        pid: pid(),
        parentPid: child.pid,
        parentId: child.id,
        command: 'logger',
        argv: ['logger', '--detach'],
        start: daemonStart,
        adoptedBy: [{ time: exit, pid: 1, command: 'systemd' }],
        forkSite: site(120),
        state: 'running',
      });
      if (daemonEnd < duration - 0.01) {
        daemon.exit = { time: daemonEnd, code: 0, signal: null, core: false };
        daemon.zombie = { from: daemonEnd, to: daemonEnd };
        daemon.reaped = { time: daemonEnd, by: 1, how: 'adopter', seen: false };
        daemon.state = 'reaped';
      }
      processes.push(daemon);
      remaining--;
      diagnostics.push({
        kind: 'orphan-adopted',
        severity: 'info',
        pids: [daemon.pid, child.pid],
        message: `logger (pid ${daemon.pid}) outlived its parent (pid ${child.pid}) and was adopted by pid 1 (systemd): a deliberate double fork.`,
        location: site(120),
        locationNote: null,
        locationPreciseWouldPin: false,
        related: [],
        time: exit,
        fixes: [],
        fixNote: null,
      });
    }
  }
  if (leaked.length > 0) {
    diagnostics.push({
      kind: 'zombie-leak',
      severity: 'error',
      pids: [leakingWorker.pid, ...leaked],
      message: `prefork (pid ${leakingWorker.pid}) never reaped ${leaked.length} child processes: they stayed zombies until the trace ended.`,
      location: site(95),
      locationNote: null,
      locationPreciseWouldPin: false,
      related: [{ message: 'fork site', location: site(88) }],
      time: Math.min(...processes.filter((p) => leaked.includes(p.pid)).map((p) => p.zombie!.from!)),
      fixes: [],
      fixNote: null,
    });
  }
  // Arrival order is fork order, as the model reports it.
  const [head, ...rest] = processes;
  rest.sort((a, b) => a.start! - b.start!);
  return finish([head!, ...rest], diagnostics, duration, false);
}

/** Marks the timeline shows for these processes (fork, execs, exit, reap, adoptions). */
export function countMarks(processes: readonly ProcessJson[]): number {
  let n = 0;
  for (const p of processes) n += (p.parentId !== null ? 1 : 0) + p.execs.length + (p.exit ? 1 : 0) + (p.reaped ? 1 : 0) + p.adoptedBy.length;
  return n;
}

/** The process as it was at time `t`, or null when it did not exist yet. */
export function processAsOf(p: ProcessJson, t: number): ProcessJson | null {
  if (p.start !== null && p.start > t) return null;
  const seen = (time: number | null): boolean => time === null || time <= t;
  const execs = p.execs.filter((e) => seen(e.time));
  const adoptedBy = p.adoptedBy.filter((a) => seen(a.time));
  if (!p.exit || !seen(p.exit.time)) return { ...p, execs, adoptedBy, exit: null, zombie: null, reaped: null, state: 'running' };
  if (p.reaped && !seen(p.reaped.time) && p.zombie) return { ...p, execs, adoptedBy, zombie: { from: p.zombie.from, to: null }, reaped: null, state: 'zombie' };
  return { ...p, execs, adoptedBy };
}

/** Something happened to `p` in (after, upTo]. */
function changedBetween(p: ProcessJson, after: number, upTo: number): boolean {
  const within = (time: number | null | undefined): boolean => time != null && time > after && time <= upTo;
  return within(p.start) || within(p.exit?.time) || within(p.reaped?.time) || p.execs.some((e) => within(e.time)) || p.adoptedBy.some((a) => within(a.time));
}

/** The trace cut at time `t`: what a live snapshot taken then would say. */
export function snapshotAsOf(full: SnapshotJson, t: number): SnapshotJson {
  const processes = full.processes.map((p) => processAsOf(p, t)).filter((p): p is ProcessJson => p !== null);
  const diagnostics = full.diagnostics.filter((d) => d.time === null || d.time <= t);
  return finish(processes, diagnostics, t, false);
}

/**
 * The deltas a host would send between `from` and `to`, one per `step` seconds: each
 * carries the processes that are new or changed since the previous one.
 */
export function deltasBetween(full: SnapshotJson, from: number, to: number, step: number): DeltaMessage[] {
  const deltas: DeltaMessage[] = [];
  let previous = from;
  for (let k = 1; previous < to - 1e-9; k++) {
    const at = Math.min(from + k * step, to);
    const last = at >= to - 1e-9;
    const cut = last ? full : snapshotAsOf(full, at);
    const byId = new Map(cut.processes.map((p) => [p.id, p]));
    const changed: ProcessJson[] = [];
    for (const p of full.processes) {
      if (changedBetween(p, previous, last ? Infinity : at)) {
        const now = byId.get(p.id);
        if (now) changed.push(now);
      }
    }
    deltas.push({
      type: 'delta',
      processes: changed,
      removed: [],
      folded: [],
      diagnostics: cut.diagnostics,
      summary: cut.summary,
      duration: cut.duration,
      ended: cut.ended,
      warningCount: cut.warnings.length,
    });
    previous = at;
  }
  return deltas;
}

/** A snapshot of these processes and findings, its summary computed from them. */
export function finish(processes: ProcessJson[], diagnostics: DiagnosticJson[], duration: number, ended: boolean): SnapshotJson {
  return {
    schema: 2,
    origin: 1700000000,
    duration,
    ended,
    attach: null,
    processes,
    folded: [],
    diagnostics,
    summary: summarize(processes, duration),
    warnings: [],
  };
}

/** The summary line's numbers, zombies at once by a sweep over the zombie intervals. */
export function summarize(processes: readonly ProcessJson[], now: number): SummaryJson {
  const edges: Array<[number, number]> = [];
  for (const p of processes) {
    if (p.zombie?.from == null) continue;
    const to = p.zombie.to ?? now;
    if (to > p.zombie.from || p.zombie.to === null) {
      edges.push([p.zombie.from, 1]);
      if (p.zombie.to !== null) edges.push([p.zombie.to, -1]);
    }
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, d] of edges) {
    current += d;
    max = Math.max(max, current);
  }
  return {
    processes: processes.length,
    running: processes.filter((p) => p.state === 'running').length,
    zombiesAtEnd: processes.filter((p) => p.state === 'zombie').length,
    maxZombies: max,
    orphans: processes.filter((p) => p.adoptedBy.length > 0).length,
  };
}
