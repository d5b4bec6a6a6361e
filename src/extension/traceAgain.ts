// Fork Trace: Trace Again, the command and the panel's button: a run's origin once more
// (a C file rebuilt with gcc first, so an applied fix is in the binary; a program run as
// it was; a debug configuration started again, which runs its preLaunchTask), and the
// new run's panel compares it with the run it came from.
import * as vscode from 'vscode';
import { summarizeRun, type RunSummary } from '../shared/compare';
import type { SnapshotJson } from '../shared/schema';
import type { TraceRequest } from './traceRun';
import { requireTrust } from './trust';

/** Where a trace came from, so Trace Again can do it again. */
export type TraceOrigin =
  | { kind: 'c-file'; source: string }
  | { kind: 'program'; request: TraceRequest }
  | { kind: 'debug'; folder: vscode.WorkspaceFolder | undefined; configuration: vscode.DebugConfiguration };

/** A run as Trace Again sees it. */
export interface TracedRun {
  readonly origin: TraceOrigin | null;
  readonly trace: { title: string; message: string | null };
  snapshot(): Pick<SnapshotJson, 'summary' | 'diagnostics'> | null;
}

export interface TraceAgainHost {
  /** Stops every live trace (its picture kept): one trace at a time. */
  stopLive(): Promise<void>;
  buildAndTrace(source: string, previous: RunSummary): Promise<void>;
  start(request: TraceRequest, origin: TraceOrigin, previous: RunSummary): Promise<void>;
  /** Offered when the workspace is not trusted: a log can be read without running anything. */
  openLog(): Promise<void>;
}

export class TraceAgain {
  /** The last run started with an origin: what the command traces again. */
  private last: TracedRun | null = null;
  /** A debug configuration Trace Again started: its run, when the adapter reports it, compares with this. */
  private pendingDebug: { name: string; previous: RunSummary } | null = null;

  constructor(private readonly host: TraceAgainHost) {}

  /** A run began; one with an origin is what the command traces again next. */
  started(run: TracedRun): void {
    if (run.origin) this.last = run;
  }

  /** Traces `from`'s origin again (the last run's, by default); the new run compares with `from`. */
  async run(from: TracedRun | null = this.last): Promise<void> {
    const origin = from?.origin;
    if (!from || !origin) {
      void vscode.window.showInformationMessage(
        'Fork Trace: nothing to trace again yet. Trace a program first (Build and Trace the Active C File, or Trace Forks).',
      );
      return;
    }
    if (!requireTrust(() => void this.host.openLog())) return;
    // The run compared against is over first, so its counts are the ones at its end.
    await this.host.stopLive();
    const previous = summaryOf(from);
    switch (origin.kind) {
      case 'c-file':
        await this.host.buildAndTrace(origin.source, previous);
        return;
      case 'program':
        await this.host.start(origin.request, origin, previous);
        return;
      case 'debug': {
        this.pendingDebug = { name: String(origin.configuration.name ?? ''), previous };
        const started = await vscode.debug.startDebugging(origin.folder, origin.configuration);
        if (!started) this.pendingDebug = null;
        return;
      }
    }
  }

  /** The run a debug session of this configuration reports was started by Trace Again: what it compares with. */
  debugPrevious(configuration: vscode.DebugConfiguration): RunSummary | undefined {
    const pending = this.pendingDebug;
    if (!pending || pending.name !== String(configuration.name ?? '')) return undefined;
    this.pendingDebug = null;
    return pending.previous;
  }
}

/** What a new run compares with: `run` as it stands (at its end, once it is over). */
export function summaryOf(run: TracedRun): RunSummary {
  return summarizeRun(run.trace.title, run.trace.message, run.snapshot() ?? { summary: EMPTY_SUMMARY, diagnostics: [] });
}

const EMPTY_SUMMARY = { processes: 0, running: 0, zombiesAtEnd: 0, maxZombies: 0, orphans: 0 };
