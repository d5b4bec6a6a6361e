// The panel's copy of the trace: a snapshot, then deltas upserted by process id.
// Pure (no DOM), so it is unit-tested under Node. Sized for 10,000 processes: a
// delta costs what it carries, not what the store holds.
import type { HostMessage } from '../src/shared/protocol';
import type { DiagnosticJson, ProcessJson, SnapshotJson, SummaryJson, WarningJson } from '../src/shared/schema';

export type DeltaMessage = Extract<HostMessage, { type: 'delta' }>;

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
  private byPid: Map<number, ProcessJson[]> | null = null;
  private diagnosticsByPid: Map<number, DiagnosticJson[]> | null = null;

  get size(): number {
    return this.order.length;
  }

  applySnapshot(snapshot: SnapshotJson): void {
    this.byId.clear();
    this.order.length = 0;
    this.childIds.clear();
    for (const p of snapshot.processes) this.insert(p);
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
    // The pid index holds the old objects; rebuilt lazily when the details pane asks.
    if (delta.processes.length > 0) this.byPid = null;
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

  has(id: string): boolean {
    return this.byId.has(id);
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
      folded: [],
      diagnostics: this.diagnostics,
      summary: this.summary,
      warnings: this.warnings,
    };
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
