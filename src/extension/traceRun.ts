// One trace in the editor: a live program (or a log, or a panel restored after a
// reload), its panel, its terminal, and its entries in the Problems list.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { DiagnosticJson, SnapshotJson, SourceLocation } from '../shared/schema';
import { isFinding, type FindingRef, type TraceInfo } from '../shared/protocol';
import type { RunSummary } from '../shared/compare';
import { logWarningsWords, traceEndWords } from '../shared/words';
import type { LiveTrace, StackMode } from '../tracer/liveTrace';
import { createFixProvider } from '../fixes/provider';
import { SiteResolver } from '../sites';
import type { TraceSession } from '../core/session';
import { startAttachedTrace, startPipedTrace } from '../debug/pipedTrace';
import { joinCommandLine } from './commandLine';
import { Disposable, toDisposable } from './dispose';
import { ForkTreePanel, type PanelHandler } from './panel';
import { problemEntries } from './problems';
import { applyFix, fixRegistry } from './fixActions';
import type { TraceOrigin } from './traceAgain';
import type { ProgramTerminal } from './programTerminal';
import { sourceForProcess } from './processSource';

export interface TraceRequest {
  program: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stackMode: StackMode;
  lingerThreshold: number;
  /** Reaped processes kept in full detail (forkTrace.keepReaped); older uneventful ones are folded. */
  keepReaped: number;
  strace: string;
  /**
   * Attach to this running process instead of starting `program` (which is then its
   * binary, for the title and the source lines); a stop detaches and it runs on.
   */
  attachPid?: number;
  /** The attached process's command line, for the title and the attached line. */
  attachCommand?: string;
}

export interface RunHost {
  extensionUri: vscode.Uri;
  /** Something about a run changed (status bar, context keys). */
  changed(run: TraceRun): void;
  /** The run's panel was closed. */
  closed(run: TraceRun): void;
  restart(request: TraceRequest): void;
  /** Trace Again from this run's panel: its origin once more, compared with it. */
  traceAgain(run: TraceRun): void;
  /** Opens the program's terminal; the host owns it (it outlives the panel, until the user closes it). */
  openTerminal(name: string, onUserClose: () => void): ProgramTerminal;
  /** Click-to-source: the line, flashed, with the finding beside it. */
  showSource(location: SourceLocation, diagnostic: DiagnosticJson | null): Promise<unknown>;
}

/** How a run began: where it came from (for Trace Again) and the run it is compared with. */
export interface RunStart {
  origin: TraceOrigin | null;
  /** Set when Trace Again started it: the previous run of the same origin. */
  previous?: RunSummary;
}

/** The button on a "no single line" message that traces the same program again with strace -k. */
const TRACE_PRECISELY = 'Trace Again Precisely';

/** The Problems list changes less often: it re-sorts on every set. */
const PROBLEMS_MS = 1000;

export class TraceRun extends Disposable {
  private live: LiveTrace | null = null;
  private terminal: ProgramTerminal | null = null;
  private snapshotCache: SnapshotJson | null = null;
  private problemsTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly problems: vscode.DiagnosticCollection;
  private readonly panel: ForkTreePanel;
  trace: TraceInfo;
  readonly origin: TraceOrigin | null;

  private constructor(
    private readonly host: RunHost,
    readonly request: TraceRequest | null,
    title: string,
    panel: (handler: PanelHandler) => ForkTreePanel,
    status: TraceInfo['status'],
    start: RunStart = { origin: null },
  ) {
    super();
    this.origin = start.origin;
    this.trace = { title, status, message: null, canTraceAgain: start.origin !== null };
    if (start.previous) this.trace.previous = start.previous;
    this.problems = this._register(vscode.languages.createDiagnosticCollection('forkTrace'));
    this._register(toDisposable(() => fixRegistry.clear(this)));
    this._register(
      toDisposable(() => {
        if (this.problemsTimer) clearTimeout(this.problemsTimer);
      }),
    );
    this.panel = this._register(
      panel({
        ready: () => this.sendSnapshot(),
        openProcess: (id) => void this.openProcess(id),
        stop: () => void this.stop(),
        traceAgain: () => this.host.traceAgain(this),
        applyFix: (finding) => void this.applyFix(finding),
        tracePrecisely: () => void this.tracePrecisely(),
        disposed: () => {
          // Closing the panel ends the run: its trace, and its entries in the Problems list.
          this.dispose();
          this.host.closed(this);
        },
      }),
    );
  }

  /**
   * Runs the program under strace; throws TraceError (with the fix) when it cannot start.
   * `reuse`: an ended run whose panel this one takes over once the trace has started.
   */
  static startLive(host: RunHost, request: TraceRequest, start: RunStart, reuse?: TraceRun): TraceRun {
    let run: TraceRun | null = null;
    const onUpdate = (): void => run?.pushDelta();
    const { attachPid } = request;
    const live =
      attachPid !== undefined
        ? startAttachedTrace({
            pid: attachPid,
            stackMode: request.stackMode,
            lingerThreshold: request.lingerThreshold,
            keepReaped: request.keepReaped,
            strace: request.strace,
            onUpdate,
          })
        : startPipedTrace({ ...request, onUpdate });
    // An attached process's stdio is its own: no terminal.
    run = TraceRun.fromLive(host, request, live, attachPid === undefined, start, false, reuse);
    return run;
  }

