// One wording for every view: the CLI, the panel, the debug view and the findings say
// a process, an exit, a zombie interval, an adoption, a reaping and a count with these
// functions, in the design's words (design.md §2). Pure: no Node, no vscode.
import type { AdoptionJson, AttachJson, ExitJson, FoldedGroupJson, ProcessJson, ReapedJson, SourceLocation, SummaryJson, WarningJson } from './schema';

// ---- counts and times

/** `1 zombie`, `2 zombies`: a count with its noun. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** count() with the digits grouped, `10,000 processes`: for the panel, whose counts run to tens of thousands. */
export function countGrouped(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** What was there already when an attached trace began: its times are negative, its past is not in the trace. */
export const BEFORE_THE_TRACE = 'before the trace';

/**
 * Seconds since the first event: "0.008 s"; "unknown time" when the log has no timestamps;
 * "12.500 s before the trace" for a negative time (an attach read it from /proc).
 */
export function formatTime(t: number | null): string {
  if (t === null) return 'unknown time';
  return t < 0 ? `${(-t).toFixed(3)} s ${BEFORE_THE_TRACE}` : `${t.toFixed(3)} s`;
}

/** " at 0.008 s", or nothing when the time is not known: appended to what happened. */
export function atTime(t: number | null): string {
  return t === null ? '' : ` at ${formatTime(t)}`;
}

/** A length of time in the unit that reads best: "850 µs", "12.5 ms", "3.200 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 1e-3) return `${Math.round(s * 1e6)} µs`;
  if (s < 1) return `${trimZero((s * 1e3).toFixed(1))} ms`;
  if (s < 120) return `${s.toFixed(3)} s`;
  const minutes = Math.floor(s / 60);
  return `${minutes} min ${(s - minutes * 60).toFixed(1)} s`;
}

/** The text with its first letter capitalised: a clause that starts a sentence. */
export function sentence(text: string): string {
  return text.length === 0 ? text : `${text[0].toUpperCase()}${text.slice(1)}`;
}

/**
 * How much of a log is read: "3.5 of 576 MiB", one decimal below 10 MiB; "12 of 30 KiB" for a
 * log under 1 MiB (not "0.0 of 0.0 MiB"); "24 MiB" when its size is not known (0: a pipe).
 */
export function readWords(read: number, total: number): string {
  const MiB = 1024 * 1024;
  if ((total > 0 ? total : read) < MiB) {
    const kib = (bytes: number) => Math.ceil(bytes / 1024).toFixed(0);
    return total > 0 ? `${kib(read)} of ${kib(total)} KiB` : `${kib(read)} KiB`;
  }
  const mib = (bytes: number) => (bytes / MiB).toFixed(bytes < 10 * MiB ? 1 : 0);
  return total > 0 ? `${mib(read)} of ${mib(total)} MiB` : `${mib(read)} MiB`;
}

/** "0.005–0.008s", or "0.005–…s" while it runs; "" when the log has no timestamps. */
export function formatLifetime(p: Pick<ProcessJson, 'start' | 'exit' | 'before'>): string {
  if (p.start === null) return '';
  // Exited before an attached trace began (a zombie it found), or there before it and never
  // traced (known from its wait): when it started and exited is not known, only "before".
  if ((p.start < 0 || p.before === true) && p.exit && p.exit.time === null) return 'before';
  return span(p.start, p.exit ? p.exit.time : undefined);
}

/** "/src/srv.c:70 (main)". */
export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}${loc.function ? ` (${loc.function})` : ''}`;
}

// ---- processes

export interface NamedProcess {
  pid: number;
  command: string;
}

/** "srv (pid 4)": how every message names a process of the trace. */
export function processName(p: NamedProcess): string {
  return `${p.command} (pid ${p.pid})`;
}

/** A process known by its pid and maybe its command: "srv (pid 4)", "pid 4", or "an unidentified process". */
export function describePid(pid: number | null, command?: string | null): string {
  if (pid === null) return 'an unidentified process';
  return command ? processName({ pid, command }) : `pid ${pid}`;
}

const MAX_LISTED_PIDS = 8;

/** "pid 4", "pids 4, 5, 6", "pids 300, 301, …, 307 and 4 more": the first eight of a group of processes. */
export function pidList(ps: ReadonlyArray<{ pid: number }>): string {
  const shown = ps
    .slice(0, MAX_LISTED_PIDS)
    .map((p) => p.pid)
    .join(', ');
  const more = ps.length - MAX_LISTED_PIDS;
  return `${ps.length === 1 ? 'pid' : 'pids'} ${shown}${more > 0 ? ` and ${more} more` : ''}`;
}

/**
 * For a process an attach found already there: "present before the trace (started 12.500 s
 * before it); what it did until the attach is not in the trace". Null for the others.
 */
export function describeBefore(p: Pick<ProcessJson, 'before' | 'start' | 'untraced' | 'exit'>): string | null {
  if (p.before !== true) return null;
  if (p.untraced === true) {
    return p.exit
      ? 'not traced: a child strace never followed (forked as it attached, or outside the pids it was given); only the wait that reaped it is in the trace'
      : 'not traced: forked as strace attached, before strace reached its parent, so strace does not follow it; its calls and children are not in the trace';
  }
  const started = p.start !== null && p.start < 0 ? ` (started ${formatTime(p.start)})` : '';
  return `present ${BEFORE_THE_TRACE}${started}; what it did until the attach is not in the trace`;
}

// ---- the exit

/** "exited with code 3", "killed by SIGSEGV (core dumped)"; "running" before the exit. */
export function exitWords(exit: Omit<ExitJson, 'time'> | null): string {
  if (!exit) return 'running';
  if (exit.signal !== null) return `killed by ${exit.signal}${exit.core ? ' (core dumped)' : ''}`;
  if (exit.code !== null) return `exited with code ${exit.code}`;
  return 'exited';
}

/** exitWords() with the time: "exited with code 3 at 0.400 s". */
export function describeExit(exit: ExitJson | null): string {
  return exit ? `${exitWords(exit)}${atTime(exit.time)}` : exitWords(null);
}

// ---- the zombie interval

/** The zombie interval in words; `now` (the trace's current time) says how long an open one has lasted. */
export function describeZombie(p: Pick<ProcessJson, 'exit' | 'zombie' | 'reaped' | 'state'>, now: number | null): string {
  if (p.reaped?.how === 'auto') return 'never a zombie: auto-reaped by the kernel (SIGCHLD ignored or SA_NOCLDWAIT)';
  if (!p.zombie) return p.state === 'zombie' ? 'zombie, not yet reaped' : p.exit ? 'no zombie interval known' : 'not exited';
  const { from, to } = p.zombie;
  // Already a zombie when the trace attached: when it exited is not known.
  if (p.zombie.before === true && from === null) {
    return to === null ? `zombie since ${BEFORE_THE_TRACE} (its exit time is unknown)` : `zombie from ${BEFORE_THE_TRACE} to ${formatTime(to)}`;
  }
  if (to === null) {
    const since = from === null ? 'zombie, not yet reaped' : `zombie since ${formatTime(from)}`;
    return from !== null && now !== null ? `${since} (${formatDuration(now - from)} so far)` : since;
  }
  if (from === null) return `zombie until ${formatTime(to)}`;
  return `zombie from ${formatTime(from)} to ${formatTime(to)} (${formatDuration(to - from)})`;
}

/**
 * describeZombie() for one-line views (the CLI tree): "zombie since 0.200 s" while it
 * lasts, "zombie 0.400–0.410s" once reaped; null when it never was one.
 */
export function zombieBrief(p: Pick<ProcessJson, 'zombie' | 'state'>): string | null {
  const { zombie } = p;
  if (p.state === 'zombie' || zombie?.to === null) {
    if (zombie?.before === true && zombie.from === null) return `zombie since ${BEFORE_THE_TRACE}`;
    return zombie?.from == null ? 'zombie, not yet reaped' : `zombie since ${formatTime(zombie.from)}`;
  }
  if (!zombie) return null;
  return `zombie ${span(zombie.from, zombie.to)}`;
}

// ---- the reaping

/** Who reaped it, how and when; "unseen" when the reaper is outside the trace. */
export function describeReap(reaped: ReapedJson | null, reaperCommand: string | null): string {
  if (!reaped) return 'not reaped';
  const text = reapWords(reaped, reaperCommand, atTime(reaped.time));
  return reaped.seen ? text : `${text} — unseen: the reaper is outside the trace, so the reaping was inferred`;
}

/** describeReap() for one-line views (the CLI tree): the reaper by pid, no time. */
export function reapBrief(reaped: ReapedJson): string {
  const text = reapWords(reaped, null, '');
  return reaped.seen ? text : `${text} (unseen)`;
}

/** The reaper is named as a process, or as an adopter when it reaped as one. */
function reapWords(reaped: ReapedJson, reaperCommand: string | null, at: string): string {
  switch (reaped.how) {
    case 'wait':
      return `reaped by ${describePid(reaped.by, reaperCommand)}${at}`;
    case 'auto':
      return `auto-reaped by the kernel${at}`;
    case 'adopter':
      return `reaped by its adopter, ${adopterWords({ pid: reaped.by, command: reaperCommand })}${at}`;
    case 'tracer':
      // The traced program is strace's child: strace reaps it, whether it exited or was stopped.
      return `reaped by strace${at}`;
  }
}

// ---- the adoption

export interface AdopterFacts {
  pid: number | null;
  command: string | null;
  /** A subreaper of the trace (true), outside it (false), or the data does not say (absent: a snapshot's AdoptionJson). */
  inTrace?: boolean;
}

/** The adopter of an orphan: "init (pid 1)", "the subreaper srv (pid 4)", "init or a subreaper outside the trace". */
export function adopterWords(a: AdopterFacts | undefined): string {
  if (!a) return 'its adopter';
  if (a.inTrace === true && a.pid !== null && a.command !== null) return `the subreaper ${processName({ pid: a.pid, command: a.command })}`;
  if (a.pid === 1) return a.command ? `init (${a.command}, pid 1)` : 'init (pid 1)';
  // A snapshot's adopter pid is null only when it is outside the trace and unnamed.
  if (a.pid === null) return 'init or a subreaper outside the trace';
  if (a.inTrace === false) return `${a.command ?? 'a subreaper'} (pid ${a.pid}, outside the trace)`;
  return describePid(a.pid, a.command);
}

/** "adopted by init (systemd, pid 1) at 0.700 s". */
export function describeAdoption(a: AdoptionJson): string {
  return `adopted by ${adopterWords(a)}${atTime(a.time)}`;
}

// ---- folded groups (old uneventful reaped processes kept as counts)

/**
 * "19,500 more reaped children of 1234, forked at server.c:70, zombie for 0.2 ms median":
 * a folded group in one line. A group under a folded group holds those children's children.
 */
export function foldedGroupWords(g: FoldedGroupJson): string {
  const who = g.parentPid !== null ? ` of ${g.parentPid}` : ', children of the folded ones above';
  const site = g.forkSite ? `, forked at ${basename(g.forkSite.file)}:${g.forkSite.line}` : '';
  const zombie = g.zombieTime ? `, zombie for ${formatDuration(g.zombieTime.median)} median` : '';
  return `${countGrouped(g.count, 'more reaped child', 'more reaped children')}${who}${site}${zombie}`;
}

/** "exited with code 0 ×19,000; exited with code 1 ×500": a folded group's exit statuses, most frequent first. */
export function foldedExitsWords(g: FoldedGroupJson): string {
  return g.exits.map((e) => `${exitWords({ code: e.code, signal: e.signal, core: false })} ×${e.count.toLocaleString('en-US')}`).join('; ');
}

/** "zombie for 0.1 ms (min), 0.2 ms (median), 0.4 ms (p99), 0.5 ms (max)": null when the log has no timestamps. */
export function foldedZombieWords(g: FoldedGroupJson): string | null {
  const z = g.zombieTime;
  if (!z) return null;
  return `zombie for ${formatDuration(z.min)} (min), ${formatDuration(z.median)} (median), ${formatDuration(z.p99)} (p99), ${formatDuration(z.max)} (max)`;
}

/** "folded: 19,500 processes in 2 groups (kept as counts: the 2,000 most recent reaped ones stay in detail)". */
export function foldedSummaryWords(groups: readonly FoldedGroupJson[]): string | null {
  if (groups.length === 0) return null;
  const total = groups.reduce((n, g) => n + g.count, 0);
  return `${countGrouped(total, 'older reaped process was', 'older reaped processes were')} folded into ${count(groups.length, 'group')} (counts per parent and fork site)`;
}

// ---- the trace as a whole

/** "4 processes, 1 running, 3 zombies at end, most zombies at once 3, 0 orphans"; `zombies` may colour its part. */
export function summaryWords(s: SummaryJson, zombies: (text: string) => string = (text) => text): string {
  return `${count(s.processes, 'process', 'processes')}, ${s.running} running, ${zombies(`${count(s.zombiesAtEnd, 'zombie')} at end`)}, most zombies at once ${s.maxZombies}, ${count(s.orphans, 'orphan')}`;
}

export interface TraceEndFacts {
  stoppedByUser: boolean;
  /** Why the trace ended early (strace itself died), in words; null otherwise. */
  failure: string | null;
  /** strace's exit status: the program's, unless a signal killed it. */
  exitCode: number | null;
  /** `attach`: the process an attached trace attached to (a stop detaches from it). */
  snapshot: { processes: readonly ProcessJson[]; attach?: AttachJson | null };
}

/** "attached to pid 42 (server): detaching leaves it running": the panel's line while an attached trace runs. */
export function attachedWords(attach: Pick<AttachJson, 'pid' | 'command'>): string {
  return `attached to pid ${attach.pid}${attach.command ? ` (${attach.command})` : ''}: detaching leaves it running`;
}

/**
 * How an attached trace ended, for the CLI: "detached from pid 42 (server); it keeps
 * running, untraced", or that it exited while traced.
 */
export function attachEndWords(attach: AttachJson): string {
  const name = describePid(attach.pid, attach.command);
  if (attach.detached) return `detached from pid ${attach.pid} (${attach.command}); it keeps running, untraced.`;
  return `${name} exited during the attach; the picture shows what the trace saw until then.`;
}

/** How a live trace ended, for the panel and the debug console: "server exited with code 0; the trace is over." */
export function traceEndWords(end: TraceEndFacts, programName: string): string {
  if (end.failure !== null) return end.failure;
  const attach = end.snapshot.attach;
  if (end.stoppedByUser && attach) return `Detached from ${describePid(attach.pid, attach.command)}: the picture was taken, and it keeps running, untraced.`;
  if (end.stoppedByUser) return 'Stopped: the picture was taken, then every process of the trace was killed.';
  // The traced program's own exit says "killed by SIGSEGV" where strace's status says 128.
  const root = end.snapshot.processes.find((p) => p.parentId === null);
  const exit = root?.exit ?? (end.exitCode === null ? null : { code: end.exitCode, signal: null, core: false });
  return `${programName} ${exit ? exitWords(exit) : 'exited'}; the trace is over.`;
}

/**
 * "0.005–0.008s": a span of the trace's time, "…" for an open end, "?" for an unknown one,
 * and "before" for a start before an attached trace began (a negative time).
 */
function span(from: number | null, to: number | null | undefined): string {
  const at = (t: number | null): string => (t === null ? '?' : t < 0 ? 'before' : t.toFixed(3));
  return `${at(from)}–${to === undefined ? '…' : at(to)}s`;
}

/** A warning as the panel and the SARIF say it: "line 12: …", or "trace.401:12: …" in a -ff directory. */
export function warningWords(w: Pick<WarningJson, 'file' | 'line' | 'reason'>): string {
  return `${w.file ? `${w.file}:` : 'line '}${w.line}: ${w.reason}`;
}

/**
 * The panel's header line for an opened log: a note on how it was recorded first (strace
 * without -f…: it limits the whole picture), then how many warnings reading it gave.
 */
export function logWarningsWords(warnings: ReadonlyArray<Pick<WarningJson, 'recording'>>): string | null {
  const notes = warnings.filter((w) => w.recording).length;
  const others = warnings.length - notes;
  const parts = [
    notes > 0 ? `How this log was recorded limits the picture (${count(notes, 'note')} in the details pane).` : null,
    others > 0 ? `${count(others, 'warning')} while reading the log; see the details pane.` : null,
  ].filter((p): p is string => p !== null);
  return parts.length > 0 ? parts.join(' ') : null;
}

/** The last part of a `/`-separated path (pure: the webview has no node:path). */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

// ---- zombies on the machine (a /proc scan, no trace)

/** The fix for a pid 1 that never reaps: a container started without an init. */
export const INIT_REAPS_FIX = 'run with an init that reaps, e.g. `docker run --init` or tini';

/** "3 zombies on this machine, held by 1 process"; "No zombies on this machine." when there are none. */
export function zombieScanSummary(total: number, holders: number): string {
  if (total === 0) return 'No zombies on this machine.';
  return `${count(total, 'zombie')} on this machine, held by ${count(holders, 'process', 'processes')}`;
}

/** "srv (pid 4, user root) holds 3 zombies". */
export function zombieHolderWords(h: NamedProcess & { user: string; count: number }): string {
  return `${h.command} (pid ${h.pid}, user ${h.user}) holds ${count(h.count, 'zombie')}`;
}

/** Why a holder's zombies stay, when the words can tell: pid 1 that is not an init. Null otherwise. */
export function zombieHolderNote(h: { pid: number }): string | null {
  if (h.pid !== 1) return null;
  return `pid 1 adopts orphans and must reap them; zombies that stay there mean it is not an init that reaps (a container started without one): ${INIT_REAPS_FIX}.`;
}
