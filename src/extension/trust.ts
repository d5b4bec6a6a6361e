// Running a program is code execution, and attaching takes control of a running process:
// only in a trusted workspace. Every way of starting a trace (the commands, F5) asks here first.
import * as vscode from 'vscode';

const NOT_TRUSTED = {
  run: 'Fork Trace: tracing runs a program from this workspace, which is not trusted. Trust the workspace to trace programs',
  attach:
    'Fork Trace: attaching takes control of a running process (strace stops it at every system call), which this untrusted workspace may not do. Trust the workspace to attach',
};
const MANAGE_TRUST = 'Manage Workspace Trust';
const OPEN_LOG = 'Open strace Log…';

/**
 * True in a trusted workspace; otherwise says why not, offers to manage trust and,
 * given `openLog`, offers what works without trust: reading a log someone recorded.
 */
export function requireTrust(openLog?: () => unknown, action: keyof typeof NOT_TRUSTED = 'run'): boolean {
  if (vscode.workspace.isTrusted) return true;
  const why = NOT_TRUSTED[action];
  const message = openLog ? `${why}; opening an existing strace log works without trust.` : `${why}.`;
  const actions = openLog ? [MANAGE_TRUST, OPEN_LOG] : [MANAGE_TRUST];
  void vscode.window.showWarningMessage(message, ...actions).then((choice) => {
    if (choice === MANAGE_TRUST) void vscode.commands.executeCommand('workbench.trust.manage');
    if (choice === OPEN_LOG) void openLog?.();
  });
  return false;
}
