// Quick fixes (the light bulb, Ctrl+.) on Fork Trace's Problems entries in C and C++
// files: each finding's FixJson becomes a CodeAction whose WorkspaceEdit makes the edits,
// the preferred one marked isPreferred. After a fix is applied, Trace Again is offered.
import * as vscode from 'vscode';
import { Disposable } from './dispose';
import { quickFixPlans, type ProblemEntry, type QuickFixPlan } from './problems';

/** Run after a fix's edit is applied: offers Trace Again. */
export const FIX_APPLIED_COMMAND = 'forkTrace.fixApplied';
export const TRACE_AGAIN_COMMAND = 'forkTrace.traceAgain';
const TRACE_AGAIN = 'Trace Again';

/**
 * The Problems entries of every run, by owner: the provider finds a diagnostic's fixes by
 * its file, line, kind and message (VS Code hands the provider copies of the diagnostics,
 * not the objects a run set).
 */
export class FixRegistry {
  private readonly byOwner = new Map<object, ProblemEntry[]>();

  set(owner: object, entries: ProblemEntry[]): void {
    if (entries.some((e) => e.fixes.length > 0)) this.byOwner.set(owner, entries);
    else this.byOwner.delete(owner);
  }

  clear(owner: object): void {
    this.byOwner.delete(owner);
  }

  /** The fixes of the finding on this 1-based line of `file`, with this kind and message. */
  find(file: string, line: number, code: string, message: string): ProblemEntry | undefined {
    for (const entries of this.byOwner.values()) {
      const hit = entries.find((e) => e.file === file && e.line === line && e.code === code && e.message === message);
      if (hit) return hit;
    }
    return undefined;
  }
}

/** The one registry the runs write to and the provider reads. */
export const fixRegistry = new FixRegistry();

/** A plan's edits as a WorkspaceEdit. */
export function workspaceEditFor(plan: QuickFixPlan): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  for (const e of plan.edits) {
    const r = e.range;
    edit.replace(vscode.Uri.file(e.file), new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter), e.newText);
  }
  return edit;
}

export class FixActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly registry: FixRegistry) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== 'Fork Trace') continue;
      const code = typeof d.code === 'object' ? String(d.code.value) : String(d.code);
      const entry = this.registry.find(document.uri.fsPath, d.range.start.line + 1, code, d.message);
      if (!entry) continue;
      for (const plan of quickFixPlans(entry.fixes)) {
        const action = new vscode.CodeAction(plan.title, vscode.CodeActionKind.QuickFix);
        action.edit = workspaceEditFor(plan);
        action.isPreferred = plan.isPreferred;
        action.diagnostics = [d];
        action.command = { command: FIX_APPLIED_COMMAND, title: 'Offer Trace Again', arguments: [plan.edits.map((e) => e.file)] };
        actions.push(action);
      }
    }
    return actions;
  }
}

/** The light bulb in C and C++ files, and the command that follows an applied fix. */
export class FixActions extends Disposable {
  constructor() {
    super();
    this._register(
      vscode.languages.registerCodeActionsProvider(
        [
          { language: 'c', scheme: 'file' },
          { language: 'cpp', scheme: 'file' },
        ],
        new FixActionProvider(fixRegistry),
        { providedCodeActionKinds: FixActionProvider.kinds },
      ),
    );
    this._register(vscode.commands.registerCommand(FIX_APPLIED_COMMAND, (files: unknown) => fixApplied(Array.isArray(files) ? files.map(String) : [])));
  }
}

/** Saves what the fix changed (the build reads the disk), then offers Trace Again. */
export async function fixApplied(files: string[]): Promise<void> {
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && files.includes(doc.uri.fsPath)) await doc.save();
  }
  const choice = await vscode.window.showInformationMessage('Fork Trace: fix applied. Trace again to see whether the finding is gone.', TRACE_AGAIN);
  if (choice === TRACE_AGAIN) await vscode.commands.executeCommand(TRACE_AGAIN_COMMAND);
}
