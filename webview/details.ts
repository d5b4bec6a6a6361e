// The details pane for the selected process: what the kernel did to it, in the
// design's words, and the findings about it. Every string from the trace is text.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { DiagnosticJson, ProcessJson, SourceLocation, WarningJson } from '../src/shared/schema';
import { el } from './dom';
import {
  BEFORE_THE_TRACE,
  count,
  countGrouped,
  describeAdoption,
  describeBefore,
  describeExit,
  describePid,
  describeReap,
  describeZombie,
  formatLocation,
  formatTime,
  warningWords,
} from '../src/shared/words';
import { quoteArgv, shortLocation } from './format';
import type { ProcessStore } from './store';

export interface DetailsActions {
  /** Open where this process's fix belongs (the host picks the location). */
  open(id: string): void;
  select(id: string): void;
  /** Run the program again in the precise mode; null when the host cannot (a log, a debug session, already precise). */
  tracePrecisely: (() => void) | null;
  /** Fix…: the host applies the finding's preferred fix (or asks which), saves, and offers Trace Again. */
  applyFix(d: DiagnosticJson): void;
}

const MAX_WARNINGS_SHOWN = 200;

export function renderDetails(container: HTMLElement, store: ProcessStore, process: ProcessJson | null, actions: DetailsActions): void {
  const parts: Node[] = [];
  if (process) parts.push(...processDetails(store, process, actions));
  else if (store.size > 0) parts.push(el('p', 'ft-placeholder', 'Select a process to see its details. Zombies open the line where the missing wait belongs.'));
  // How the log was recorded (strace without -f, -qq…) limits the whole picture: said first, never folded away.
  const recording = store.warnings.filter((w) => w.recording);
  if (recording.length > 0) parts.unshift(recordingNotes(recording));
  const warnings = warningsSection(
    store.warnings.filter((w) => !w.recording),
    store.warningCount - recording.length,
  );
  if (warnings) parts.push(warnings);
  container.replaceChildren(...parts);
}

function processDetails(store: ProcessStore, p: ProcessJson, actions: DetailsActions): Node[] {
  const heading = el('h2', 'ft-details-title');
  heading.append(el('span', 'ft-details-pid', `pid ${p.pid}`), ' ', el('span', 'ft-details-command', p.command), ' ');
  const badge = document.createElement('vscode-badge');
  badge.className = `ft-state ft-state-${p.state}`;
  badge.textContent = p.state;
  heading.append(badge);
  if (p.before === true || p.zombie?.before === true) heading.append(' ', el('span', 'ft-before', p.untraced ? 'untraced' : BEFORE_THE_TRACE));
  if (p.adoptedBy.length > 0) heading.append(' ', el('span', 'ft-adopted', 'adopted'));

  const list = el('dl', 'ft-facts');
  const fact = (term: string, ...value: Array<Node | string>): void => {
    const dd = el('dd');
    dd.append(...value);
    list.append(el('dt', undefined, term), dd);
  };

  fact('Command line', el('code', 'ft-argv', p.argv.length > 0 ? quoteArgv(p.argv) : p.command));
  if (p.execs.length > 0) {
    const execs = el('ul', 'ft-plain-list');
    for (const e of p.execs) execs.append(el('li', undefined, `${formatTime(e.time)}  ${e.path}`));
    fact(p.execs.length === 1 ? 'Exec' : 'Execs', execs);
  }
  fact('Started', formatTime(p.start));
  const before = describeBefore(p);
  if (before) fact(p.untraced ? 'Untraced' : 'Before', before);
  fact('Exit', describeExit(p.exit));

  if (p.parentId !== null && store.has(p.parentId)) {
    const parent = store.get(p.parentId)!;
    fact(
      'Parent',
      actionLink(describePid(parent.pid, parent.command), `Select pid ${parent.pid}`, () => actions.select(parent.id)),
    );
  } else if (p.parentPid !== null) {
    fact('Parent', `pid ${p.parentPid} (not in the trace)`);
  } else {
    fact('Parent', 'none: the first process of the trace');
  }

  if (p.adoptedBy.length > 0) {
    const adopters = el('ul', 'ft-plain-list');
    for (const a of p.adoptedBy) adopters.append(el('li', undefined, describeAdoption(a)));
    fact(p.adoptedBy.length === 1 ? 'Adopter' : 'Adopters', adopters);
  }
  fact('Zombie', describeZombie(p, store.duration));
  if (p.exit) {
    const reaper = p.reaped && p.reaped.by !== null ? store.pidAt(p.reaped.by, p.reaped.time) : undefined;
    fact('Reaped', describeReap(p.reaped, reaper?.command ?? null));
  }
  if (p.threads > 1) fact('Threads', String(p.threads));
  if (p.forkSite)
    fact(
      'Fork site',
      locationLink(p.forkSite, () => actions.open(p.id)),
      // Inferred, not seen (a fork before an attach): how.
      ...(p.forkSiteNote ? [' ', el('span', 'ft-muted', `— ${p.forkSiteNote}`)] : []),
    );
  else fact('Fork site', p.forkSiteNote ?? 'not known', ...preciseOffer(p.forkSitePreciseWouldPin, actions));

  const nodes: Node[] = [heading, list];
  const diagnostics = store.diagnosticsFor(p);
  if (diagnostics.length > 0) {
    nodes.push(el('h3', 'ft-details-subtitle', countGrouped(diagnostics.length, 'finding')));
    const items = el('ul', 'ft-diagnostics');
    for (const d of diagnostics) items.append(diagnosticItem(d, p, actions));
    nodes.push(items);
  }
  return nodes;
}

