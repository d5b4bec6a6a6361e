// How the editor starts a trace, for "Trace Forks" and for F5 alike: the program's
// stdin/stdout/stderr are pipes (a terminal or the Debug Console shows them), and its
// source lines come from a SiteResolver rooted at its working directory, which starts
// disassembling while the program starts. An attach ("Attach to Process…", a debug
// `attach`) roots the resolver at the running process's own binary and directory.
// No vscode import: the debug adapter runs standalone too.
import { readProcLink } from '../tracer/procfs';
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

export type AttachedTraceOptions = Omit<LiveTraceOptions, 'program' | 'args' | 'cwd' | 'env' | 'stdio' | 'locator' | 'attachPid'> & {
  pid: number;
};

/**
 * Attaches to a running process; throws TraceError (the pre-flight's message, with the
 * fix) when it cannot. Its stdio is its own: nothing of it passes through us.
 */
export function startAttachedTrace(options: AttachedTraceOptions): LiveTrace {
  const { pid, ...rest } = options;
  const { resolver, program, cwd } = attachedResolver(pid);
  const live = LiveTrace.start({ ...rest, program, cwd, attachPid: pid, locator: resolver.locator(), fixer: createFixProvider() });
  void resolver.prepare([live.program]);
  return live;
}

/**
 * The SiteResolver for a running process: its binary and working directory name its
 * source lines (a script's relative path in its argv is relative to its directory, not to
 * ours); unreadable (another user's): /proc's own paths.
 */
export function attachedResolver(pid: number, libraryPath?: string): { resolver: SiteResolver; program: string; cwd: string } {
  const program = readProcLink(pid, 'exe') ?? `/proc/${pid}/exe`;
  const cwd = readProcLink(pid, 'cwd') ?? process.cwd();
  return { resolver: new SiteResolver({ cwd, program, workspaceRoot: cwd, libraryPath }), program, cwd };
}
