// Folding: how a long live trace keeps flat memory. Full detail stays for what a user
// looks at (processes alive now, zombies, orphans, every process named in a finding, and
// the most recent `keepReaped` reaped ones); older uneventful reaped processes become
// numbers in a FoldedGroup per parent and fork site. Counts stay exact. A folded process
// is released everywhere the model held it, so memory no longer grows with the trace.
import { DurationSketch } from './durationSketch';
import type { SiteLocator } from './findings/context';
import type { ProcessNode } from './processNode';
import type { Seconds } from './events';
import type { FoldedGroupJson, SourceLocation } from '../shared/schema';

/** The default of forkTrace.keepReaped and of `forktrace trace --keep`. */
export const DEFAULT_KEEP_REAPED = 2000;

/** What folding asks of the model: the findings' records and a way to forget a process. */
export interface FoldHost {
  readonly lingerThreshold: number;
  /** True when the process is named in a finding the model has recorded (or is its subject). */
  inFinding(p: ProcessNode): boolean;
  /** Drops every reference the model holds to a folded process. */
  release(p: ProcessNode): void;
}

/** Reaped processes of one parent, made at one fork site, kept as numbers. */
export class FoldedGroup {
  count = 0;
  readonly exits = new Map<string, { code: number | null; signal: string | null; count: number }>();
  readonly zombieTime = new DurationSketch();
  first: Seconds = Infinity;
  last: Seconds = -Infinity;

  constructor(
    readonly id: string,
    /** A kept process; or the group its parent was folded into (then those are grandchildren of the group's parent). */
    public parent: ProcessNode | FoldedGroup,
    readonly siteKey: string,
    readonly forkSite: SourceLocation | null,
  ) {}

  add(p: ProcessNode): void {
    this.count++;
    const code = p.exit?.code ?? null;
    const signal = p.exit?.signal ?? null;
    const key = `${code}\u0000${signal}`;
    const known = this.exits.get(key);
    if (known) known.count++;
    else this.exits.set(key, { code, signal, count: 1 });
    if (p.exit && p.reaped) this.zombieTime.add(p.reaped.time - p.exit.time);
    if (Number.isFinite(p.start) && p.start < this.first) this.first = p.start;
    const end = p.reaped?.time ?? NaN;
    if (Number.isFinite(end) && end > this.last) this.last = end;
  }

  merge(other: FoldedGroup): void {
    this.count += other.count;
    for (const [key, e] of other.exits) {
      const known = this.exits.get(key);
      if (known) known.count += e.count;
      else this.exits.set(key, { ...e });
    }
    this.zombieTime.merge(other.zombieTime);
    this.first = Math.min(this.first, other.first);
    this.last = Math.max(this.last, other.last);
  }

  json(rel: (t: number) => number | null): FoldedGroupJson {
    const parent = this.parent;
    const isGroup = parent instanceof FoldedGroup;
    const z = this.zombieTime.summary();
    const micro = (t: number): number => Math.round(t * 1e6) / 1e6;
    return {
      id: this.id,
      parentId: parent.id,
      parentPid: isGroup ? null : parent.pid,
      forkSite: this.forkSite,
      count: this.count,
      exits: [...this.exits.values()].map((e) => ({ ...e })).sort((a, b) => b.count - a.count),
      zombieTime: z && { min: micro(z.min), median: micro(z.median), p99: micro(z.p99), max: micro(z.max) },
      first: Number.isFinite(this.first) ? rel(this.first) : null,
      last: Number.isFinite(this.last) ? rel(this.last) : null,
    };
  }
}

type GroupParent = ProcessNode | FoldedGroup;

export class Folding {
  /** Processes folded so far: summary.processes counts them with the kept ones. */
  foldedCount = 0;
  /** Reaped processes in the order they were reaped, oldest first, from `head`. */
  private queue: Array<ProcessNode | undefined> = [];
  private head = 0;
  /** The groups under each parent (a kept process or a group), by fork site. */
  private readonly byParent = new Map<GroupParent, Map<string, FoldedGroup>>();
  private nextId = 1;
  /** For deltas: set once a view takes them, so a trace nobody watches keeps no list. */
  private tracking = false;
  private removed: string[] = [];
  private changed = new Set<FoldedGroup>();

