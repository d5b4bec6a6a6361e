// The top of the panel: the trace's title and status with Stop, the summary line,
// and the toolbar (filters, search, timeline controls, legend).
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeRadio } from '@vscode-elements/elements/dist/vscode-radio/vscode-radio.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { ProcessFilter, TraceInfo, TraceStatus } from '../src/shared/protocol';
import type { SummaryJson } from '../src/shared/schema';
import { attachedWords, countGrouped, formatDuration } from '../src/shared/words';
import { el, setAttr, setHidden, setText } from './dom';

export interface HeaderActions {
  stop(): void;
  /** Trace Again: this run's origin once more (a C file rebuilt first), compared with this run. */
  traceAgain(): void;
}

const STATUS_TEXT: Record<TraceStatus, string> = {
  running: 'running',
  stopping: 'stopping…',
  ended: 'ended',
  log: 'log',
};

function button(label: string, className: string, secondary: boolean): VscodeButton {
  const b = document.createElement('vscode-button');
  b.className = className;
  b.textContent = label;
  b.secondary = secondary;
  return b;
}

const STOP_TITLE = 'Stop tracing: take the picture, then kill every process of the trace';

const TRACE_AGAIN_TITLE = 'Trace the program again (a C file is rebuilt first, a debug configuration restarted) and compare the two runs';

