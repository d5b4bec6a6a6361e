// What one process's lane on the timeline shows: its life as a span coloured by how
// it ended, its zombie interval, and marks where the kernel did something to it.
// Pure (no DOM); the canvas only draws what this returns.
import type { ProcessJson } from '../src/shared/schema';

/**
 * `running`: alive now. `reaped`: its life, once it exited and was reaped.
 * `exited`: its life, when it exited and no reaping is known (yet).
 * `zombie`: exited, not yet reaped (from the exit to the reaping wait, or to now).
 */
export type SpanKind = 'running' | 'reaped' | 'exited' | 'zombie';
export type MarkKind = 'fork' | 'exec' | 'exit' | 'reap' | 'adopt';

export interface Span {
  kind: SpanKind;
  from: number;
  to: number;
  /** The span is still growing (it ends at "now"). */
  open: boolean;
}

export interface Mark {
  kind: MarkKind;
  time: number;
}

export interface Lane {
  spans: Span[];
  marks: Mark[];
}

/**
 * The lane of `p` at time `now` (the trace's duration). Nothing without timestamps.
 * What an attached trace found already there starts at the attach (time 0): its fork
 * and, for a zombie, its exit happened before the trace and are not drawn.
 */
export function laneOf(p: ProcessJson, now: number): Lane {
  const spans: Span[] = [];
  const marks: Mark[] = [];
  if (p.start === null) return { spans, marks };
  const start = p.before === true ? Math.max(0, p.start) : p.start;
  const zombieBefore = p.zombie?.before === true && p.zombie.from === null;

  const exitTime = p.exit?.time ?? null;
  const lifeKind: SpanKind = p.state === 'running' ? 'running' : p.reaped ? 'reaped' : 'exited';
  const lifeEnd = p.state === 'running' ? now : (exitTime ?? (zombieBefore ? start : now));
  if (lifeEnd > start || p.state === 'running' || !zombieBefore) {
    spans.push({ kind: lifeKind, from: start, to: Math.max(start, lifeEnd), open: p.state === 'running' });
  }

  const zombieFrom = p.zombie?.from ?? (zombieBefore ? start : null);
  if (zombieFrom !== null) {
    const to = p.zombie!.to;
    const end = to ?? now;
    if (end > zombieFrom || to === null) spans.push({ kind: 'zombie', from: zombieFrom, to: Math.max(zombieFrom, end), open: to === null });
  }

  if ((p.parentId !== null || p.parentPid !== null) && p.before !== true) marks.push({ kind: 'fork', time: p.start });
  for (const e of p.execs) if (e.time !== null) marks.push({ kind: 'exec', time: e.time });
  if (exitTime !== null) marks.push({ kind: 'exit', time: exitTime });
  for (const a of p.adoptedBy) if (a.time !== null) marks.push({ kind: 'adopt', time: a.time });
  if (p.reaped && p.reaped.time !== null) marks.push({ kind: 'reap', time: p.reaped.time });
  return { spans, marks };
}
