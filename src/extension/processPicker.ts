// The process pickers, as the C++ and Node debuggers have them: a /proc scan shown as a
// quick pick that filters on the pid, the command line, the user and what it holds.
// "Attach to Process…", the debug type's ${command:pickProcess} and "Find Zombies" use them.
import * as vscode from 'vscode';
import { zombieScanSummary } from '../shared/words';
import { scanProcesses, zombieHolders } from '../tracer/procScan';
import { attachPickItems, zombiePickItems, type ProcessPickItem } from './processItems';

interface PidItem extends vscode.QuickPickItem {
  pid: number;
}

function toQuickPick(item: ProcessPickItem): PidItem {
  return { label: item.label, description: item.description, detail: item.detail, pid: item.pid };
}

/** Every process one can attach to; the chosen pid, or undefined when the user cancels. */
export async function pickProcessToAttach(title = 'Fork Trace: attach to which process?'): Promise<number | undefined> {
  const items = attachPickItems(scanProcesses(), { ownPid: process.pid }).map(toQuickPick);
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: 'Type a pid, a word of the command line or a user; processes holding zombies come first',
    matchOnDescription: true,
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  return picked?.pid;
}

/**
 * The processes holding zombies, machine-wide, the biggest first. Undefined when the user
 * cancels; null when the machine has no zombie (the user was told so).
 */
export async function pickZombieHolder(): Promise<number | undefined | null> {
  const holders = zombieHolders(scanProcesses());
  if (holders.length === 0) {
    void vscode.window.showInformationMessage(`Fork Trace: ${zombieScanSummary(0, 0)}`);
    return null;
  }
  const total = holders.reduce((n, h) => n + h.count, 0);
  const picked = await vscode.window.showQuickPick(zombiePickItems(holders).map(toQuickPick), {
    title: `Fork Trace: ${zombieScanSummary(total, holders.length)}`,
    placeHolder: 'Choose a process to attach to it and watch its zombies (detaching leaves it running)',
    matchOnDescription: true,
    matchOnDetail: true,
    ignoreFocusOut: true,
  });
  return picked?.pid;
}
