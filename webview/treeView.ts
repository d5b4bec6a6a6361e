// The process tree's rows. Small traces put every row in the DOM; large ones render
// only the rows in view (plus the focused one, so Tab still reaches the tree), reusing
// row elements as the view scrolls. Each row carries data-id, data-pid and data-state:
// end-to-end tests and users' automation rely on them. A folded group's row carries
// data-id (the group's), data-folded and data-count instead of a pid and a state.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import type { FoldedGroupJson, ProcessJson } from '../src/shared/schema';
import { BEFORE_THE_TRACE, describeAdoption, describeBefore, foldedExitsWords, foldedGroupWords, foldedZombieWords, formatLifetime } from '../src/shared/words';
import { el, setAttr, setText } from './dom';
import type { FlatTree, TreeRow } from './tree';

export const ROW_HEIGHT = 22;
/** Up to this many rows, all are in the DOM (a find-in-page or a test sees them all). */
export const RENDER_ALL_LIMIT = 500;
const OVERSCAN = 10;
const INDENT_PX = 12;
const MAX_INDENT_LEVELS = 40;
const MAX_SPARE_ROWS = 100;

export interface TreeViewEvents {
  /** A row was clicked (not its twisty). */
  rowClick(id: string): void;
  toggle(id: string): void;
  keydown(event: KeyboardEvent): void;
  scrolled(): void;
}

interface RowElement {
  root: HTMLDivElement;
  twisty: HTMLSpanElement;
  pid: HTMLSpanElement;
  command: HTMLSpanElement;
  lifetime: HTMLSpanElement;
  adopted: HTMLSpanElement;
  /** "before": it was there when an attached trace began. */
  before: HTMLSpanElement;
  badge: HTMLElement;
  /** What it shows now: rebinding is skipped when nothing changed. */
  process: ProcessJson | FoldedGroupJson | null;
  row: TreeRow | null;
  index: number;
  selected: boolean;
  active: boolean;
}

export class TreeView {
  readonly viewport: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly empty: HTMLDivElement;
  private readonly live = new Map<string, RowElement>();
  private readonly free: RowElement[] = [];
  /** The viewport's height, from the resize observer. */
  private height = 0;
  private top = 0;
  private contentHeight = -1;

  constructor(parent: HTMLElement, events: TreeViewEvents) {
    this.viewport = el('div', 'ft-tree-viewport');
    this.viewport.setAttribute('role', 'tree');
    this.viewport.setAttribute('aria-label', 'Process tree');
    // Focus lands here when the focused row scrolls out and its element is reused.
    this.viewport.tabIndex = -1;
    this.spacer = el('div', 'ft-tree-spacer');
    this.empty = el('div', 'ft-empty');
    this.viewport.append(this.spacer, this.empty);
    parent.append(this.viewport);

    this.viewport.addEventListener(
      'scroll',
      () => {
        this.top = this.viewport.scrollTop;
        events.scrolled();
      },
      { passive: true },
    );
    this.viewport.addEventListener('keydown', (e) => events.keydown(e));
    this.viewport.addEventListener('click', (e) => {
      const target = e.target instanceof Element ? e.target : null;
      const rowNode = target?.closest<HTMLElement>('.ft-row');
      const id = rowNode?.dataset.id;
      if (!id) return;
      if (target?.closest('.ft-twisty')) events.toggle(id);
      else events.rowClick(id);
    });
    new ResizeObserver((entries) => {
      this.height = Math.round(entries[entries.length - 1]!.contentRect.height);
      events.scrolled();
    }).observe(this.viewport);
  }

  /**
   * Where the view is scrolled to, as of the last scroll event or programmatic scroll:
   * reading the element's scrollTop after the rows changed would force a layout.
   */
  get scrollTop(): number {
    return this.top;
  }

  private setScrollTop(value: number): void {
    const max = Math.max(0, this.contentHeight - this.viewportHeight);
    this.top = Math.min(Math.max(0, Math.round(value)), max);
    this.viewport.scrollTop = this.top;
  }

  get viewportHeight(): number {
    return this.height;
  }

  scrollBy(dy: number): void {
    this.setScrollTop(this.top + dy);
  }

  scrollToTop(): void {
    this.setScrollTop(0);
  }

