// Quick fixes (the light bulb, Ctrl+.) on Fork Trace's Problems entries in C and C++
// files: each finding's FixJson becomes a CodeAction whose WorkspaceEdit makes the edits,
// the preferred one marked isPreferred. The panel's Fix… applies the same plans through
// applyFix. After a fix is applied, Trace Again is offered.
import * as vscode from 'vscode';
import type { FixJson } from '../shared/schema';
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
  /**
   * The plans applied since the last trace began (by planKey): applying one twice would
   * insert its code twice, so the light bulb drops it and Fix… says so.
   */
  private readonly applied = new Set<string>();

  set(owner: object, entries: ProblemEntry[]): void {
    if (entries.some((e) => e.fixes.length > 0)) this.byOwner.set(owner, entries);
    else this.byOwner.delete(owner);
  }

  clear(owner: object): void {
    this.byOwner.delete(owner);
  }

  markApplied(plan: QuickFixPlan): void {
    this.applied.add(planKey(plan));
  }

  wasApplied(plan: QuickFixPlan): boolean {
    return this.applied.has(planKey(plan));
  }

  /** A new trace begins: its findings' fixes are computed from the source as it is now. */
  forgetApplied(): void {
    this.applied.clear();
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

/** A plan by its edits: the same edits are the same fix, whichever finding offered them. */
function planKey(plan: QuickFixPlan): string {
  return JSON.stringify(plan.edits);
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
        if (this.registry.wasApplied(plan)) continue;
        const action = new vscode.CodeAction(plan.title, vscode.CodeActionKind.QuickFix);
        action.edit = workspaceEditFor(plan);
        action.isPreferred = plan.isPreferred;
        action.diagnostics = [d];
        action.command = { command: FIX_APPLIED_COMMAND, title: 'Offer Trace Again', arguments: [plan.edits.map((e) => e.file), plan] };
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
    this._register(
      vscode.commands.registerCommand(FIX_APPLIED_COMMAND, (files: unknown, plan: unknown) => {
        if (isPlan(plan)) fixRegistry.markApplied(plan);
        return fixApplied(Array.isArray(files) ? files.map(String) : []);
      }),
    );
  }
}

function isPlan(value: unknown): value is QuickFixPlan {
  return typeof value === 'object' && value !== null && Array.isArray((value as QuickFixPlan).edits);
}

/**
 * The panel's Fix…: the same plans as the light bulb. One fix is applied at once; of
 * several, the user picks (the preferred one first). Then saved, and Trace Again offered.
 */
export async function applyFix(fixes: readonly FixJson[]): Promise<void> {
  const plans = quickFixPlans(fixes);
  let plan: QuickFixPlan | undefined = plans[0];
  if (plans.length > 1) {
    const picked = await vscode.window.showQuickPick(
      plans.map((p) => ({ label: p.title, description: p.isPreferred ? 'preferred' : undefined, plan: p })),
      { title: 'Fork Trace: which fix?', placeHolder: 'The fix is applied to the source and saved; then Trace Again shows whether it worked' },
    );
    plan = picked?.plan;
  }
  if (!plan) return;
  if (fixRegistry.wasApplied(plan)) {
    const choice = await vscode.window.showInformationMessage(
      'Fork Trace: this fix was applied already. Trace again to see whether the finding is gone.',
      TRACE_AGAIN,
    );
    if (choice === TRACE_AGAIN) await vscode.commands.executeCommand(TRACE_AGAIN_COMMAND);
    return;
  }
  if (!(await vscode.workspace.applyEdit(workspaceEditFor(plan)))) {
    void vscode.window.showErrorMessage(
      `Fork Trace: the fix "${plan.title}" could not be applied (the file may be read-only or changed on disk). Trace again, then try the fix once more.`,
    );
    return;
  }
  fixRegistry.markApplied(plan);
  await fixApplied(plan.edits.map((e) => e.file));
}

/** Saves what the fix changed (the build reads the disk), then offers Trace Again. */
export async function fixApplied(files: string[]): Promise<void> {
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isDirty && files.includes(doc.uri.fsPath)) await doc.save();
  }
  const choice = await vscode.window.showInformationMessage('Fork Trace: fix applied. Trace again to see whether the finding is gone.', TRACE_AGAIN);
  if (choice === TRACE_AGAIN) await vscode.commands.executeCommand(TRACE_AGAIN_COMMAND);
}
