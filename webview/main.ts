// The fork-tree panel's page. It says `ready`, renders the host's `snapshot`, applies
// `delta`s as they come, and keeps the last picture in the webview state so a reload
// shows it at once. All drawing happens in one requestAnimationFrame, and only for
// what changed.
import './style.css';
import { assertNever, type HostMessage, type ProcessFilter, type TraceInfo, type WebviewMessage, type WebviewState } from '../src/shared/protocol';
import { Comparison } from './compare';
import { renderDetails } from './details';
import { el, isTyping } from './dom';
import { Header, SummaryLine, Toolbar } from './header';
import { saveDelay } from './persist';
import { ProcessStore } from './store';
import { Timeline, ZOOM_STEP } from './timeline';
import { ancestorsOf, flattenTree, matchesFilter, matchesSearch, normalizeSearch, type FlatTree } from './tree';
import { ROW_HEIGHT, TreeView } from './treeView';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const HOST_MESSAGE_TYPES: ReadonlySet<string> = new Set<HostMessage['type']>(['snapshot', 'delta', 'trace', 'reveal']);
const FILTERS: ReadonlySet<string> = new Set<ProcessFilter>(['all', 'zombies', 'orphans', 'running']);
/** Saving 10,000 processes costs tens of milliseconds: not on every 100 ms delta. */
const SAVE_DELAY_MS = 1000;

function isHostMessage(data: unknown): data is HostMessage {
  return typeof data === 'object' && data !== null && HOST_MESSAGE_TYPES.has((data as { type?: unknown }).type as string);
}

class App {
  private readonly store = new ProcessStore();
  private trace: TraceInfo | null = null;
  private filter: ProcessFilter = 'all';
  private search = '';
  private selectedId: string | null = null;
  private readonly collapsed = new Set<string>();
  private collapsedVersion = 0;
  /** False until this page load has had a snapshot: deltas need one to apply to. */
  private live = false;

  private flat: FlatTree = { rows: [], matching: 0, indexOf: new Map() };
  private flatKey = '';
  private frameRequested = false;
  private detailsKey: unknown[] = [];
  private chromeKey: unknown[] = [];
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the last save took (see saveDelay). */
  private lastSaveMs = 0;

