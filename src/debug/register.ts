// The `forktrace` debug type in VS Code: the adapter runs inline in the extension host,
// and F5 gets a program to trace even without a launch.json (the active C file's build).
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { ForkTraceDebugSession, type ForkTraceSessionHooks } from './forkTraceSession';
import { DEBUG_TYPE } from './launchArgs';

const C_EXTENSIONS = ['.c', '.cc', '.cpp', '.cxx'];

export function registerDebugType(context: vscode.ExtensionContext, hooks: ForkTraceSessionHooks, output?: vscode.OutputChannel): void {
  let ownOutput: vscode.OutputChannel | undefined;
  const log = (): vscode.OutputChannel => output ?? (ownOutput ??= vscode.window.createOutputChannel('Fork Trace Debug'));
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: (session) => {
        const strace = vscode.workspace.getConfiguration('forkTrace', session.workspaceFolder?.uri).get<string>('straceCommand', 'strace') || 'strace';
        return new vscode.DebugAdapterInlineImplementation(new ForkTraceDebugSession(hooks, { strace }));
      },
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, { resolveDebugConfiguration: (folder, config) => resolveConfiguration(folder, config, log) }),
    { dispose: () => ownOutput?.dispose() },
  );
}

async function resolveConfiguration(
  folder: vscode.WorkspaceFolder | undefined,
  config: vscode.DebugConfiguration,
  log: () => vscode.OutputChannel,
): Promise<vscode.DebugConfiguration | undefined> {
  // Running a program is code execution: only in a trusted workspace.
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Fork Trace runs a program from this workspace, which is not trusted. Trust the workspace to trace programs.', 'Manage Workspace Trust').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return undefined;
  }
  const resolved = { ...config };
  const activeDoc = vscode.window.activeTextEditor?.document;
  const activeSource = activeDoc && C_EXTENSIONS.includes(extname(activeDoc.uri.fsPath)) ? activeDoc : undefined;
  if (!resolved.type && !resolved.request && !resolved.name) {
    // F5 with no launch.json: trace the active C file's program.
    resolved.type = DEBUG_TYPE;
    resolved.request = 'launch';
    resolved.name = activeSource ? `Fork Trace: ${basename(activeSource.uri.fsPath, extname(activeSource.uri.fsPath))}` : 'Fork Trace';
  }
  const settings = vscode.workspace.getConfiguration('forkTrace', folder?.uri ?? activeSource?.uri);
  resolved.stackMode ??= settings.get<string>('stackMode', 'fast');
  resolved.lingerThreshold ??= settings.get<number>('lingerThreshold', 1);
  if (!resolved.program) {
    const program = activeSource ? await programOf(activeSource, log()) : await askForProgram(folder);
    if (!program) return undefined; // cancelled, or it did not compile (already said)
    resolved.program = program;
    resolved.cwd ??= folder?.uri.fsPath ?? dirname(program);
  }
  resolved.cwd ??= folder?.uri.fsPath;
  return resolved;
}

/** The binary built from a C file: next to it, same basename; rebuilt with gcc -g when missing or older. */
async function programOf(doc: vscode.TextDocument, output: vscode.OutputChannel): Promise<string | undefined> {
  const source = doc.uri.fsPath;
  const binary = join(dirname(source), basename(source, extname(source)));
  if (doc.isDirty) await doc.save();
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  return build(source, binary, output);
}

function build(source: string, binary: string, output: vscode.OutputChannel): Promise<string | undefined> {
  const compiler = extname(source) === '.c' ? 'gcc' : 'g++';
  const args = ['-g', '-O0', '-Wall', '-o', binary, source];
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Fork Trace: building ${basename(source)} with ${compiler} -g` }, () =>
      new Promise<string | undefined>((resolve) => {
        execFile(compiler, args, { cwd: dirname(source) }, (error, _stdout, stderr) => {
          output.appendLine(`$ ${compiler} ${args.join(' ')}`);
          if (stderr) output.append(stderr);
          if (!error) return resolve(binary);
          output.show(true);
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          const firstError = stderr.split('\n').find((l) => /error/.test(l))?.trim();
          void vscode.window.showErrorMessage(
            missing
              ? `Fork Trace: ${compiler} is not installed. Install it: sudo apt-get install ${compiler}`
              : `Fork Trace: ${basename(source)} did not compile${firstError ? `: ${firstError}` : ''}. The compiler's messages are in the output.`,
          );
          resolve(undefined);
        });
      }),
    ),
  );
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