  /**
   * Shows a trace someone else started (F5's debug adapter): the same panel and
   * Problems entries; a terminal only when the program's stdio is ours to show.
   */
  static fromLive(
    host: RunHost,
    request: TraceRequest,
    live: LiveTrace,
    withTerminal: boolean,
    start: RunStart,
    fromDebugSession = false,
    reuse?: TraceRun,
  ): TraceRun {
    const attach = request.attachPid !== undefined ? { pid: request.attachPid, command: request.attachCommand ?? basename(request.program) } : null;
    const title = attach
      ? `pid ${attach.pid} ${attach.command}`
      : `${basename(request.program)}${request.args.length ? ` ${joinCommandLine(request.args)}` : ''}`;
    const tab = attach ? `Fork Trace: pid ${attach.pid} ${basename(request.program)}` : `Fork Trace: ${basename(request.program)}`;
    const panel = (h: PanelHandler): ForkTreePanel => reuse?.handOverPanel(h, tab) ?? ForkTreePanel.create(host.extensionUri, tab, h);
    const run = new TraceRun(host, request, title, panel, 'running', start);
    if (attach) run.trace.attach = attach;
    run.live = live;
    // A debug session's trace belongs to its launch configuration: the mode is set there.
    // A strace built without stack traces cannot run the precise mode: no offer that fails.
    run.trace.canTracePrecisely = !fromDebugSession && request.stackMode !== 'precise' && live.info.stackTrace;
    if (withTerminal) run.attachTerminal(live, basename(request.program));
    live.done.then(
      (end) => run.finished(end.snapshot, traceEndWords(end, basename(request.program))),
      (e: unknown) => run.finished(live.snapshot(), `The trace failed: ${e instanceof Error ? e.message : String(e)}`),
    );
    return run;
  }

  /** Shows an existing strace log (a file or a -ff directory), read into `session`. */
  static openLog(host: RunHost, path: string, session: TraceSession): TraceRun {
    const snapshot = session.snapshot(new SiteResolver({ cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath }).locator(), createFixProvider());
    const run = new TraceRun(host, null, basename(path), (h) => ForkTreePanel.create(host.extensionUri, `Fork Trace: ${basename(path)}`, h), 'log');
    run.snapshotCache = snapshot;
    run.trace.message = logWarningsWords(snapshot.warnings);
    run.setProblems(snapshot);
    run.sendSnapshot();
    return run;
  }

  /** A panel brought back after a window reload: the picture comes back, the trace does not. */
  static restore(host: RunHost, webviewPanel: vscode.WebviewPanel, snapshot: SnapshotJson | null, trace: TraceInfo | null): TraceRun {
    const wasLive = trace?.status === 'running' || trace?.status === 'stopping';
    const run = new TraceRun(
      host,
      null,
      trace?.title ?? webviewPanel.title,
      (h) => ForkTreePanel.revive(webviewPanel, host.extensionUri, h),
      trace?.status === 'log' ? 'log' : 'ended',
    );
    run.snapshotCache = snapshot;
    // The comparison stays with the picture; tracing again needs an origin, which a reload lost.
    if (trace?.previous) run.trace.previous = trace.previous;
    if (wasLive) run.trace.message = 'The window was reloaded, which ended the trace: this is the last picture before the reload.';
    if (snapshot) run.setProblems(snapshot);
    return run;
  }

  get isLive(): boolean {
    return this.live !== null && this.live.running;
  }

  /** Counts for the status bar. */
  get counts(): { processes: number; zombies: number } {
    const model = this.live?.model;
    if (model) return { processes: model.processCount, zombies: model.zombiesNow };
    const s = this.snapshotCache?.summary;
    return { processes: s?.processes ?? 0, zombies: s?.zombiesAtEnd ?? 0 };
  }

  snapshot(): SnapshotJson | null {
    return this.live ? this.live.snapshot() : this.snapshotCache;
  }

  focus(): void {
    this.panel.reveal();
  }

  /**
   * Gives this ended run's panel, where it stands, to a new run (an attach to the same pid
   * again): one panel per process, not a second one with the same title. This run ends,
   * its Problems entries with it. Null when it is live or its panel is closed.
   */
  handOverPanel(handler: PanelHandler, title: string): ForkTreePanel | null {
    if (this.isLive || this.panel.disposed) return null;
    const webviewPanel = this.panel.release();
    this.dispose();
    this.host.closed(this);
    webviewPanel.title = title;
    webviewPanel.reveal(undefined, true);
    return ForkTreePanel.revive(webviewPanel, this.host.extensionUri, handler);
  }

  reveal(id: string): void {
    this.panel.reveal();
    this.panel.post({ type: 'reveal', id });
  }