  private readonly header: Header;
  private readonly summary: SummaryLine;
  private readonly comparison: Comparison;
  private readonly toolbar: Toolbar;
  private readonly tree: TreeView;
  private readonly timeline: Timeline;
  private readonly details: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly vscode: VsCodeApi,
  ) {
    root.classList.add('ft-app');
    this.header = new Header(root, {
      stop: () => this.post({ type: 'stop' }),
      traceAgain: () => this.post({ type: 'traceAgain' }),
    });
    this.summary = new SummaryLine(root);
    this.comparison = new Comparison(root);
    this.toolbar = new Toolbar(root, {
      filter: (filter) => this.setQuery(filter, this.search),
      search: (text) => this.setQuery(this.filter, text),
      leaveSearch: () => this.focusTree(),
      zoomIn: () => this.timeline.zoom(1 / ZOOM_STEP),
      zoomOut: () => this.timeline.zoom(ZOOM_STEP),
      fit: () => this.timeline.fitAll(),
      follow: () => this.timeline.setFollowing(true),
    });

    const main = el('div', 'ft-main');
    const treeColumn = el('div', 'ft-tree-column');
    const treeHead = el('div', 'ft-tree-head');
    treeHead.append(
      el('span', 'ft-pid', 'pid'),
      el('span', 'ft-command', 'command'),
      el('span', 'ft-lifetime', 'lifetime'),
      el('span', 'ft-state-head', 'state'),
    );
    treeHead.setAttribute('aria-hidden', 'true');
    treeColumn.append(treeHead);
    this.tree = new TreeView(treeColumn, {
      rowClick: (id) => this.onRowClick(id),
      toggle: (id) => this.toggle(id),
      keydown: (e) => this.onTreeKey(e),
      scrolled: () => {
        this.timeline.invalidate();
        this.requestFrame();
      },
    });
    const timelineColumn = el('div', 'ft-timeline');
    main.append(treeColumn, timelineColumn);
    this.timeline = new Timeline(timelineColumn, {
      rowCount: () => this.flat.rows.length,
      processAt: (i) => {
        const row = this.flat.rows[i];
        return row ? this.store.get(row.id) : undefined;
      },
      scrollTop: () => this.tree.scrollTop,
      viewportHeight: () => this.tree.viewportHeight,
      scrollBy: (dy) => this.tree.scrollBy(dy),
      duration: () => this.store.duration,
      live: () => this.trace?.status === 'running' && !this.store.ended,
      selectedId: () => this.selectedId,
      select: (id) => this.select(id),
      changed: () => this.requestFrame(),
      followChanged: () => this.requestFrame(),
    });
    this.details = el('section', 'ft-details');
    this.details.setAttribute('aria-label', 'Process details');
    root.append(main, this.details);

    document.addEventListener('keydown', (e) => this.onGlobalKey(e));
    window.addEventListener('message', (e: MessageEvent<unknown>) => {
      if (isHostMessage(e.data)) this.receive(e.data);
    });
  }

  /** A reload: show the last picture at once, before the host answers `ready`. */
  restore(state: WebviewState | undefined): void {
    if (!state) return;
    if (state.snapshot) this.store.applySnapshot(state.snapshot);
    this.trace = state.trace;
    this.filter = FILTERS.has(state.filter) ? state.filter : 'all';
    this.search = typeof state.search === 'string' ? state.search : '';
    this.selectedId = state.selectedId;
    this.toolbar.setFilter(this.filter);
    this.toolbar.setSearch(this.search);
    this.renderNow();
    if (this.selectedId !== null) {
      const index = this.flat.indexOf.get(this.selectedId);
      if (index !== undefined) this.tree.ensureVisible(index, true);
    }
  }

  receive(message: HostMessage): void {
    switch (message.type) {
      case 'snapshot': {
        const newTrace = this.store.size === 0 || message.snapshot.origin !== this.store.origin;
        this.store.applySnapshot(message.snapshot);
        this.trace = message.trace;
        this.live = true;
        if (newTrace) {
          this.collapsed.clear();
          this.timeline.reset();
        }
        if (this.selectedId !== null && !this.store.has(this.selectedId)) this.selectedId = null;
        this.changed(SAVE_DELAY_MS);
        break;
      }
      case 'delta':
        // Deltas continue the snapshot this page was sent; a restored picture is not it.
        if (!this.live) return;
        this.store.applyDelta(message);
        this.changed(this.store.ended ? 0 : SAVE_DELAY_MS);
        break;
      case 'trace':
        this.trace = message.trace;
        this.changed(0);
        break;
      case 'reveal':
        this.reveal(message.id);
        break;
      default:
        assertNever(message);
    }
  }

  private post(message: WebviewMessage): void {
    this.vscode.postMessage(message);
  }

  private changed(saveDelay: number): void {
    this.timeline.invalidate();
    this.requestFrame();
    this.scheduleSave(saveDelay);
  }

  private scheduleSave(delay: number): void {
    if (this.saveTimer !== undefined) {
      if (delay > 0) return; // one is pending; it will save the newest state
      clearTimeout(this.saveTimer);
    }
    this.saveTimer = setTimeout(
      () => {
        this.saveTimer = undefined;
        const started = performance.now();
        this.vscode.setState({
          snapshot: this.store.size > 0 || this.live ? this.store.toSnapshot() : null,
          trace: this.trace,
          selectedId: this.selectedId,
          filter: this.filter,
          search: this.search,
        });
        this.lastSaveMs = performance.now() - started;
      },
      saveDelay(delay, this.lastSaveMs),
    );
  }

  private requestFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.renderNow();
    });
  }

  /** Brings every part up to date now (a frame does this; keyboard moves can't wait for one). */
  private renderNow(): void {
    const key = `${this.store.treeVersion}|${this.filter}|${this.search}|${this.collapsedVersion}`;
    if (key !== this.flatKey) {
      this.flat = flattenTree(this.store, { filter: this.filter, search: this.search, collapsed: this.collapsed });
      this.flatKey = key;
      this.timeline.invalidate();
    }
    // The header, summary and toolbar change with the data, not with scrolling.
    const chromeKey = [this.store.version, this.trace, this.flat, this.timeline.isFollowing, this.live];
    if (chromeKey.some((v, i) => v !== this.chromeKey[i])) {
      this.chromeKey = chromeKey;
      const live = this.trace?.status === 'running' && !this.store.ended;
      this.header.update(this.trace, this.live);
      const summary = this.store.size > 0 || this.live ? this.store.summary : null;
      this.summary.update(summary, this.store.duration, this.flat.rows.length, this.flat.matching);
      this.comparison.update(this.trace, summary ? { summary, diagnostics: this.store.diagnostics } : null);
      this.toolbar.setCounts(summary);
      this.toolbar.setFollow(live, this.timeline.isFollowing);
    }
    this.tree.render(this.flat, (id) => this.store.get(id) ?? this.store.group(id), this.selectedId, this.activeId(), this.emptyText());
    this.timeline.drawIfDirty();

    const selected = this.selectedId === null ? null : (this.store.get(this.selectedId) ?? null);
    // Rebuilt only when what it shows changed (deltas replace every diagnostic 10 times a
    // second; rebuilding then would drop the user's text selection), and once a second
    // for an open zombie interval's "so far".
    const findings = selected ? JSON.stringify(this.store.diagnosticsFor(selected)) : '';
    const tick = selected?.state === 'zombie' ? Math.floor(this.store.duration ?? 0) : 0;
    const precisely = this.trace?.canTracePrecisely === true;
    const detailsKey = [selected, findings, tick, this.store.warningCount, this.store.size > 0, precisely];
    if (detailsKey.some((v, i) => v !== this.detailsKey[i])) {
      this.detailsKey = detailsKey;
      renderDetails(this.details, this.store, selected, {
        open: (id) => this.post({ type: 'openProcess', id }),
        select: (id) => this.select(id, true),
        tracePrecisely: precisely ? () => this.post({ type: 'tracePrecisely' }) : null,
        applyFix: (d) => this.post({ type: 'applyFix', kind: d.kind, pid: d.pids[0] ?? 0, time: d.time }),
      });
    }
  }

  private emptyText(): string {
    if (!this.live && this.store.size === 0) return 'Waiting for the trace…';
    if (this.store.size === 0) return 'No processes yet.';
    return 'No process matches the filter and search.';
  }

  /** The row that holds the tree's tab stop: the selection if shown, else none (the first row). */
  private activeId(): string | null {
    return this.selectedId !== null && this.flat.indexOf.has(this.selectedId) ? this.selectedId : null;
  }

  private setQuery(filter: ProcessFilter, search: string): void {
    if (filter === this.filter && search === this.search) return;
    this.filter = filter;
    this.search = search;
    this.toolbar.setFilter(filter);
    this.tree.scrollToTop();
    this.requestFrame();
    this.scheduleSave(SAVE_DELAY_MS);
  }

  select(id: string, scrollTo = false): void {
    if (!this.store.has(id)) return;
    if (this.selectedId !== id) {
      this.selectedId = id;
      this.timeline.invalidate();
      this.scheduleSave(SAVE_DELAY_MS);
    }
    if (scrollTo) {
      this.renderNow();
      const index = this.flat.indexOf.get(id);
      if (index !== undefined) this.tree.ensureVisible(index, true);
    }
    this.requestFrame();
  }

  private reveal(id: string): void {
    const p = this.store.get(id);
    if (!p) return;
    // Make it visible: open its ancestors, and drop a filter or search that hides it.
    for (const ancestor of ancestorsOf(this.store, id)) if (this.collapsed.delete(ancestor)) this.collapsedVersion++;
    if (!matchesFilter(p, this.filter) || !matchesSearch(p, normalizeSearch(this.search))) {
      this.setQuery('all', '');
      this.toolbar.setSearch('');
    }
    this.select(id, true);
  }

  private toggle(id: string, expand?: boolean): void {
    const isCollapsed = this.collapsed.has(id);
    const collapse = expand === undefined ? !isCollapsed : !expand;
    if (collapse === isCollapsed) return;
    if (collapse) this.collapsed.add(id);
    else this.collapsed.delete(id);
    this.collapsedVersion++;
    this.requestFrame();
  }

  private onRowClick(id: string): void {
    this.select(id);
    this.tree.focusRow(id);
    // A zombie's row is a way to its fix: open where the missing wait belongs.
    if (this.store.get(id)?.state === 'zombie') this.post({ type: 'openProcess', id });
  }

  private onTreeKey(e: KeyboardEvent): void {
    const rows = this.flat.rows;
    if (rows.length === 0) return;
    const current = this.selectedId !== null ? this.flat.indexOf.get(this.selectedId) : undefined;
    const index = current ?? -1;
    const row = current !== undefined ? rows[current] : undefined;
    let target: number | null = null;
    switch (e.key) {
      case 'ArrowDown':
        target = Math.min(rows.length - 1, index + 1);
        break;
      case 'ArrowUp':
        target = Math.max(0, index - 1);
        break;
      case 'Home':
        target = 0;
        break;
      case 'End':
        target = rows.length - 1;
        break;
      case 'PageDown':
      case 'PageUp': {
        const page = Math.max(1, Math.floor(this.tree.viewportHeight / ROW_HEIGHT) - 1);
        target = Math.max(0, Math.min(rows.length - 1, Math.max(index, 0) + (e.key === 'PageDown' ? page : -page)));
        break;
      }
      case 'ArrowRight':
        if (!row) target = 0;
        else if (row.hasChildren && !row.expanded) this.toggle(row.id, true);
        else if (row.hasChildren) target = index + 1;
        break;
      case 'ArrowLeft':
        if (!row) target = 0;
        else if (row.hasChildren && row.expanded) this.toggle(row.id, false);
        else target = this.parentRowIndex(index);
        break;
      case 'Enter': {
        const id = row?.id ?? rows[0]!.id;
        this.select(id);
        this.post({ type: 'openProcess', id });
        break;
      }
      case ' ':
        if (row) this.select(row.id);
        break;
      default:
        return;
    }
    e.preventDefault();
    if (target !== null && target >= 0) this.moveTo(rows[target]!.id);
    else {
      this.renderNow();
      if (this.selectedId !== null) this.tree.focusRow(this.selectedId);
    }
  }

  private parentRowIndex(index: number): number | null {
    const depth = this.flat.rows[index]!.depth;
    for (let i = index - 1; i >= 0; i--) if (this.flat.rows[i]!.depth < depth) return i;
    return null;
  }

  private moveTo(id: string): void {
    this.select(id);
    const index = this.flat.indexOf.get(id);
    if (index !== undefined) this.tree.ensureVisible(index);
    this.renderNow();
    this.tree.focusRow(id);
  }

  private focusTree(): void {
    const id = this.activeId() ?? this.flat.rows[0]?.id ?? null;
    if (id === null) return;
    this.moveTo(id);
  }

  private onGlobalKey(e: KeyboardEvent): void {
    if (e.defaultPrevented || e.altKey || e.metaKey || e.ctrlKey || isTyping(e)) return;
    switch (e.key) {
      case '/':
        e.preventDefault();
        this.toolbar.search.focus();
        break;
      case '+':
      case '=':
        e.preventDefault();
        this.timeline.zoom(1 / ZOOM_STEP);
        break;
      case '-':
      case '_':
        e.preventDefault();
        this.timeline.zoom(ZOOM_STEP);
        break;
    }
  }
}

function start(): void {
  const vscode = acquireVsCodeApi();
  const root = document.getElementById('app') ?? document.body;
  const app = new App(root, vscode);
  app.restore(vscode.getState());
  vscode.postMessage({ type: 'ready' } satisfies WebviewMessage);
}

start();
