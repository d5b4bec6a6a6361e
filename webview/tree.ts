// The process tree as the rows the panel shows: pre-order, children under the process
// that forked them, collapsed subtrees hidden, and — when a filter or a search is on —
// only the processes that match, each nested under its nearest matching ancestor.
// Folded groups (old reaped processes kept as counts) come last under their parent, shown
// with no filter or search only: they hold no running process, zombie or orphan. Pure (no DOM).
import type { ProcessFilter } from '../src/shared/protocol';
import type { ProcessJson } from '../src/shared/schema';

export interface TreeRow {
  id: string;
  /** Nesting in the rows shown (matching ancestors only, when filtered). */
  depth: number;
  /** It has rows under it (shown or collapsed). */
  hasChildren: boolean;
  expanded: boolean;
  /** A folded group's row, not a process's. */
  folded?: true;
}

export interface TreeQuery {
  filter: ProcessFilter;
  search: string;
  collapsed: ReadonlySet<string>;
}

export interface TreeSource {
  get(id: string): ProcessJson | undefined;
  childrenOf(id: string): readonly string[];
  rootIds(): readonly string[];
  /** Folded groups under a process or a group (absent: none). */
  foldedUnder?(id: string): readonly string[];
  /** True for a folded group's id. */
  isGroup?(id: string): boolean;
  /** How many folded groups there are (absent: none). */
  readonly groupCount?: number;
}

export interface FlatTree {
  rows: TreeRow[];
  /** Processes matching the filter and search, collapsed ones included. */
  matching: number;
  /** Row index by id, for the rows shown. */
  indexOf: Map<string, number>;
}

/** An orphan: it outlived its parent and was adopted (design §2, reparenting). */
export function isOrphan(p: ProcessJson): boolean {
  return p.adoptedBy.length > 0;
}

export function matchesFilter(p: ProcessJson, filter: ProcessFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'zombies':
      return p.state === 'zombie';
    case 'orphans':
      return isOrphan(p);
    case 'running':
      return p.state === 'running';
  }
}

/** The search box's text, ready for `matchesSearch`. */
export function normalizeSearch(text: string): string {
  return text.trim().toLowerCase();
}

/** A pid that starts with the digits typed, or a command (or argument) containing the text. */
export function matchesSearch(p: ProcessJson, needle: string): boolean {
  if (needle === '') return true;
  if (/^\d+$/.test(needle) && String(p.pid).startsWith(needle)) return true;
  if (p.id === needle) return true;
  if (p.command.toLowerCase().includes(needle)) return true;
  for (const arg of p.argv) if (arg.toLowerCase().includes(needle)) return true;
  return false;
}

export function flattenTree(source: TreeSource, query: TreeQuery): FlatTree {
  const needle = normalizeSearch(query.search);
  const everything = query.filter === 'all' && needle === '';

  // Pass 1: pre-order over the real tree, iteratively (a fork chain can be 10,000 deep).
  // Every id is some parent's child at most once, so no node is reached twice.
  const ids: string[] = [];
  const parentIndex: number[] = [];
  const match: boolean[] = [];
  const isGroup: boolean[] = [];
  const stackIds: string[] = [];
  const stackParents: number[] = [];
  const roots = source.rootIds();
  // Most traces have no folded group: then the walk is the process tree's alone.
  const foldedUnder = source.groupCount === 0 ? undefined : source.foldedUnder?.bind(source);
  for (let i = roots.length - 1; i >= 0; i--) {
    stackIds.push(roots[i]!);
    stackParents.push(-1);
  }
  while (stackIds.length > 0) {
    const id = stackIds.pop()!;
    const parent = stackParents.pop()!;
    const p = source.get(id);
    const group = !p && foldedUnder !== undefined && source.isGroup?.(id) === true;
    if (!p && !group) continue;
    const me = ids.length;
    ids.push(id);
    parentIndex.push(parent);
    isGroup.push(group);
    match.push(everything || (p !== undefined && matchesFilter(p, query.filter) && matchesSearch(p, needle)));
    // Pushed in reverse: the groups are popped after the children, so they come last.
    const folded = foldedUnder?.(id);
    if (folded) {
      for (let c = folded.length - 1; c >= 0; c--) {
        stackIds.push(folded[c]!);
        stackParents.push(me);
      }
    }
    if (group) continue;
    const children = source.childrenOf(id);
    for (let c = children.length - 1; c >= 0; c--) {
      stackIds.push(children[c]!);
      stackParents.push(me);
    }
  }

  const n = ids.length;
  // Pass 2, backwards: does a node have a matching node below it?
  const matchBelow = new Uint8Array(n);
  for (let i = n - 1; i > 0; i--) {
    const parent = parentIndex[i]!;
    if (parent >= 0 && (match[i] || matchBelow[i])) matchBelow[parent] = 1;
  }

  // Pass 3, forwards: nearest matching ancestor gives the depth; a collapsed one hides.
  const nearest = new Int32Array(n);
  const depth = new Int32Array(n);
  const hidden = new Uint8Array(n);
  const rows: TreeRow[] = [];
  const indexOf = new Map<string, number>();
  let matching = 0;
  for (let i = 0; i < n; i++) {
    const parent = parentIndex[i]!;
    const anc = parent < 0 ? -1 : match[parent] ? parent : nearest[parent]!;
    nearest[i] = anc;
    if (anc >= 0) {
      depth[i] = depth[anc]! + 1;
      hidden[i] = hidden[anc] === 1 || query.collapsed.has(ids[anc]!) ? 1 : 0;
    }
    if (!match[i]) continue;
    matching++;
    if (hidden[i]) continue;
    const id = ids[i]!;
    indexOf.set(id, rows.length);
    const row: TreeRow = { id, depth: depth[i]!, hasChildren: matchBelow[i] === 1, expanded: !query.collapsed.has(id) };
    if (isGroup[i]) row.folded = true;
    rows.push(row);
  }
  return { rows, matching, indexOf };
}

/** The ids from the root down to `id` (excluded), following the forking parents. */
export function ancestorsOf(source: TreeSource, id: string): string[] {
  const chain: string[] = [];
  const seen = new Set<string>([id]);
  let p = source.get(id);
  while (p && p.parentId !== null && !seen.has(p.parentId)) {
    const parent = source.get(p.parentId);
    if (!parent) break;
    seen.add(parent.id);
    chain.push(parent.id);
    p = parent;
  }
  return chain.reverse();
}