  constructor(
    /** Reaped processes kept in full detail; Infinity: fold nothing. */
    readonly keepReaped: number,
    private readonly locate: SiteLocator | null,
  ) {}

  get enabled(): boolean {
    return Number.isFinite(this.keepReaped);
  }

  /** Every group now. */
  get groups(): FoldedGroup[] {
    const out: FoldedGroup[] = [];
    for (const m of this.byParent.values()) for (const g of m.values()) out.push(g);
    return out;
  }

  /** A process was reaped by its parent (a wait, or the kernel at once): it may be folded once it is old. */
  reaped(p: ProcessNode): void {
    if (this.enabled) this.queue.push(p);
  }

  /** More reaped processes are waiting than the bound keeps. */
  get due(): boolean {
    return this.queue.length - this.head > this.keepReaped;
  }

  /** Folds the oldest reaped processes beyond the bound (those that may be folded). */
  settle(host: FoldHost): void {
    while (this.queue.length - this.head > this.keepReaped) {
      const p = this.queue[this.head];
      this.queue[this.head++] = undefined;
      if (p && this.foldable(p, host)) this.fold(p, host);
    }
    // The queue's consumed front is dropped now and then: amortised O(1) per process.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Removed ids and changed groups since the last call (for a live view's delta). */
  take(): { removed: string[]; groups: FoldedGroup[] } {
    this.tracking = true;
    const out = { removed: this.removed, groups: [...this.changed] };
    this.removed = [];
    this.changed = new Set();
    return out;
  }

  /**
   * Uneventful: reaped by its own parent, seen, never adopted, in no finding, not a
   * subreaper others were left to, with no child kept in detail (so no kept process
   * names it as its parent, its reaper or its former parent).
   */
  private foldable(p: ProcessNode, host: FoldHost): boolean {
    const r = p.reaped;
    if (p.folded || !r || !r.seen || (r.how !== 'wait' && r.how !== 'auto') || !p.exit) return false;
    const parent = p.parent;
    if (!parent || r.by !== parent || parent.folded) return false;
    // What an attach found there stays in detail: only it says what was there before.
    if (p.adoptions.length > 0 || p.subreaper || p.unfoldedChildren > 0 || p.before !== null) return false;
    // zombie-lingering names it; so would any other finding.
    if (r.time - p.exit.time > host.lingerThreshold) return false;
    return !host.inFinding(p);
  }

  private fold(p: ProcessNode, host: FoldHost): void {
    const parent = p.parent!;
    const location = p.forkSite && this.locate ? this.locate(p.forkSite, 'fork').location : null;
    const group = this.groupUnder(parent, location);
    group.add(p);
    // Its own folded children go with it: under its group, as the group's grandchildren.
    this.moveGroups(p, group);
    parent.unfoldedChildren--;
    p.folded = true;
    // The next fork's site chains back to this one (CallSite.after); its site is resolved
    // now, so the chain behind it is not needed and must not keep every older fork alive.
    if (p.forkSite) p.forkSite.after = null;
    host.release(p);
    this.foldedCount++;
    if (this.tracking) {
      this.removed.push(p.id);
      this.changed.add(group);
    }
  }

  private groupUnder(parent: GroupParent, location: SourceLocation | null): FoldedGroup {
    const key = location ? `${location.file}:${location.line}` : '';
    let sites = this.byParent.get(parent);
    if (!sites) this.byParent.set(parent, (sites = new Map()));
    let group = sites.get(key);
    if (!group) sites.set(key, (group = new FoldedGroup(`folded-${this.nextId++}`, parent, key, location)));
    return group;
  }

  /** The groups under `from` (a process just folded, or a group merged away) go under `to`, merged by site. */
  private moveGroups(from: GroupParent, to: FoldedGroup): void {
    const sites = this.byParent.get(from);
    if (!sites) return;
    this.byParent.delete(from);
    for (const child of sites.values()) {
      const target = this.byParent.get(to)?.get(child.siteKey);
      if (!target) {
        child.parent = to;
        let under = this.byParent.get(to);
        if (!under) this.byParent.set(to, (under = new Map()));
        under.set(child.siteKey, child);
        if (this.tracking) this.changed.add(child);
        continue;
      }
      target.merge(child);
      this.moveGroups(child, target);
      if (this.tracking) {
        this.changed.delete(child);
        this.removed.push(child.id);
        this.changed.add(target);
      }
    }
  }
}