function detachTitle(pid: number): string {
  return `Detach: take the picture, then let pid ${pid} and its children run on, untraced`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export class Header {
  private readonly title: HTMLHeadingElement;
  private readonly status: HTMLElement;
  private readonly message: HTMLParagraphElement;
  /** "attached to pid N (command): detaching leaves it running", while an attached trace runs. */
  private readonly attached: HTMLParagraphElement;
  private readonly stopButton: VscodeButton;
  private readonly traceAgainButton: VscodeButton;

  constructor(parent: HTMLElement, actions: HeaderActions) {
    const header = el('header', 'ft-header');
    this.title = el('h1', 'ft-title', 'Fork Trace');
    this.status = document.createElement('vscode-badge');
    this.status.className = 'ft-status';
    this.status.hidden = true;
    const spacer = el('span', 'ft-spacer');
    this.traceAgainButton = button('Trace Again', 'ft-trace-again', true);
    this.traceAgainButton.hidden = true;
    this.stopButton = button('Stop', 'ft-stop', false);
    this.stopButton.disabled = true;
    this.stopButton.title = STOP_TITLE;
    this.stopButton.addEventListener('click', () => {
      if (!this.stopButton.disabled) actions.stop();
    });
    this.traceAgainButton.addEventListener('click', () => actions.traceAgain());
    header.append(this.title, this.status, spacer, this.traceAgainButton, this.stopButton);
    this.attached = el('p', 'ft-attached');
    this.attached.hidden = true;
    this.message = el('p', 'ft-trace-message');
    this.message.hidden = true;
    this.message.setAttribute('role', 'status');
    parent.append(header, this.attached, this.message);
  }

  /** `attached`: this page has had a snapshot from the host (a restored picture can't be stopped). */
  update(trace: TraceInfo | null, attached: boolean): void {
    setText(this.title, trace?.title ?? 'Fork Trace');
    setAttr(this.title, 'title', trace?.title ?? null);
    setHidden(this.status, !trace);
    if (trace) {
      setText(this.status, STATUS_TEXT[trace.status]);
      this.status.className = `ft-status ft-status-${trace.status}`;
    }
    const running = attached && trace?.status === 'running';
    if (this.stopButton.disabled === running) this.stopButton.disabled = !running;
    // An attached trace detaches: the process it attached to runs on, untraced.
    const attach = trace?.attach ?? null;
    setText(this.stopButton, attach ? 'Detach' : 'Stop');
    setText(this.traceAgainButton, attach ? 'Attach again' : 'Trace Again');
    setAttr(this.traceAgainButton, 'title', attach ? `Attach to pid ${attach.pid} again` : TRACE_AGAIN_TITLE);
    setAttr(this.stopButton, 'title', attach ? detachTitle(attach.pid) : STOP_TITLE);
    const attachedLine = attach !== null && (trace?.status === 'running' || trace?.status === 'stopping');
    setText(this.attached, attachedLine ? `${capitalize(attachedWords(attach))}.` : '');
    setHidden(this.attached, !attachedLine);
    setHidden(this.traceAgainButton, !attached || trace?.status !== 'ended' || trace.canTraceAgain !== true);
    setText(this.message, trace?.message ?? '');
    setHidden(this.message, !trace?.message);
  }
}

export class SummaryLine {
  private readonly root: HTMLDivElement;
  private readonly items: Record<'processes' | 'running' | 'zombies' | 'maxZombies' | 'orphans' | 'duration' | 'shown', HTMLSpanElement>;

  constructor(parent: HTMLElement) {
    this.root = el('div', 'ft-summary');
    this.root.setAttribute('aria-live', 'off');
    const item = (className: string): HTMLSpanElement => el('span', `ft-summary-item ${className}`);
    this.items = {
      processes: item('ft-sum-processes'),
      running: item('ft-sum-running'),
      zombies: item('ft-sum-zombies'),
      maxZombies: item('ft-sum-max-zombies'),
      orphans: item('ft-sum-orphans'),
      duration: item('ft-sum-duration'),
      shown: item('ft-sum-shown ft-muted'),
    };
    this.root.append(...Object.values(this.items));
    parent.append(this.root);
  }

  update(summary: SummaryJson | null, duration: number | null, shown: number, matching: number): void {
    setHidden(this.root, !summary);
    if (!summary) return;
    setText(this.items.processes, countGrouped(summary.processes, 'process', 'processes'));
    setText(this.items.running, `${summary.running.toLocaleString('en-US')} running`);
    setText(this.items.zombies, `${countGrouped(summary.zombiesAtEnd, 'zombie')} now`);
    this.items.zombies.classList.toggle('ft-alert', summary.zombiesAtEnd > 0);
    setText(this.items.maxZombies, `most zombies at once ${summary.maxZombies.toLocaleString('en-US')}`);
    setText(this.items.orphans, countGrouped(summary.orphans, 'orphan'));
    setText(this.items.duration, duration === null ? '' : formatDuration(duration));
    setHidden(this.items.duration, duration === null);
    const filtered = matching !== summary.processes;
    setText(
      this.items.shown,
      filtered ? `${matching.toLocaleString('en-US')} match${shown !== matching ? `, ${shown.toLocaleString('en-US')} shown` : ''}` : '',
    );
    setHidden(this.items.shown, !filtered);
  }
}

export interface ToolbarActions {
  filter(filter: ProcessFilter): void;
  search(text: string): void;
  /** Escape in the search box: back to the tree. */
  leaveSearch(): void;
  zoomIn(): void;
  zoomOut(): void;
  fit(): void;
  follow(): void;
}

const FILTERS: Array<[ProcessFilter, string]> = [
  ['all', 'All'],
  ['zombies', 'Zombies'],
  ['orphans', 'Orphans'],
  ['running', 'Running'],
];

export class Toolbar {
  readonly search: VscodeTextfield;
  private readonly radios = new Map<ProcessFilter, VscodeRadio>();
  private readonly followButton: VscodeButton;

  constructor(parent: HTMLElement, actions: ToolbarActions) {
    const bar = el('div', 'ft-toolbar');
    bar.setAttribute('role', 'toolbar');
    bar.setAttribute('aria-label', 'Filters and timeline');

    const group = document.createElement('vscode-radio-group');
    group.className = 'ft-filters';
    group.setAttribute('aria-label', 'Show');
    for (const [value, label] of FILTERS) {
      const radio = document.createElement('vscode-radio');
      radio.name = 'ft-filter';
      radio.value = value;
      radio.dataset.filter = value;
      radio.textContent = label;
      radio.checked = value === 'all';
      this.radios.set(value, radio);
      group.append(radio);
    }
    group.addEventListener('change', (e) => {
      const radio = e.target as VscodeRadio | null;
      const value = radio?.value as ProcessFilter | undefined;
      if (value && radio?.checked && this.radios.has(value)) actions.filter(value);
    });

    this.search = document.createElement('vscode-textfield');
    this.search.className = 'ft-search';
    this.search.placeholder = 'Search pid or command  (/)';
    this.search.label = 'Search by pid or command';
    this.search.addEventListener('input', () => actions.search(this.search.value));
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        if (this.search.value !== '') {
          this.search.value = '';
          actions.search('');
        } else {
          actions.leaveSearch();
        }
      } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
        e.preventDefault();
        actions.leaveSearch();
      }
    });

    const view = el('div', 'ft-view-controls');
    const zoomOut = button('−', 'ft-zoom-out', true);
    zoomOut.title = 'Zoom out (-)';
    zoomOut.setAttribute('aria-label', 'Zoom out');
    const zoomIn = button('+', 'ft-zoom-in', true);
    zoomIn.title = 'Zoom in (+)';
    zoomIn.setAttribute('aria-label', 'Zoom in');
    const fitButton = button('Fit', 'ft-fit', true);
    fitButton.title = 'Show the whole trace (0)';
    this.followButton = button('Follow live', 'ft-follow', true);
    this.followButton.title = 'Keep the present in view while the trace runs';
    this.followButton.hidden = true;
    zoomOut.addEventListener('click', () => actions.zoomOut());
    zoomIn.addEventListener('click', () => actions.zoomIn());
    fitButton.addEventListener('click', () => actions.fit());
    this.followButton.addEventListener('click', () => actions.follow());
    view.append(zoomOut, zoomIn, fitButton, this.followButton);

    bar.append(group, this.search, view, legend());
    parent.append(bar);
  }

  setFilter(filter: ProcessFilter): void {
    for (const [value, radio] of this.radios) if (radio.checked !== (value === filter)) radio.checked = value === filter;
  }

  setSearch(text: string): void {
    if (this.search.value !== text) this.search.value = text;
  }

  /** The "Follow live" button shows while the trace runs and the user has panned away. */
  setFollow(live: boolean, following: boolean): void {
    setHidden(this.followButton, !live || following);
  }

  setCounts(summary: SummaryJson | null): void {
    const counts: Record<ProcessFilter, number | null> = {
      all: summary?.processes ?? null,
      zombies: summary?.zombiesAtEnd ?? null,
      orphans: summary?.orphans ?? null,
      running: summary?.running ?? null,
    };
    for (const [value, label] of FILTERS) {
      const n = counts[value];
      setText(this.radios.get(value)!, n === null ? label : `${label} (${n.toLocaleString('en-US')})`);
    }
  }
}

function legend(): HTMLElement {
  const box = el('div', 'ft-legend');
  box.setAttribute('aria-label', 'Timeline legend');
  const entry = (className: string, text: string): HTMLSpanElement => {
    const item = el('span', 'ft-legend-item');
    const swatch = el('span', `ft-swatch ${className}`);
    swatch.setAttribute('aria-hidden', 'true');
    item.append(swatch, text);
    return item;
  };
  box.append(
    entry('ft-swatch-running', 'running'),
    entry('ft-swatch-zombie', 'zombie'),
    entry('ft-swatch-reaped', 'reaped'),
    entry('ft-swatch-exited', 'exited, not reaped'),
    entry('ft-mark-fork', 'fork'),
    entry('ft-mark-exec', 'exec'),
    entry('ft-mark-exit', 'exit'),
    entry('ft-mark-reap', 'reap'),
    entry('ft-mark-adopt', 'adopted'),
  );
  return box;
}
