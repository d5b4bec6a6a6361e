// Fork Trace in VS Code: commands, the panel serializer, the status bar, and the
// runs they start. The core and the tracer know nothing of this file.
import * as vscode from 'vscode';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { count, readWords } from '../shared/words';
import type { WebviewState } from '../shared/protocol';
import type { DiagnosticJson, SourceLocation } from '../shared/schema';
import { TraceError } from '../tracer/strace';
import type { LiveTrace } from '../tracer/liveTrace';
import { analyzeLogInSteps } from '../tracer/logReader';
import type { TraceSession } from '../core/session';
import { DEFAULT_KEEP_REAPED } from '../core/folding';
import type { ForkTraceSessionHooks } from '../debug/forkTraceSession';
import { registerDebugType } from '../debug/register';
import { buildCFile, isCSource } from './build';
import { Disposable, DisposableSet } from './dispose';
import { FixActions, fixRegistry, TRACE_AGAIN_COMMAND } from './fixActions';
import { PANEL_VIEW_TYPE } from './panel';
import { chooseTraceRequest } from './programPicker';
import { pickProcessToAttach, pickZombieHolder } from './processPicker';
import { checkAttach } from '../tracer/attachChecks';
import { readProcEntry } from '../tracer/procScan';
import { ProgramTerminal } from './programTerminal';
import { SourceRevealer } from './revealSource';
import { traceSettings } from './settings';
import { TraceRun, type RunHost, type RunStart, type TraceRequest } from './traceRun';
import { summaryOf, TraceAgain } from './traceAgain';
import type { RunSummary } from '../shared/compare';
import { requireTrust } from './trust';
import zombieServerSource from '../../examples/zombie_server.c';

const TRACING_CONTEXT = 'forkTrace:tracing';

class ForkTraceExtension extends Disposable implements RunHost {
  private active: TraceRun | null = null;
  private readonly again: TraceAgain;
  private readonly status: vscode.StatusBarItem;
  private readonly output: vscode.OutputChannel;
  private readonly sources: SourceRevealer;
  /** The program terminals, until the user closes them: they outlive their run's panel. */
  private readonly terminals: DisposableSet<ProgramTerminal>;
  /** The runs whose panel is open. */
  private readonly runs: DisposableSet<TraceRun>;

