// The terminal view of a snapshot: an indented tree, then the diagnostics.
import {
  count,
  describeAdoption,
  exitWords,
  foldedGroupWords,
  foldedSummaryWords,
  formatLifetime,
  formatLocation,
  reapBrief,
  summaryWords,
  zombieBrief,
} from '../shared/words';
import type { DiagnosticJson, FoldedGroupJson, ProcessJson, SnapshotJson } from '../shared/schema';
import type { ProcessList } from '../core/snapshotBuilder';

export interface RenderOptions {
  color?: boolean;
  /** Shown instead of listing every child when a parent has more. */
  maxChildren?: number;
}

const ESC = '\u001b[';

export function renderSnapshot(snapshot: SnapshotJson, options: RenderOptions = {}): string {
  return renderPartialSnapshot(snapshot, jsonProcesses(snapshot.processes), options);
}

/** renderSnapshot for buildPartialSnapshot: only the processes it prints become JSON. */
export function renderPartialSnapshot<T>(snapshot: Omit<SnapshotJson, 'processes'>, processes: ProcessList<T>, options: RenderOptions = {}): string {
  const paint = (code: string, text: string): string => (options.color ? `${ESC}${code}m${text}${ESC}0m` : text);
  const maxChildren = options.maxChildren ?? 200;
  const { roots, children } = treeOf(processes, maxChildren);
  const lines: string[] = [];
  // Why fork sites are unknown, once per distinct reason: 30,000 children of one ambiguous fork share one.
  const unknownForkSites = new Map<string, number>();
  // Folded groups go last under their parent (a process, or a group for a folded parent's children).
  const groupsOf = new Map<string, FoldedGroupJson[]>();
  for (const g of snapshot.folded ?? []) {
    if (g.parentId === null) continue;
    const list = groupsOf.get(g.parentId) ?? [];
    list.push(g);
    groupsOf.set(g.parentId, list);
  }
  const walkGroup = (g: FoldedGroupJson, prefix: string, isLast: boolean): void => {
    lines.push(`${prefix}${isLast ? '└─ ' : '├─ '}${paint('2', foldedGroupWords(g))}`);
    const sub = groupsOf.get(g.id) ?? [];
    sub.forEach((c, i) => walkGroup(c, prefix + (isLast ? '   ' : '│  '), i === sub.length - 1));
  };
  const walk = (p: T, prefix: string, isLast: boolean, depth: number): void => {
    const branch = depth === 0 ? '' : isLast ? '└─ ' : '├─ ';
    const json = processes.json(p);
    if (json.forkSiteNote && !json.forkSite) unknownForkSites.set(json.forkSiteNote, (unknownForkSites.get(json.forkSiteNote) ?? 0) + 1);
    lines.push(`${prefix}${branch}${describe(json, paint)}`);
    const kids = children.get(processes.id(p));
    const groups = groupsOf.get(processes.id(p)) ?? [];
    const nextPrefix = depth === 0 ? '' : prefix + (isLast ? '   ' : '│  ');
    if (kids) {
      const { shown, total } = kids;
      shown.forEach((k, i) => walk(k, nextPrefix, i === shown.length - 1 && total === shown.length && groups.length === 0, depth + 1));
      if (total > shown.length) lines.push(`${nextPrefix}${groups.length === 0 ? '└─' : '├─'} … ${count(total - shown.length, 'more child', 'more children')}`);
    }
    groups.forEach((g, i) => walkGroup(g, nextPrefix, i === groups.length - 1));
  };
  roots.forEach((r) => walk(r, '', true, 0));

  const s = snapshot.summary;
  lines.push('');
  lines.push(
    summaryWords(s, (text) => paint(s.zombiesAtEnd > 0 ? '31' : '0', text)) + (snapshot.duration !== null ? `, ${snapshot.duration.toFixed(3)} s` : ''),
  );
  const folded = foldedSummaryWords(snapshot.folded ?? []);
  if (folded) lines.push(folded);
  for (const [note, n] of unknownForkSites) lines.push(`fork site of ${count(n, 'process', 'processes')} not known: ${note}`);
  if (snapshot.diagnostics.length > 0) {
    lines.push('');
    for (const d of snapshot.diagnostics) lines.push(renderDiagnostic(d, paint));
  }
  return lines.join('\n') + '\n';
}

/**
 * Roots (processes whose parent is not in the list), and children by parent id. Past
 * maxChildren a parent's children are only counted: only the count is printed.
 */
function treeOf<T>(processes: ProcessList<T>, maxChildren: number): { roots: T[]; children: Map<string, { shown: T[]; total: number }> } {
  const { items } = processes;
  // Each process is read once here (30,000 of them lie far apart in memory); the loop
  // after it reads this array. Ids are read only until every parent id is found.
  const parentIds: Array<string | null> = new Array(items.length);
  const inList = new Map<string, boolean>(); // parent id → is it in the list
  for (let i = 0; i < items.length; i++) {
    const parentId = (parentIds[i] = processes.parentId(items[i]));
    if (parentId !== null) inList.set(parentId, false);
  }
  let missing = inList.size;
  for (let i = 0; i < items.length && missing > 0; i++) {
    const id = processes.id(items[i]);
    if (inList.get(id) === false) {
      inList.set(id, true);
      missing--;
    }
  }
  const roots: T[] = [];
  const children = new Map<string, { shown: T[]; total: number }>();
  for (let i = 0; i < items.length; i++) {
    const p = items[i];
    const parentId = parentIds[i];
    if (parentId === null || !inList.get(parentId)) {
      roots.push(p);
      continue;
    }
    let kids = children.get(parentId);
    if (!kids) children.set(parentId, (kids = { shown: [], total: 0 }));
    if (kids.shown.length < maxChildren) kids.shown.push(p);
    kids.total++;
  }
  return { roots, children };
}

function jsonProcesses(processes: ProcessJson[]): ProcessList<ProcessJson> {
  return { items: processes, id: (p) => p.id, parentId: (p) => p.parentId, json: (p) => p };
}

/** One line per process, built from the shared words in their brief forms. */
function describe(p: ProcessJson, paint: (code: string, text: string) => string): string {
  const parts = [paint('1', String(p.pid)), p.command];
  const lifetime = formatLifetime(p);
  if (lifetime) parts.push(lifetime);
  parts.push(exitWords(p.exit));
  if (p.untraced) parts.push(paint('2', 'untraced'));
  if (p.threads > 1) parts.push(count(p.threads, 'thread'));
  const zombie = zombieBrief(p);
  if (zombie) parts.push(p.state === 'zombie' ? paint('31;1', zombie) : zombie);
  if (p.reaped) parts.push(reapBrief(p.reaped));
  for (const a of p.adoptedBy) parts.push(paint('33', describeAdoption(a)));
  if (p.forkSite) parts.push(`forked at ${p.forkSite.file}:${p.forkSite.line}`);
  return parts.join('  ');
}

export function renderDiagnostic(d: DiagnosticJson, paint: (code: string, text: string) => string = (_c, t) => t): string {
  const color = d.severity === 'error' ? '31;1' : d.severity === 'warning' ? '33;1' : '36';
  const where = d.location ? formatLocation(d.location) : `no source location${d.locationNote ? `: ${d.locationNote}` : ''}`;
  return `${paint(color, `${d.severity} ${d.kind}`)}  ${where}\n  ${d.message}`;
}
