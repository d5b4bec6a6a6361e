// What to trace: the workspace settings when they name a program; otherwise a quick
// pick of the workspace's executables, the active C file (built with gcc -g), recent
// choices and Browse…, then the arguments (remembered per program and workspace).
import * as vscode from 'vscode';
import { accessSync, constants, openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { buildCFile, isCSource } from './build';
import { joinCommandLine, splitCommandLine } from './commandLine';
import { configuredProgram, currentFolder, requestFromSettings } from './settings';
import type { TraceRequest } from './traceRun';

const RECENT_KEY = 'forkTrace.recent';
const ARGS_KEY = 'forkTrace.argsByProgram';
const MAX_RECENT = 5;
const MAX_SCANNED_FILES = 3000;

interface Recent {
  program: string;
  args: string[];
}

type Pick = vscode.QuickPickItem & { action: 'build' | 'browse' | 'program'; program?: string; args?: string[] };

/** Asks (or reads the settings) for what to trace; undefined when the user cancels. */
export async function chooseTraceRequest(state: vscode.Memento, output: vscode.OutputChannel): Promise<TraceRequest | undefined> {
  const folder = currentFolder();
  const configured = configuredProgram(folder);
  if (configured) return requestFromSettings(folder, configured.program, configured.args);
  const picked = await pickProgram(state, folder);
  if (!picked) return undefined;
  let program = picked.program;
  if (picked.build) {
    const built = await buildCFile(picked.build, output);
    if (!built) return undefined;
    program = built;
  }
  const remembered = state.get<Record<string, string[]>>(ARGS_KEY, {})[program] ?? picked.args ?? [];
  const argsText = await vscode.window.showInputBox({
    title: `Fork Trace: arguments for ${basename(program)}`,
    prompt: 'Arguments, as you would type them after the program in a shell (no shell is used)',
    value: joinCommandLine(remembered),
    validateInput: (text) => {
      try {
        splitCommandLine(text);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  if (argsText === undefined) return undefined;
  const args = splitCommandLine(argsText);
  await remember(state, program, args);
  return requestFromSettings(folder, program, args);
}

async function remember(state: vscode.Memento, program: string, args: string[]): Promise<void> {
  const byProgram = { ...state.get<Record<string, string[]>>(ARGS_KEY, {}), [program]: args };
  await state.update(ARGS_KEY, byProgram);
  const recent = [{ program, args }, ...state.get<Recent[]>(RECENT_KEY, []).filter((r) => r.program !== program)].slice(0, MAX_RECENT);
  await state.update(RECENT_KEY, recent);
}

async function pickProgram(
  state: vscode.Memento,
  folder: vscode.WorkspaceFolder | undefined,
): Promise<{ program: string; args?: string[]; build?: string } | undefined> {
  const items: Pick[] = [];
  const active = vscode.window.activeTextEditor?.document;
  if (active && isCSource(active.uri.fsPath)) {
    items.push({
      label: '$(tools) Build and trace the active C file',
      description: `${basename(active.uri.fsPath)} with gcc -g`,
      action: 'build',
      program: active.uri.fsPath,
    });
  }
  const recent = state.get<Recent[]>(RECENT_KEY, []).filter((r) => isExecutable(r.program));
  if (recent.length > 0) items.push({ label: 'Recent', kind: vscode.QuickPickItemKind.Separator, action: 'program' });
  for (const r of recent) {
    items.push({
      label: `$(history) ${basename(r.program)}`,
      description: joinCommandLine(r.args),
      detail: r.program,
      action: 'program',
      program: r.program,
      args: r.args,
    });
  }
  const executables = await workspaceExecutables();
  if (executables.length > 0) items.push({ label: 'Workspace executables', kind: vscode.QuickPickItemKind.Separator, action: 'program' });
  for (const path of executables) {
    items.push({
      label: `$(file-binary) ${basename(path)}`,
      description: folder ? relative(folder.uri.fsPath, dirname(path)) || '.' : dirname(path),
      action: 'program',
      program: path,
    });
  }
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator, action: 'program' });
  items.push({ label: '$(folder-opened) Browse…', action: 'browse' });
  const choice = await vscode.window.showQuickPick(items, {
    title: 'Fork Trace: what should run under strace?',
    placeHolder: 'A program to trace (set forkTrace.program in the settings to skip this)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!choice) return undefined;
  if (choice.action === 'build' && choice.program) return { program: choice.program, build: choice.program };
  if (choice.action === 'browse') {
    const uris = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Trace',
      defaultUri: folder?.uri,
      title: 'Fork Trace: choose a program',
    });
    return uris?.[0] ? { program: uris[0].fsPath } : undefined;
  }
  return choice.program ? { program: choice.program, args: choice.args } : undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** ELF files with the execute bit, outside node_modules and .git. */
async function workspaceExecutables(): Promise<string[]> {
  const uris = await vscode.workspace.findFiles('**/*', '{**/node_modules/**,**/.git/**,**/*.{c,h,cc,cpp,o,so,a,ts,js,json,md,txt,py,log}}', MAX_SCANNED_FILES);
  const out: string[] = [];
  for (const uri of uris) {
    const path = uri.fsPath;
    if (!isExecutable(path)) continue;
    const head = Buffer.alloc(4);
    try {
      const fd = openSync(path, 'r');
      readSync(fd, head, 0, 4, 0);
      closeSync(fd);
    } catch {
      continue;
    }
    if (head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF') out.push(path);
  }
  return out.sort();
}
