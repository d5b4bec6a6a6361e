// The forkTrace.* settings, read in one place: every command and F5 take the same
// values, with ${workspaceFolder}, ${file}, ${env:NAME} substituted the same way.
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import { substituteVariables, type VariableContext } from './commandLine';
import type { TraceRequest } from './traceRun';
import type { StackMode } from '../tracer/liveTrace';
import { DEFAULT_KEEP_REAPED } from '../core/folding';

const SECTION = 'forkTrace';

/** What every trace takes from the settings, whatever program it runs. */
export type TraceSettings = Pick<TraceRequest, 'stackMode' | 'lingerThreshold' | 'keepReaped' | 'strace'>;

/** The folder of the active editor's file, else the first one open. */
export function currentFolder(): vscode.WorkspaceFolder | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
}

function variableContext(folder: vscode.WorkspaceFolder | undefined): VariableContext {
  return { workspaceFolder: folder?.uri.fsPath ?? null, file: vscode.window.activeTextEditor?.document.uri.fsPath ?? null, env: process.env };
}

/** forkTrace.stackMode, forkTrace.lingerThreshold, forkTrace.keepReaped and forkTrace.straceCommand, for this resource. */
export function traceSettings(scope: vscode.Uri | undefined): TraceSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    stackMode: config.get<StackMode>('stackMode', 'fast'),
    lingerThreshold: config.get<number>('lingerThreshold', 1),
    keepReaped: config.get<number>('keepReaped', DEFAULT_KEEP_REAPED),
    strace: config.get<string>('straceCommand', 'strace') || 'strace',
  };
}

/** forkTrace.program and forkTrace.args, substituted; null when no program is set. Throws on a bad variable. */
export function configuredProgram(folder: vscode.WorkspaceFolder | undefined): { program: string; args: string[] } | null {
  const config = vscode.workspace.getConfiguration(SECTION, folder?.uri);
  const configured = config.get<string>('program', '');
  if (!configured) return null;
  const ctx = variableContext(folder);
  const program = substituteVariables(configured, ctx);
  const args = config.get<string[]>('args', []).map((a) => substituteVariables(a, ctx));
  return { program, args };
}

/** A whole request for this program: forkTrace.cwd and forkTrace.env substituted, the rest as set. Throws on a bad variable. */
export function requestFromSettings(folder: vscode.WorkspaceFolder | undefined, program: string, args: string[]): TraceRequest {
  const config = vscode.workspace.getConfiguration(SECTION, folder?.uri);
  const ctx = variableContext(folder);
  const cwdSetting = config.get<string>('cwd', '');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.get<Record<string, string>>('env', {}))) env[k] = substituteVariables(String(v), ctx);
  return {
    program,
    args,
    cwd: cwdSetting ? substituteVariables(cwdSetting, ctx) : (folder?.uri.fsPath ?? dirname(program)),
    env,
    ...traceSettings(folder?.uri),
  };
}