  /** Scrolls the least needed to show row `index` (or centres it). */
  ensureVisible(index: number, center = false): void {
    const top = index * ROW_HEIGHT;
    const height = this.viewportHeight;
    if (center) {
      this.setScrollTop(top - (height - ROW_HEIGHT) / 2);
    } else if (top < this.top) {
      this.setScrollTop(top);
    } else if (top + ROW_HEIGHT > this.top + height) {
      this.setScrollTop(top + ROW_HEIGHT - height);
    }
  }

  /** The first and one-past-last row index drawn for the current scroll position. */
  visibleRange(rowCount: number): [number, number] {
    if (rowCount <= RENDER_ALL_LIMIT) return [0, rowCount];
    const top = this.top;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(rowCount, Math.ceil((top + this.viewportHeight) / ROW_HEIGHT) + OVERSCAN);
    return [first, last];
  }

  focusRow(id: string): void {
    this.live.get(id)?.root.focus({ preventScroll: true });
  }

  /** True when keyboard focus is on one of the rows (or the tree). */
  hasFocus(): boolean {
    const active = document.activeElement;
    return active !== null && this.viewport.contains(active);
  }

  render(
    flat: FlatTree,
    lookup: (id: string) => ProcessJson | FoldedGroupJson | undefined,
    selectedId: string | null,
    activeId: string | null,
    emptyText: string,
  ): void {
    const rows = flat.rows;
    const height = rows.length * ROW_HEIGHT;
    if (height !== this.contentHeight) {
      this.contentHeight = height;
      this.spacer.style.height = `${height}px`;
      // A shorter list clamps the scroll position; the scroll event would come a frame late.
      if (this.top > Math.max(0, height - this.viewportHeight)) this.setScrollTop(this.top);
    }
    setText(this.empty, rows.length === 0 ? emptyText : '');
    this.empty.hidden = rows.length === 0 ? false : true;

    const [first, last] = this.visibleRange(rows.length);
    const wanted = new Map<string, number>();
    for (let i = first; i < last; i++) wanted.set(rows[i]!.id, i);
    const activeIndex = activeId === null ? undefined : flat.indexOf.get(activeId);
    if (activeId !== null && activeIndex !== undefined) wanted.set(activeId, activeIndex);

    // Rows that left the view go back to the pool, still in the DOM: while scrolling, the
    // row leaving at one end is the row entering at the other, rebound in place.
    for (const [id, row] of this.live) {
      if (wanted.has(id)) continue;
      if (row.root === document.activeElement) this.viewport.focus({ preventScroll: true });
      this.live.delete(id);
      row.process = null;
      row.row = null;
      delete row.root.dataset.id;
      this.free.push(row);
    }

    // With nothing active yet, the first row takes the tab stop.
    const tabStopId = activeIndex !== undefined ? activeId : (rows[first]?.id ?? null);
    for (const [id, index] of wanted) {
      const process = lookup(id);
      if (!process) continue;
      let row = this.live.get(id);
      if (!row) {
        row = this.free.pop();
        if (row) {
          if (row.root.hidden) {
            row.root.hidden = false;
            row.root.classList.replace('ft-spare', 'ft-row');
            row.root.setAttribute('role', 'treeitem');
          }
        } else {
          row = this.createRow();
          this.spacer.append(row.root);
        }
        this.live.set(id, row);
      }
      this.bind(row, process, rows[index]!, index, rows.length, id === selectedId, id === tabStopId);
    }
    // What the view did not need: hidden, and beyond a screenful dropped. A spare is no
    // .ft-row, no treeitem and has no data-* attributes: no query finds a stale process.
    while (this.free.length > MAX_SPARE_ROWS) this.free.pop()!.root.remove();
    for (const row of this.free) {
      if (row.root.hidden) continue;
      row.root.hidden = true;
      row.root.classList.replace('ft-row', 'ft-spare');
      row.root.removeAttribute('role');
      delete row.root.dataset.pid;
      delete row.root.dataset.state;
      delete row.root.dataset.before;
      delete row.root.dataset.folded;
      delete row.root.dataset.count;
    }
  }

  private createRow(): RowElement {
    const root = el('div', 'ft-row');
    root.setAttribute('role', 'treeitem');
    root.tabIndex = -1;
    root.setAttribute('aria-selected', 'false');
    const twisty = el('span', 'ft-twisty');
    twisty.setAttribute('aria-hidden', 'true');
    const pid = el('span', 'ft-pid');
    const command = el('span', 'ft-command');
    const lifetime = el('span', 'ft-lifetime');
    const adopted = el('span', 'ft-adopted', 'adopted');
    adopted.hidden = true;
    const before = el('span', 'ft-before', 'before');
    before.hidden = true;
    const badge = document.createElement('vscode-badge');
    badge.className = 'ft-state';
    root.append(twisty, pid, command, lifetime, before, adopted, badge);
    return { root, twisty, pid, command, lifetime, adopted, before, badge, process: null, row: null, index: -1, selected: false, active: false };
  }

