// zombie-lingering: children reaped by a wait, but later than the linger threshold.
import type { ProcessNode } from '../model';
import type { DiagnosticJson } from '../../shared/schema';
import { count, processName } from '../../shared/words';
import type { ProcessFindings } from './byProcess';
import { locationFields, type FindingContext } from './context';

export function zombiesLingering({ model, at, rel }: FindingContext, lingering: ProcessFindings['lingering']): DiagnosticJson[] {
  const out: DiagnosticJson[] = [];
  for (const [reaper, list] of lingering) {
    const longest = list.reduce((a, b) => (span(b) > span(a) ? b : a));
    const where = at(longest.reaped?.site ?? null, 'wait');
    out.push({
      kind: 'zombie-lingering',
      severity: 'info',
      pids: [reaper.pid, ...list.map((c) => c.pid)],
      message: `${count(list.length, 'child', 'children')} of ${processName(reaper)} stayed ${list.length === 1 ? 'a zombie' : 'zombies'} longer than ${model.lingerThreshold} s before being reaped (longest: pid ${longest.pid}, ${span(longest).toFixed(3)} s). Reap sooner: wait from a SIGCHLD handler instead of later in the program.`,
      ...locationFields(where),
      related: [],
      time: rel(list.reduce((t, c) => Math.min(t, c.exit?.time ?? NaN), Infinity)),
      fixes: [],
      fixNote: null,
    });
  }
  return out;
}

/** How long it stayed a zombie. */
function span(p: ProcessNode): number {
  return p.reaped && p.exit ? p.reaped.time - p.exit.time : 0;
}
