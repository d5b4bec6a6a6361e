// The panel's copy of the trace: a snapshot, then deltas upserted by process id, and
// removed when the host folds them into a group (which the delta upserts too), so the
// store stays as bounded as the host's model. Pure (no DOM), so it is unit-tested under
// Node. Sized for 10,000 processes: a delta costs what it carries, not what the store holds.
import type { HostMessage } from '../src/shared/protocol';
import type { DiagnosticJson, FoldedGroupJson, ProcessJson, SnapshotJson, SummaryJson, WarningJson } from '../src/shared/schema';

export type DeltaMessage = Extract<HostMessage, { type: 'delta' }>;

const NO_IDS: readonly string[] = Object.freeze([]);
const EMPTY_SUMMARY: SummaryJson = { processes: 0, running: 0, zombiesAtEnd: 0, maxZombies: 0, orphans: 0 };

export class ProcessStore {
  origin: number | null = null;
  duration: number | null = null;
  ended = false;
  summary: SummaryJson = EMPTY_SUMMARY;
  diagnostics: DiagnosticJson[] = [];
  /** The warnings of the last snapshot; deltas only say how many there are now. */
  warnings: WarningJson[] = [];
  warningCount = 0;
  /** Bumped on every change; views compare it to know whether to redraw. */
  version = 0;
  /** Bumped when the set of processes or any process's state/adoption changes (the tree's rows may differ). */
  treeVersion = 0;

  private readonly byId = new Map<string, ProcessJson>();
  /** Ids in arrival order: the snapshot's order, then new processes as deltas bring them. */
  private readonly order: string[] = [];
  /** Children by the forking parent's id, in arrival order. A parent never changes, so lists only grow. */
  private readonly childIds = new Map<string, string[]>();
  /** Folded groups by id, and their ids by parent (a process's id, or a group's for a folded parent's children). */
  private readonly groups = new Map<string, FoldedGroupJson>();
  private readonly groupIds = new Map<string, string[]>();
  private byPid: Map<number, ProcessJson[]> | null = null;
  private diagnosticsByPid: Map<number, DiagnosticJson[]> | null = null;

  get size(): number {
    return this.order.length;
  }

  applySnapshot(snapshot: SnapshotJson): void {
    this.byId.clear();
    this.order.length = 0;
    this.childIds.clear();
    this.groups.clear();
    this.groupIds.clear();
    for (const p of snapshot.processes) this.insert(p);
    for (const g of snapshot.folded ?? []) this.upsertGroup(g);
    this.origin = snapshot.origin;
    this.duration = snapshot.duration;
    this.ended = snapshot.ended;
    this.summary = snapshot.summary;
    this.diagnostics = snapshot.diagnostics;
    this.warnings = snapshot.warnings;
    this.warningCount = snapshot.warnings.length;
    this.byPid = null;
    this.diagnosticsByPid = null;
    this.version++;
    this.treeVersion++;
  }

  /** Upserts the delta's processes by id and replaces the small parts. Returns how many processes were new. */
  applyDelta(delta: Omit<DeltaMessage, 'type'>): number {
    let added = 0;
    let treeChanged = false;
    for (const p of delta.processes) {
      const old = this.byId.get(p.id);
      if (old) {
        this.byId.set(p.id, p);
        if (old.state !== p.state || old.adoptedBy.length !== p.adoptedBy.length || old.command !== p.command) treeChanged = true;
      } else {
        this.insert(p);
        added++;
        treeChanged = true;
      }
    }
    if ((delta.removed?.length ?? 0) > 0) {
      this.remove(delta.removed);
      treeChanged = true;
    }
    for (const g of delta.folded ?? []) {
      this.upsertGroup(g);
      treeChanged = true;
    }
    // The pid index holds the old objects; rebuilt lazily when the details pane asks.
    if (delta.processes.length > 0 || (delta.removed?.length ?? 0) > 0) this.byPid = null;
    this.diagnostics = delta.diagnostics;
    this.diagnosticsByPid = null;
    this.summary = delta.summary;
    this.duration = delta.duration;
    this.ended = delta.ended;
    this.warningCount = delta.warningCount;
    this.version++;
    if (treeChanged) this.treeVersion++;
    return added;
  }

  get(id: string): ProcessJson | undefined {
    return this.byId.get(id);
  }

  /** A process or a folded group (a row of the tree) with this id. */
  has(id: string): boolean {
    return this.byId.has(id) || this.groups.has(id);
  }

  group(id: string): FoldedGroupJson | undefined {
    return this.groups.get(id);
  }

  /** The folded groups under a process (or under a group), in the order they came. */
  foldedUnder(id: string): readonly string[] {
    return this.groupIds.get(id) ?? NO_IDS;
  }

  isGroup(id: string): boolean {
    return this.groups.has(id);
  }

  /** How many folded groups the store holds. */
  get groupCount(): number {
    return this.groups.size;
  }

  /** Every process in arrival order. */
  ids(): readonly string[] {
    return this.order;
  }