  private bind(row: RowElement, item: ProcessJson | FoldedGroupJson, treeRow: TreeRow, index: number, count: number, selected: boolean, active: boolean): void {
    const root = row.root;
    if (row.index !== index) {
      root.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
      setAttr(root, 'aria-posinset', String(index + 1));
      row.index = index;
    }
    setAttr(root, 'aria-setsize', String(count));
    if (row.process !== item && 'exits' in item) {
      this.bindFolded(row, item);
    } else if (row.process !== item && !('exits' in item)) {
      const p = item;
      delete root.dataset.folded;
      delete root.dataset.count;
      root.classList.remove('ft-folded');
      setAttr(root, 'title', null);
      root.dataset.id = p.id;
      root.dataset.pid = String(p.pid);
      root.dataset.state = p.state;
      setText(row.pid, String(p.pid));
      setText(row.command, p.command);
      setAttr(row.command, 'title', p.argv.length > 0 ? p.argv.join(' ') : p.command);
      setText(row.lifetime, formatLifetime(p));
      const orphan = p.adoptedBy.length > 0;
      row.adopted.hidden = !orphan;
      setAttr(row.adopted, 'title', orphan ? p.adoptedBy.map(describeAdoption).join('; ') : null);
      const before = p.before === true || p.zombie?.before === true;
      row.before.hidden = !before;
      setText(row.before, p.untraced ? 'untraced' : 'before');
      setAttr(row.before, 'title', before ? (describeBefore(p) ?? `a zombie ${BEFORE_THE_TRACE}`) : null);
      if (before) root.dataset.before = 'true';
      else delete root.dataset.before;
      setText(row.badge, p.state);
      row.badge.className = `ft-state ft-state-${p.state}`;
      setAttr(root, 'aria-label', `pid ${p.pid} ${p.command}, ${p.state}${before ? `, ${BEFORE_THE_TRACE}` : ''}${orphan ? ', adopted' : ''}`);
      row.process = p;
    }
    this.bindPlace(row, treeRow, selected, active);
  }

  /** A folded group: its words in place of the command (as text: nothing in them is markup), no pid. */
  private bindFolded(row: RowElement, g: FoldedGroupJson): void {
    const root = row.root;
    root.dataset.id = g.id;
    root.dataset.folded = 'true';
    root.dataset.count = String(g.count);
    delete root.dataset.pid;
    delete root.dataset.state;
    delete root.dataset.before;
    root.classList.add('ft-folded');
    const words = foldedGroupWords(g);
    setText(row.pid, '');
    setText(row.command, words);
    setAttr(row.command, 'title', null);
    setText(row.lifetime, g.first === null ? '' : `${g.first.toFixed(3)}–${g.last === null ? '?' : g.last.toFixed(3)}s`);
    row.adopted.hidden = true;
    row.before.hidden = true;
    setText(row.badge, 'folded');
    row.badge.className = 'ft-state ft-state-folded';
    setAttr(root, 'title', [words, foldedExitsWords(g), foldedZombieWords(g)].filter((x) => x).join('\n'));
    setAttr(root, 'aria-label', words);
    row.process = g;
  }

  private bindPlace(row: RowElement, treeRow: TreeRow, selected: boolean, active: boolean): void {
    const root = row.root;
    if (row.row !== treeRow) {
      const depth = Math.min(treeRow.depth, MAX_INDENT_LEVELS);
      root.style.paddingLeft = `${4 + depth * INDENT_PX}px`;
      setAttr(root, 'aria-level', String(treeRow.depth + 1));
      setAttr(root, 'aria-expanded', treeRow.hasChildren ? String(treeRow.expanded) : null);
      row.twisty.className = treeRow.hasChildren ? (treeRow.expanded ? 'ft-twisty ft-expanded' : 'ft-twisty ft-collapsed') : 'ft-twisty';
      row.row = treeRow;
    }
    if (row.selected !== selected) {
      root.classList.toggle('ft-selected', selected);
      root.setAttribute('aria-selected', String(selected));
      row.selected = selected;
    }
    if (row.active !== active) {
      root.tabIndex = active ? 0 : -1;
      row.active = active;
    }
  }
}
