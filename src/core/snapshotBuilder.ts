// Turns the live model into schema 2: the one picture every view renders.
import { diagnose, NO_FIXES, NO_LOCATOR, type FixProvider, type SiteLocator } from './diagnostics';
import type { ProcessModel, ProcessNode } from './model';
import { JsonSequence } from '../shared/jsonStream';
import type { ProcessJson, ProcessState, SnapshotDelta, SnapshotJson, SummaryJson, WarningJson } from '../shared/schema';

export function processState(p: ProcessNode): ProcessState {
  if (!p.exit) return 'running';
  if (!p.reaped) return 'zombie';
  return p.reaped.how === 'wait' ? 'reaped' : 'exited';
}

type Rel = (t: number) => number | null;

function relativeTo(model: ProcessModel): Rel {
  const origin = model.origin;
  return (t) => (Number.isFinite(t) && Number.isFinite(origin) ? round(t - origin) : null);
}

export function processJson(p: ProcessNode, rel: Rel, locate: SiteLocator): ProcessJson {
  const fork = p.forkSite ? locate(p.forkSite, 'fork') : null;
  const json: ProcessJson = {
    id: p.id,
    pid: p.pid,
    parentPid: p.parent?.pid ?? null,
    parentId: p.parent?.id ?? null,
    command: p.command,
    argv: p.argv,
    // Most processes never exec or get adopted: a literal spares a closure and a map() call each.
    execs: p.execs.length === 0 ? [] : p.execs.map((e) => ({ time: rel(e.time), path: e.path, argv: e.argv })),
    start: rel(p.start),
    exit: p.exit ? { time: rel(p.exit.time), code: p.exit.code, signal: p.exit.signal, core: p.exit.core } : null,
    zombie: zombieInterval(p, rel),
    reaped: p.reaped ? { time: rel(p.reaped.time), by: p.reaped.byPid, how: p.reaped.how, seen: p.reaped.seen } : null,
    adoptedBy: p.adoptions.length === 0 ? [] : p.adoptions.map((a) => ({ time: rel(a.time), pid: a.pid, command: a.command })),
    threads: p.threadCount,
    forkSite: fork?.location ?? null,
    forkSiteNote: fork ? (fork.location ? (fork.inferred ?? null) : fork.note) : null,
    forkSitePreciseWouldPin: fork !== null && !fork.location && fork.preciseWouldPin === true,
    state: processState(p),
  };
  if (p.before !== null) {
    json.before = true;
    if (p.before === 'untraced') json.untraced = true;
    // A zombie already: the kernel keeps no exit time (the model holds the attach as its latest possible moment).
    if ((p.before === 'zombie' || p.before === 'untraced') && json.exit) json.exit.time = null;
  }
  return json;
}

export function summarize(model: ProcessModel): SummaryJson {
  let running = 0;
  let zombiesAtEnd = 0;
  let orphans = 0;
  for (const p of model.processes) {
    if (!p.exit) running++;
    else if (!p.reaped) zombiesAtEnd++;
    if (p.adoptions.length > 0) orphans++;
  }
  // Folded processes were reaped by their parent and never adopted: counted in processes only.
  // Before the end, a process no clone named yet that exited is shown a zombie, which maxZombies
  // leaves out until a clone names it (the end reaps the rest, unseen, as they exited).
  return { processes: model.processCount, running, zombiesAtEnd, maxZombies: Math.max(model.maxZombies, zombiesAtEnd), orphans };
}

export function buildSnapshot(model: ProcessModel, locate: SiteLocator = NO_LOCATOR, fix: FixProvider = NO_FIXES): SnapshotJson {
  const lazy = buildLazySnapshot(model, locate, fix);
  return { ...lazy, processes: lazy.processes.toJSON() };
}

/** A snapshot whose processes become JSON one at a time, as they are written (src/shared/jsonStream). */
export type LazySnapshot = Omit<SnapshotJson, 'processes'> & { processes: JsonSequence<ProcessNode, ProcessJson> };