  constructor(private readonly context: vscode.ExtensionContext) {
    super();
    this.output = this._register(vscode.window.createOutputChannel('Fork Trace'));
    this.status = this._register(vscode.window.createStatusBarItem('forkTrace.status', vscode.StatusBarAlignment.Left, 50));
    this.status.name = 'Fork Trace';
    this.status.command = 'forkTrace.showPanel';
    this.sources = this._register(new SourceRevealer());
    this.again = new TraceAgain({
      stopLive: () => this.stopLive(),
      buildAndTrace: (source, previous) => this.buildAndTrace(source, previous),
      start: (request, origin, previous) => this.start(request, { origin, previous }),
      openLog: () => this.openLog(),
    });
    const command = (id: string, fn: (...args: unknown[]) => unknown): void => {
      this._register(vscode.commands.registerCommand(id, fn));
    };
    command('forkTrace.traceForks', () => this.traceForks());
    command('forkTrace.stopTracing', () => this.stopTracing());
    command('forkTrace.openLog', () => this.openLog());
    command('forkTrace.showPanel', () => this.active?.focus());
    command('forkTrace.traceActiveCFile', () => this.traceActiveCFile());
    command('forkTrace.createExample', () => this.createExample());
    command(TRACE_AGAIN_COMMAND, () => this.again.run());
    this._register(new FixActions());
    command('forkTrace.attachToProcess', (pid) => this.attachToProcess(pid));
    command('forkTrace.findZombies', () => this.findZombies());
    // The debug type's ${command:pickProcess}: the pid as a string, undefined (cancel the launch) when none is chosen.
    command('forkTrace.pickProcess', async () => {
      const pid = await pickProcessToAttach('Fork Trace: attach the debugger to which process?');
      return pid === undefined ? undefined : String(pid);
    });
    this._register(
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
          const saved = (state ?? {}) as Partial<WebviewState>;
          this.adopt(TraceRun.restore(this, panel, saved.snapshot ?? null, saved.trace ?? null));
        },
      }),
    );
    void vscode.commands.executeCommand('setContext', TRACING_CONTEXT, false);
    this.registerDebugType();
    // Registered last, so disposed first: a run that ends still has its status bar and terminal.
    this.terminals = this._register(new DisposableSet<ProgramTerminal>());
    this.runs = this._register(new DisposableSet<TraceRun>());
  }

  /** F5 on a `forktrace` configuration: the adapter runs the trace, this shows it like Trace Forks does. */
  private registerDebugType(): void {
    const debugRuns = new Map<LiveTrace, TraceRun>();
    const hooksFor = (session: vscode.DebugSession): ForkTraceSessionHooks => {
      /** This session's run: the debug toolbar's Restart traces again in the same session, and the new run compares with it. */
      let last: TraceRun | undefined;
      return {
        traceStarted: (live, args) => {
          // Trace Again starts this configuration again (its preLaunchTask first); a run Trace Again started compares with the one before.
          // A restart stopped the last run before this one started: its counts are those at its end.
          const start: RunStart = {
            origin: { kind: 'debug', folder: session.workspaceFolder, configuration: session.configuration },
            previous: last ? summaryOf(last) : this.again.debugPrevious(session.configuration),
          };
          this.clearProblems();
          this.sources.clearExplanations();
          const settings = {
            stackMode: args.stackMode ?? 'fast',
            lingerThreshold: args.lingerThreshold ?? 1,
            keepReaped: args.keepReaped ?? DEFAULT_KEEP_REAPED,
            strace: live.info.path,
          } as const;
          const request: TraceRequest =
            'processId' in args
              ? {
                  program: live.program,
                  args: [],
                  cwd: dirname(live.program),
                  env: {},
                  ...settings,
                  attachPid: args.processId,
                  attachCommand: readProcEntry(args.processId)?.command,
                }
              : { program: live.program, args: args.args ?? [], cwd: args.cwd ?? dirname(live.program), env: args.env ?? {}, ...settings };
          const withTerminal = 'console' in args && args.console === 'integratedTerminal';
          last = this.adopt(TraceRun.fromLive(this, request, live, withTerminal, start, true));
          debugRuns.set(live, last);
          void live.done.finally(() => debugRuns.delete(live));
        },
        traceUpdated: (live) => debugRuns.get(live)?.pushDelta(),
      };
    };
    this._register(registerDebugType(hooksFor, this.output));
  }

  get extensionUri(): vscode.Uri {
    return this.context.extensionUri;
  }

  private adopt(run: TraceRun): TraceRun {
    this.runs.add(run);
    this.active = run;
    this.again.started(run);
    this.changed(run);
    return run;
  }

  changed(run: TraceRun): void {
    if (run === this.active) this.updateStatus();
    this.updateTracingContext();
  }

  closed(run: TraceRun): void {
    this.runs.delete(run);
    if (this.active === run) this.active = [...this.runs].pop() ?? null;
    this.updateStatus();
    this.updateTracingContext();
  }

  /** `forkTrace:tracing` enables Stop Tracing while any run is live. */
  private updateTracingContext(): void {
    void vscode.commands.executeCommand(
      'setContext',
      TRACING_CONTEXT,
      [...this.runs].some((r) => r.isLive),
    );
  }

  restart(request: TraceRequest): void {
    void this.start(request, { origin: { kind: 'program', request } });
  }

  traceAgain(run: TraceRun): void {
    void this.again.run(run);
  }

  /** One trace at a time: the live ones are stopped (their pictures kept) before the next starts. */
  private async stopLive(): Promise<void> {
    await Promise.all([...this.runs].filter((r) => r.isLive).map((r) => r.stop()));
  }

  private updateStatus(): void {
    const run = this.active;
    if (!run || !run.isLive) {
      this.status.hide();
      return;
    }
    const { processes, zombies } = run.counts;
    this.status.text = `$(type-hierarchy) ${processes} proc · ${count(zombies, 'zombie')}`;
    this.status.tooltip = `Fork Trace: tracing ${run.trace.title}: ${count(processes, 'process', 'processes')}, ${count(zombies, 'zombie')} now. Click to show the fork tree.`;
    this.status.backgroundColor = zombies > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.status.show();
  }

  openTerminal(name: string, onUserClose: () => void): ProgramTerminal {
    const terminal = ProgramTerminal.show(name, onUserClose, () => this.terminals.delete(terminal));
    return this.terminals.add(terminal);
  }

  showSource(location: SourceLocation, diagnostic: DiagnosticJson | null): Promise<unknown> {
    return this.sources.reveal(location, diagnostic);
  }

  private async traceForks(): Promise<void> {
    if (!requireTrust(() => this.openLog())) return;
    let request: TraceRequest | undefined;
    try {
      request = await chooseTraceRequest(this.context.workspaceState, this.output);
    } catch (e) {
      void vscode.window.showErrorMessage(`Fork Trace: ${(e as Error).message}. Check the forkTrace.* settings.`);
      return;
    }
    if (!request) return;
    await this.start(request, { origin: { kind: 'program', request } });
  }

  private async traceActiveCFile(): Promise<void> {
    if (!requireTrust(() => this.openLog())) return;
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !isCSource(doc.uri.fsPath)) {
      void vscode.window.showWarningMessage('Fork Trace: open a C source file first (the walkthrough creates one).');
      return;
    }
    await this.buildAndTrace(doc.uri.fsPath);
  }

  /** Builds a C file with gcc -g and traces what it built; `previous` when Trace Again rebuilt it. */
  private async buildAndTrace(source: string, previous?: RunSummary): Promise<void> {
    const program = await buildCFile(source, this.output);
    if (!program) return;
    const uri = vscode.Uri.file(source);
    const request: TraceRequest = {
      program,
      args: ['0'],
      cwd: vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? dirname(program),
      env: {},
      ...traceSettings(uri),
    };
    await this.start(request, { origin: { kind: 'c-file', source }, previous });
  }

  /** Attach to Process…: a running process (chosen from a list, or given by a caller) is traced until Detach. */
  private async attachToProcess(given?: unknown): Promise<void> {
    if (!requireTrust(undefined, 'attach')) return;
    const pid = typeof given === 'number' || typeof given === 'string' ? given : await pickProcessToAttach();
    if (pid === undefined) return;
    await this.attach(pid);
  }

  /** Find Zombies: the holders on the machine; the chosen one is attached to. */
  private async findZombies(): Promise<void> {
    const pid = await pickZombieHolder();
    if (pid === undefined || pid === null) return;
    if (!requireTrust(undefined, 'attach')) return;
    await this.attach(pid);
  }

  private async attach(pid: number | string): Promise<void> {
    // Attached already, in a panel of ours: that panel, not strace's "already traced" about ourselves.
    const attached = [...this.runs].find((r) => r.isLive && r.trace.attach?.pid === Number(pid));
    if (attached) {
      attached.focus();
      void vscode.window.showInformationMessage(`Fork Trace: pid ${pid} is attached already, in this panel. Detach there to let it go.`);
      return;
    }
    // The pre-flight first: a refusal says why and names the fix, and nothing is changed.
    let target: { pid: number; command: string };
    try {
      target = checkAttach(pid);
    } catch (e) {
      if (e instanceof TraceError) {
        void vscode.window.showErrorMessage(`Fork Trace: ${e.message}`);
        return;
      }
      throw e;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const request: TraceRequest = {
      program: target.command.split(' ')[0] ?? `pid ${target.pid}`,
      args: [],
      cwd: folder?.fsPath ?? process.cwd(),
      env: {},
      ...traceSettings(folder),
      attachPid: target.pid,
      attachCommand: target.command,
    };
    // Attach again: the same pid, if it still runs.
    await this.start(request, { origin: { kind: 'program', request } });
  }

  /** A new trace or log is shown: the Problems entries of the ended ones go, and the fixes applied to their findings are forgotten. */
  private clearProblems(): void {
    for (const run of this.runs) run.clearProblems();
    fixRegistry.forgetApplied();
  }

  private async start(request: TraceRequest, start: RunStart): Promise<void> {
    this.clearProblems();
    this.sources.clearExplanations();
    // Attaching again to a process whose attach ended: in the same panel, not a second one with its title.
    const pid = request.attachPid;
    const ended = pid === undefined ? undefined : [...this.runs].find((r) => !r.isLive && r.trace.attach?.pid === pid);
    try {
      this.adopt(TraceRun.startLive(this, request, start, ended));
    } catch (e) {
      if (e instanceof TraceError) {
        const actions = e.code === 'not-linux' ? ['Learn about Remote Development'] : [];
        const choice = await vscode.window.showErrorMessage(`Fork Trace: ${e.message}`, ...actions);
        if (choice) void vscode.env.openExternal(vscode.Uri.parse('https://code.visualstudio.com/docs/remote/remote-overview'));
        return;
      }
      throw e;
    }
  }

  private async stopTracing(): Promise<void> {
    const live = [...this.runs].filter((r) => r.isLive);
    if (live.length === 0) {
      void vscode.window.showInformationMessage('Fork Trace: nothing is being traced.');
      return;
    }
    const target = live.includes(this.active as TraceRun) ? (this.active as TraceRun) : live[live.length - 1];
    const title = target.trace.attach
      ? `Fork Trace: detaching from pid ${target.trace.attach.pid} (snapshot, then it runs on, untraced)`
      : 'Fork Trace: stopping (snapshot, then kill the traced tree)';
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () => target.stop());
  }

  private async openLog(): Promise<void> {
    const uris = await vscode.window.showOpenDialog({
      title: 'Fork Trace: open an strace -f log (or a -ff folder)',
      canSelectFiles: true,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Open Log',
    });
    const path = uris?.[0]?.fsPath;
    if (!path) return;
    let session: TraceSession | null;
    try {
      session = await readLogWithProgress(path);
    } catch (e) {
      void vscode.window.showErrorMessage(`Fork Trace: ${(e as Error).message}`);
      return;
    }
    if (!session) {
      void vscode.window.showInformationMessage(`Fork Trace: reading ${basename(path)} was cancelled; nothing was opened.`);
      return;
    }
    this.clearProblems();
    this.adopt(TraceRun.openLog(this, path, session));
  }

  /** The walkthrough's first step: the never-reaping server, in the open folder. */
  private async createExample(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showWarningMessage('Fork Trace: open a folder first; the example is written into it.');
      return;
    }
    const path = join(folder.uri.fsPath, 'zombie_server.c');
    if (!existsSync(path)) writeFileSync(path, zombieServerSource);
    await vscode.window.showTextDocument(vscode.Uri.file(path));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.runs].map((r) => r.stop()));
  }
}

let instance: ForkTraceExtension | null = null;

export function activate(context: vscode.ExtensionContext): void {
  instance = new ForkTraceExtension(context);
  context.subscriptions.push(instance);
}

/** A reload or shutdown ends every trace: the picture is kept, no process is left behind. */
export async function deactivate(): Promise<void> {
  await instance?.stopAll();
  instance = null;
}

/**
 * A log read in steps, so the extension host stays responsive, under a cancellable
 * notification that tells how much of it is read; null when the user cancelled.
 */
function readLogWithProgress(path: string): Promise<TraceSession | null> {
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Fork Trace: reading ${basename(path)}`, cancellable: true },
      (progress, token) => {
        let shown = 0;
        return analyzeLogInSteps(path, {
          cancelled: () => token.isCancellationRequested,
          progress: (read, total) => {
            const percent = total > 0 ? Math.min(100, (100 * read) / total) : 100;
            progress.report({ increment: percent - shown, message: readWords(read, total) });
            shown = percent;
          },
        });
      },
    ),
  );
}
