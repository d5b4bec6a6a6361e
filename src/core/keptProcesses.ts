// The model's list of processes kept in full detail, in the order they appeared. Folded
// processes leave it lazily: the list is compacted when they are as many as the kept
// ones, or when someone reads it, so folding costs amortised O(1) per process.
import type { ChangedProcesses, ProcessNode } from './processNode';

export class KeptProcesses {
  private readonly list: ProcessNode[] = [];
  /** Folded processes still in `list`. */
  private foldedInList = 0;
  /** Processes ever added: the next one's serial. */
  private created = 0;

  constructor(private readonly changes: ChangedProcesses) {}

  /** Every kept process, in the order they appeared (compacted first). */
  get all(): ProcessNode[] {
    if (this.foldedInList > 0) this.compact();
    return this.list;
  }

  /** Processes ever added, those folded since included. */
  get everAdded(): number {
    return this.created;
  }

  /** Kept processes now, without compacting. */
  get size(): number {
    return this.list.length - this.foldedInList;
  }

  /** The first process, which is never folded (it has no parent in the trace). */
  get first(): ProcessNode | undefined {
    return this.list[0];
  }

  add(proc: ProcessNode): void {
    proc.serial = ++this.created;
    this.list.push(proc);
  }

  /** `proc` was folded: it leaves the list at the next compaction. */
  folded(): void {
    this.foldedInList++;
    if (this.foldedInList > 1024 && this.foldedInList * 2 > this.list.length) this.compact();
  }

  private compact(): void {
    let w = 0;
    for (const p of this.list) if (!p.folded) this.list[w++] = p;
    this.list.length = w;
    this.foldedInList = 0;
    this.changes.dropFolded();
  }
}
