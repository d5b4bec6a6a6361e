// How the editor starts a trace, for "Trace Forks" and for F5 alike: the program's
// stdin/stdout/stderr are pipes (a terminal or the Debug Console shows them), and its
// source lines come from a SiteResolver rooted at its working directory, which starts
// disassembling while the program starts. No vscode import: the debug adapter runs standalone too.
import { LiveTrace, type LiveTraceOptions } from '../tracer/liveTrace';
import { createFixProvider } from '../fixes/provider';
import { SiteResolver } from '../sites';

export type PipedTraceOptions = Omit<LiveTraceOptions, 'cwd' | 'env' | 'stdio' | 'locator'> & {
  cwd: string;
  /** Added to the environment the editor (or the adapter) runs with. */
  env?: Record<string, string>;
};

/** Starts the trace; throws TraceError (with the fix) when it cannot start. */
export function startPipedTrace(options: PipedTraceOptions): LiveTrace {
  const env = { ...process.env, ...options.env };
  const resolver = new SiteResolver({ cwd: options.cwd, program: options.program, workspaceRoot: options.cwd, libraryPath: env.LD_LIBRARY_PATH });
  const live = LiveTrace.start({ ...options, env, stdio: ['pipe', 'pipe', 'pipe'], locator: resolver.locator(), fixer: createFixProvider() });
  void resolver.prepare([live.program]);
  return live;
}
