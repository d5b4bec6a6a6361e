// The comparison a run started by Trace Again shows under the summary: the previous run
// of the same origin beside this one, before → after, "fixed" where a finding kind is
// gone. The "after" side is this run's live summary and findings, so it changes as the
// run goes on. The previous run's title and message are the program's text: shown as text.
import type { TraceInfo } from '../src/shared/protocol';
import { compareRowWords, compareRuns, type RunSummary } from '../src/shared/compare';
import type { DiagnosticJson, SummaryJson } from '../src/shared/schema';
import { el, setHidden } from './dom';

export class Comparison {
  private readonly root: HTMLElement;
  private readonly caption: HTMLParagraphElement;
  private readonly body: HTMLTableSectionElement;
  private readonly afterHead: HTMLTableCellElement;
  /** What the rows were built from, so an unchanged picture is not rebuilt. */
  private key = '';

  constructor(parent: HTMLElement) {
    this.root = el('section', 'ft-compare');
    this.root.setAttribute('aria-label', 'Compared with the previous run');
    this.root.hidden = true;
    this.caption = el('p', 'ft-compare-caption');
    const table = el('table', 'ft-compare-table');
    const head = el('thead');
    const headRow = el('tr');
    this.afterHead = el('th', 'ft-compare-after', 'after');
    headRow.append(el('th', 'ft-compare-label'), el('th', 'ft-compare-before', 'before'), el('th', 'ft-compare-arrow'), this.afterHead, el('th'));
    for (const th of headRow.children) th.setAttribute('scope', 'col');
    head.append(headRow);
    this.body = el('tbody');
    table.append(head, this.body);
    this.root.append(this.caption, table);
    parent.append(this.root);
  }

  /** Shows the comparison when `trace.previous` is set; `current` is this run as the panel has it now. */
  update(trace: TraceInfo | null, current: { summary: SummaryJson; diagnostics: readonly DiagnosticJson[] } | null): void {
    const previous = validPrevious(trace?.previous);
    setHidden(this.root, !previous || !current);
    if (!previous || !current) return;
    const live = trace?.status === 'running' || trace?.status === 'stopping';
    const rows = compareRuns(previous, current);
    const key = JSON.stringify([previous.title, previous.message, live, rows]);
    if (key === this.key) return;
    this.key = key;
    this.caption.textContent = `Compared with the previous run of ${previous.title}${previous.message ? ` (${previous.message})` : ''}`;
    this.afterHead.textContent = live ? 'now' : 'after';
    this.body.replaceChildren(
      ...rows.map((row) => {
        const tr = el('tr', `ft-compare-row${row.verdict ? ` ft-compare-${row.verdict}` : ''}`);
        tr.dataset.row = row.key;
        if (row.verdict) tr.dataset.verdict = row.verdict;
        tr.setAttribute('aria-label', compareRowWords(row));
        const label = el('th', 'ft-compare-label', row.label);
        label.setAttribute('scope', 'row');
        tr.append(
          label,
          el('td', 'ft-compare-before', row.before.toLocaleString('en-US')),
          el('td', 'ft-compare-arrow', '→'),
          el('td', 'ft-compare-after', row.after.toLocaleString('en-US')),
          el('td', 'ft-compare-verdict', row.verdict ?? ''),
        );
        return tr;
      }),
    );
  }
}

/** The previous run as the state or the host gave it, or null when it is not one (an older state's shape). */
function validPrevious(previous: unknown): RunSummary | null {
  if (typeof previous !== 'object' || previous === null) return null;
  const p = previous as Partial<RunSummary>;
  if (typeof p.title !== 'string') return null;
  return { ...(p as RunSummary), message: typeof p.message === 'string' ? p.message : null };
}
