// The `forktrace` debug type in VS Code: the adapter runs inline in the extension host,
// and F5 gets a program to trace even without a launch.json (the active C file's build).
import * as vscode from 'vscode';
import { basename, dirname, extname, join } from 'node:path';
import { buildCFile, isCSource } from '../extension/build';
import { traceSettings } from '../extension/settings';
import { requireTrust } from '../extension/trust';
import { ForkTraceDebugSession, type ForkTraceSessionHooks } from './forkTraceSession';
import { DEBUG_TYPE } from './launchArgs';

/**
 * The adapter factory and F5's configuration provider; `output` gets the compiler's
 * messages. `hooksFor` gets the session its adapter serves: while a launch runs, VS Code
 * has not yet made it the active session, so the hooks cannot ask which one it is.
 */
export function registerDebugType(hooksFor: (session: vscode.DebugSession) => ForkTraceSessionHooks, output: vscode.OutputChannel): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: (session) => {
        const { strace } = traceSettings(session.workspaceFolder?.uri);
        return new vscode.DebugAdapterInlineImplementation(new ForkTraceDebugSession(hooksFor(session), { strace }));
      },
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      resolveDebugConfiguration: (folder, config) => resolveConfiguration(folder, config, output),
    }),
  );
}

/**
 * Set in a configuration whose program F5 built from the active C file (no program in
 * launch.json): the source. Private (VS Code's own private attributes start with `__` too).
 */
const BUILT_FROM = '__forkTraceBuiltFrom';

async function resolveConfiguration(
  folder: vscode.WorkspaceFolder | undefined,
  config: vscode.DebugConfiguration,
  output: vscode.OutputChannel,
): Promise<vscode.DebugConfiguration | undefined> {
  if (!requireTrust(undefined, config.request === 'attach' ? 'attach' : 'run')) return undefined;
  const resolved = { ...config };
  const activeDoc = vscode.window.activeTextEditor?.document;
  const activeSource = activeDoc && isCSource(activeDoc.uri.fsPath) ? activeDoc : undefined;
  if (!resolved.type && !resolved.request && !resolved.name) {
    // F5 with no launch.json: trace the active C file's program.
    resolved.type = DEBUG_TYPE;
    resolved.request = 'launch';
    resolved.name = activeSource ? `Fork Trace: ${basename(activeSource.uri.fsPath, extname(activeSource.uri.fsPath))}` : 'Fork Trace';
  }
  const settings = traceSettings(folder?.uri ?? activeSource?.uri);
  resolved.stackMode ??= settings.stackMode;
  resolved.lingerThreshold ??= settings.lingerThreshold;
  resolved.keepReaped ??= settings.keepReaped;
  // An attach runs no program: its processId (or ${command:pickProcess}) names the process.
  if (resolved.request === 'attach') return resolved;
  const builtFrom: unknown = resolved[BUILT_FROM];
  if (!resolved.program) {
    // The active C file's binary, rebuilt only when it is missing or older than the source.
    const program = activeSource
      ? await buildCFile(activeSource.uri.fsPath, output, { reuseUpToDate: true, quoteFirstError: true })
      : await askForProgram(folder);
    if (!program) return undefined; // cancelled, or it did not compile (already said)
    resolved.program = program;
    resolved.cwd ??= folder?.uri.fsPath ?? dirname(program);
    // Trace Again starts the session's resolved configuration again: it names the source, to be built again.
    if (activeSource) resolved[BUILT_FROM] = activeSource.uri.fsPath;
  } else if (typeof builtFrom === 'string' && isCSource(builtFrom)) {
    // Trace Again of a run whose program F5 built: built again, so a fix is in the binary (as a preLaunchTask would).
    const program = await buildCFile(builtFrom, output, { quoteFirstError: true });
    if (!program) return undefined;
    resolved.program = program;
  }
  resolved.cwd ??= folder?.uri.fsPath;
  return resolved;
}

async function askForProgram(folder: vscode.WorkspaceFolder | undefined): Promise<string | undefined> {
  const base = folder?.uri.fsPath;
  const text = await vscode.window.showInputBox({
    title: 'Fork Trace: which program should run under strace?',
    prompt: 'A path to an executable (relative to the workspace folder), or a name on PATH. Set "program" in launch.json to skip this.',
    placeHolder: base ? `${base}/server` : '/path/to/server',
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim() ? null : 'Name the program to trace.'),
  });
  if (!text?.trim()) return undefined;
  const program = text.trim();
  return base && program.includes('/') && !program.startsWith('/') && !program.startsWith('${') ? join(base, program) : program;
}