function diagnosticItem(d: DiagnosticJson, p: ProcessJson, actions: DetailsActions): HTMLLIElement {
  const item = el('li', `ft-diagnostic ft-severity-${d.severity}`);
  const head = el('div', 'ft-diagnostic-head');
  head.append(el('span', 'ft-severity', d.severity), ' ', el('span', 'ft-kind', d.kind));
  if (d.time !== null) head.append(' ', el('span', 'ft-muted', `at ${formatTime(d.time)}`));
  item.append(head, el('p', 'ft-message', d.message));
  const where = el('p', 'ft-where');
  if (d.location) {
    where.append(locationLink(d.location, () => actions.open(p.id)));
  } else {
    where.append(
      el('span', 'ft-muted', `No source location: ${d.locationNote ?? 'none is known for this finding.'}`),
      ...preciseOffer(d.locationPreciseWouldPin, actions),
    );
  }
  item.append(where);
  const fix = fixOffer(d, actions);
  if (fix) item.append(fix);
  if (d.related.length > 0) {
    const related = el('ul', 'ft-related');
    for (const r of d.related) {
      const li = el('li', undefined, r.message);
      if (r.location) li.append(' ', el('code', undefined, formatLocation(r.location)));
      related.append(li);
    }
    item.append(related);
  }
  return item;
}

/** Fix… with the preferred fix's title beside it; or, when no fix is offered, why not. */
function fixOffer(d: DiagnosticJson, actions: DetailsActions): HTMLElement | null {
  const fixes = Array.isArray(d.fixes) ? d.fixes : [];
  if (fixes.length === 0) return d.fixNote ? el('p', 'ft-fix-note ft-muted', `No quick fix: ${d.fixNote}`) : null;
  const line = el('p', 'ft-fix');
  const button = document.createElement('vscode-button');
  button.className = 'ft-fix-button';
  button.textContent = 'Fix…';
  button.secondary = true;
  const preferred = fixes.find((f) => f.preferred) ?? fixes[0]!;
  button.title =
    fixes.length === 1
      ? `Apply this fix, save, then Trace Again: ${preferred.title}`
      : `Choose one of ${fixes.length} fixes (the preferred one first), apply it, save`;
  button.addEventListener('click', () => actions.applyFix(d));
  const others = fixes.length > 1 ? ` (or ${count(fixes.length - 1, 'other fix', 'other fixes')})` : '';
  line.append(button, ' ', el('span', 'ft-fix-title', `${preferred.title}${others}`));
  return line;
}

/** After a note that says the precise mode would pin the line: a link that runs that trace. */
function preciseOffer(preciseWouldPin: boolean, actions: DetailsActions): Array<Node | string> {
  if (!actions.tracePrecisely || !preciseWouldPin) return [];
  return [
    ' ',
    actionLink('Trace again precisely', 'Stop this trace and run the program again with strace -k, which pins each call to its line', actions.tracePrecisely),
  ];
}

function locationLink(loc: SourceLocation, open: () => void): HTMLAnchorElement {
  const text = `${shortLocation(loc)}${loc.function ? ` (${loc.function})` : ''}`;
  return actionLink(text, `Open ${formatLocation(loc)}`, open);
}

function actionLink(text: string, title: string, action: () => void): HTMLAnchorElement {
  const link = el('a', 'ft-link', text);
  link.href = '#';
  link.title = title;
  link.addEventListener('click', (e) => {
    e.preventDefault();
    action();
  });
  return link;
}

function recordingNotes(notes: readonly WarningJson[]): HTMLElement {
  const section = el('div', 'ft-recording');
  section.setAttribute('role', 'note');
  for (const w of notes) section.append(el('p', undefined, warningWords(w)));
  return section;
}

function warningsSection(warnings: readonly WarningJson[], count: number): HTMLElement | null {
  if (count === 0) return null;
  const section = el('details', 'ft-warnings');
  // Lines it could not read, and records that contradict the model (a wait for a pid never seen): warnings, as the CLI says.
  section.append(el('summary', undefined, `${countGrouped(count, 'warning')} while reading the log`));
  const list = el('ul', 'ft-plain-list');
  for (const w of warnings.slice(0, MAX_WARNINGS_SHOWN)) {
    list.append(el('li', undefined, warningWords(w)));
  }
  if (count > Math.min(warnings.length, MAX_WARNINGS_SHOWN))
    list.append(el('li', 'ft-muted', `… and ${countGrouped(count - Math.min(warnings.length, MAX_WARNINGS_SHOWN), 'more')}`));
  section.append(list);
  return section;
}