/** buildSnapshot without the process list made up front: for a writer that streams it. */
export function buildLazySnapshot(model: ProcessModel, locate: SiteLocator = NO_LOCATOR, fix: FixProvider = NO_FIXES): LazySnapshot {
  const rel = relativeTo(model);
  const warnings = snapshotWarnings(model);
  return {
    schema: 2,
    origin: Number.isFinite(model.origin) ? model.origin : null,
    duration: rel(model.lastTime),
    ended: model.ended,
    attach: null,
    processes: new JsonSequence(model.processes, (p) => processJson(p, rel, locate)),
    folded: model.folding.groups.map((g) => g.json(rel)),
    diagnostics: diagnose(model, locate, rel, fix),
    summary: summarize(model),
    warnings,
  };
}

/**
 * A snapshot's process list read one process at a time: each one's place in the tree,
 * and its JSON only when asked for.
 */
export interface ProcessList<T> {
  readonly items: readonly T[];
  id(item: T): string;
  parentId(item: T): string | null;
  json(item: T): ProcessJson;
}

/**
 * buildSnapshot for a view that prints only part of the tree (the CLI shows 200 children
 * per parent): the same values, but a process becomes JSON, fork site included, only when
 * the view asks. Of a 30,000-process trace the CLI converts a few hundred.
 */
export function buildPartialSnapshot(
  model: ProcessModel,
  locate: SiteLocator = NO_LOCATOR,
  fix: FixProvider = NO_FIXES,
): { snapshot: LazySnapshot; processes: ProcessList<ProcessNode> } {
  const snapshot = buildLazySnapshot(model, locate, fix);
  const processes: ProcessList<ProcessNode> = {
    items: model.processes,
    id: (p) => p.id,
    parentId: (p) => p.parent?.id ?? null,
    json: snapshot.processes.map,
  };
  return { snapshot, processes };
}

function snapshotWarnings(model: ProcessModel): WarningJson[] {
  const warnings = model.warnings.map((w) => ({ ...w }));
  if (model.droppedWarningCount > 0) {
    warnings.push({ line: 0, reason: `${model.droppedWarningCount} more warnings not listed` });
  }
  return warnings;
}

export function buildDelta(model: ProcessModel, locate: SiteLocator = NO_LOCATOR, fix: FixProvider = NO_FIXES): SnapshotDelta {
  const rel = relativeTo(model);
  // Before takeChanged, which starts the next round of both.
  const { removed, groups } = model.folding.take();
  return {
    processes: model.takeChanged().map((p) => processJson(p, rel, locate)),
    removed,
    folded: groups.map((g) => g.json(rel)),
    diagnostics: diagnose(model, locate, rel, fix),
    summary: summarize(model),
    duration: rel(model.lastTime),
    ended: model.ended,
    warningCount: model.warnings.length + model.droppedWarningCount,
  };
}

/** A zombie that an outside adopter reaped the moment it exited was never visible as one. */
function zombieInterval(p: ProcessNode, rel: Rel): ProcessJson['zombie'] {
  if (!p.exit || p.zombieFrom === null) return null;
  if (p.before === 'zombie') return { from: null, to: p.reaped ? rel(p.reaped.time) : null, before: true };
  // Its exit was not traced: a zombie from some unknown time until the wait (none known without timestamps).
  if (p.before === 'untraced') {
    const to = p.reaped ? rel(p.reaped.time) : null;
    return to === null ? null : { from: null, to };
  }
  if (!p.reaped) return { from: rel(p.zombieFrom), to: null };
  if (p.reaped.how !== 'wait' && Object.is(p.reaped.time, p.exit.time)) return null;
  const to = rel(p.reaped.time);
  // `to: null` means "still a zombie"; a reaped one with no timestamps has no known interval.
  if (to === null) return null;
  return { from: rel(p.zombieFrom), to };
}

function round(t: number): number {
  // Past ~1e302 s, t * 1e6 overflowed to ±Infinity (null in the JSON); such a time has no microseconds to round.
  return Math.abs(t) < 1e300 ? Math.round(t * 1e6) / 1e6 : t;
}