  childrenOf(id: string): readonly string[] {
    return this.childIds.get(id) ?? [];
  }

  /**
   * The tree's roots: processes with no parent, or whose parent is not (yet) in the
   * store — a child must never vanish because its parent arrived later.
   */
  rootIds(): string[] {
    const roots: string[] = [];
    for (const id of this.order) {
      const parentId = this.byId.get(id)!.parentId;
      if (parentId === null || !this.byId.has(parentId)) roots.push(id);
    }
    return roots;
  }

  /** The processes that had this pid (more than one when the pid was reused), oldest first. */
  withPid(pid: number): readonly ProcessJson[] {
    if (!this.byPid) {
      this.byPid = new Map();
      for (const id of this.order) {
        const p = this.byId.get(id)!;
        const list = this.byPid.get(p.pid);
        if (list) list.push(p);
        else this.byPid.set(p.pid, [p]);
      }
    }
    return this.byPid.get(pid) ?? [];
  }

  /** The process a pid named at a given time: the one alive (or not yet reaped) then, else the latest. */
  pidAt(pid: number, time: number | null): ProcessJson | undefined {
    const list = this.withPid(pid);
    if (list.length <= 1 || time === null) return list[list.length - 1];
    for (const p of list) {
      const end = p.reaped?.time ?? p.zombie?.to ?? null;
      if ((p.start === null || p.start <= time) && (end === null || time <= end)) return p;
    }
    return list[list.length - 1];
  }

  /** The diagnostics that name this process (by pid; with pid reuse, only those whose time falls in its life). */
  diagnosticsFor(process: ProcessJson): DiagnosticJson[] {
    if (!this.diagnosticsByPid) {
      this.diagnosticsByPid = new Map();
      for (const d of this.diagnostics) {
        for (const pid of new Set(d.pids)) {
          const list = this.diagnosticsByPid.get(pid);
          if (list) list.push(d);
          else this.diagnosticsByPid.set(pid, [d]);
        }
      }
    }
    const candidates = this.diagnosticsByPid.get(process.pid) ?? [];
    if (this.withPid(process.pid).length <= 1) return candidates;
    return candidates.filter((d) => this.pidAt(process.pid, d.time) === process);
  }

  /** The whole picture as schema 2, for setState and for tests. */
  toSnapshot(): SnapshotJson {
    return {
      schema: 2,
      origin: this.origin,
      duration: this.duration,
      ended: this.ended,
      attach: null,
      processes: this.order.map((id) => this.byId.get(id)!),
      folded: [...this.groups.values()],
      diagnostics: this.diagnostics,
      summary: this.summary,
      warnings: this.warnings,
    };
  }

  /** Processes (and groups merged away) the host folded: they leave every index. */
  private remove(ids: readonly string[]): void {
    const gone = new Set<string>();
    const parents = new Set<string>();
    for (const id of ids) {
      const p = this.byId.get(id);
      if (p) {
        this.byId.delete(id);
        gone.add(id);
        if (p.parentId !== null) parents.add(p.parentId);
        continue;
      }
      const g = this.groups.get(id);
      if (g) {
        this.groups.delete(id);
        this.unlistGroup(g);
      }
    }
    if (gone.size === 0) return;
    // One pass over the order and over each parent's children, per delta, not per process.
    let w = 0;
    for (const id of this.order) if (!gone.has(id)) this.order[w++] = id;
    this.order.length = w;
    for (const parent of parents) {
      const kept = (this.childIds.get(parent) ?? []).filter((id) => !gone.has(id));
      if (kept.length > 0) this.childIds.set(parent, kept);
      else this.childIds.delete(parent);
    }
    // A folded process's own child list goes with it.
    for (const id of gone) this.childIds.delete(id);
  }

  private upsertGroup(g: FoldedGroupJson): void {
    const old = this.groups.get(g.id);
    if (old && old.parentId !== g.parentId) this.unlistGroup(old);
    this.groups.set(g.id, g);
    if (g.parentId === null || (old && old.parentId === g.parentId)) return;
    const list = this.groupIds.get(g.parentId);
    if (list) list.push(g.id);
    else this.groupIds.set(g.parentId, [g.id]);
  }

  private unlistGroup(g: FoldedGroupJson): void {
    if (g.parentId === null) return;
    const list = (this.groupIds.get(g.parentId) ?? []).filter((id) => id !== g.id);
    if (list.length > 0) this.groupIds.set(g.parentId, list);
    else this.groupIds.delete(g.parentId);
  }

  private insert(p: ProcessJson): void {
    if (this.byId.has(p.id)) {
      this.byId.set(p.id, p);
      return;
    }
    this.byId.set(p.id, p);
    this.order.push(p.id);
    if (p.parentId !== null) {
      const siblings = this.childIds.get(p.parentId);
      if (siblings) siblings.push(p.id);
      else this.childIds.set(p.parentId, [p.id]);
    }
  }
}