  async stop(): Promise<void> {
    if (!this.live || !this.live.running) return;
    this.trace = { ...this.trace, status: 'stopping' };
    this.panel.post({ type: 'trace', trace: this.trace });
    this.host.changed(this);
    await this.live.stop();
  }

  private attachTerminal(live: LiveTrace, name: string): void {
    this.terminal = this.host.openTerminal(name, () => void this.stop());
    this.terminal.attach(live.strace.stdout, live.strace.stderr, live.strace.stdin);
  }

  private sendSnapshot(): void {
    const snapshot = this.snapshot();
    if (!snapshot) return;
    this.live?.model.takeChanged(); // deltas continue from this picture
    this.panel.post({ type: 'snapshot', snapshot, trace: this.trace });
  }

  /** Brings the panel and the status bar up to date with what the trace saw since the last call. */
  pushDelta(): void {
    if (!this.live || this.panel.disposed) return;
    const delta = this.live.delta();
    this.panel.post({ type: 'delta', ...delta });
    this.host.changed(this);
    if (!this.problemsTimer) {
      this.problemsTimer = setTimeout(() => {
        this.problemsTimer = null;
        const s = this.live?.snapshot();
        if (s) this.setProblems(s);
      }, PROBLEMS_MS);
    }
  }

  private finished(snapshot: SnapshotJson, message: string): void {
    this.snapshotCache = snapshot;
    this.live = null;
    this.trace = { ...this.trace, status: 'ended', message };
    this.setProblems(snapshot);
    this.panel.post({ type: 'snapshot', snapshot, trace: this.trace });
    const s = snapshot.summary;
    this.terminal?.note(`${message} ${s.processes} processes, ${s.zombiesAtEnd} zombies at the end, ${snapshot.diagnostics.length} finding(s).`);
    this.host.changed(this);
  }

  private setProblems(snapshot: SnapshotJson): void {
    if (this.isDisposed) return; // the panel was closed: its entries went with it
    this.problems.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const entries = problemEntries(snapshot.diagnostics);
    fixRegistry.set(this, entries);
    for (const entry of entries) {
      const range = new vscode.Range(entry.line - 1, 0, entry.line - 1, Number.MAX_SAFE_INTEGER);
      const severity =
        entry.severity === 'error'
          ? vscode.DiagnosticSeverity.Error
          : entry.severity === 'warning'
            ? vscode.DiagnosticSeverity.Warning
            : vscode.DiagnosticSeverity.Information;
      const d = new vscode.Diagnostic(range, entry.message, severity);
      d.source = 'Fork Trace';
      d.code = entry.code;
      d.relatedInformation = entry.related.map(
        (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(r.file), new vscode.Position(r.line - 1, 0)), r.message),
      );
      const list = byFile.get(entry.file) ?? [];
      list.push(d);
      byFile.set(entry.file, list);
    }
    for (const [file, list] of byFile) this.problems.set(vscode.Uri.file(file), list);
  }

  /** Drops this run's entries from the Problems list (a new trace is starting). */
  clearProblems(): void {
    if (!this.isLive && !this.isDisposed) {
      this.problems.clear();
      fixRegistry.clear(this);
    }
  }

  private async openProcess(id: string): Promise<void> {
    const snapshot = this.snapshot();
    if (!snapshot) return;
    const source = sourceForProcess(snapshot, id);
    if (source.kind === 'none') {
      // Several candidate lines: the precise mode pins each, one click away.
      const offer = this.trace.canTracePrecisely === true && source.preciseWouldPin;
      const pick = await vscode.window.showInformationMessage(`Fork Trace: ${source.reason}`, ...(offer ? [TRACE_PRECISELY] : []));
      if (pick === TRACE_PRECISELY) await this.tracePrecisely();
      return;
    }
    await this.host.showSource(source.location, source.diagnostic);
  }

  /** Fix… on a finding in the panel: its fixes as the light bulb offers them. */
  private async applyFix(ref: FindingRef): Promise<void> {
    const finding = this.snapshot()?.diagnostics.find((d) => isFinding(d, ref));
    if (!finding) {
      void vscode.window.showInformationMessage('Fork Trace: that finding is no longer in this trace. Select the process again to see its findings now.');
      return;
    }
    if (finding.fixes.length === 0) {
      void vscode.window.showInformationMessage(`Fork Trace: no quick fix for this ${finding.kind}${finding.fixNote ? `: ${finding.fixNote}` : '.'}`);
      return;
    }
    await applyFix(finding.fixes);
  }

  /** Stops this trace and runs the same program again with strace -k. */
  private async tracePrecisely(): Promise<void> {
    const request = this.request;
    if (!request || !this.trace.canTracePrecisely) return;
    await this.stop();
    this.host.restart({ ...request, stackMode: 'precise' });
  }

  /** Ends the run: the trace is stopped (snapshot, then kill), the panel and the Problems entries go. The terminal is the host's. */
  dispose(): void {
    void this.stop();
    super.dispose();
  }
}
