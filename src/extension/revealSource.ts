// Click-to-source: open the file in the code column, select the line, flash it, and
// show the explanation beside it (hover for the whole of it).
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import type { DiagnosticJson, SourceLocation } from '../shared/schema';
import { Disposable, toDisposable } from './dispose';

const FLASH_MS = 1500;
const EXPLANATION_CHARS = 140;

/** Owns the two decorations (and the flashes still fading), so they go with the extension. */
export class SourceRevealer extends Disposable {
  private readonly flash = this._register(
    vscode.window.createTextEditorDecorationType({
      backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
      isWholeLine: true,
    }),
  );
  private readonly explanation = this._register(
    vscode.window.createTextEditorDecorationType({
      after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
      isWholeLine: true,
    }),
  );
  private readonly fading = new Set<ReturnType<typeof setTimeout>>();

  constructor() {
    super();
    this._register(
      toDisposable(() => {
        for (const timer of this.fading) clearTimeout(timer);
      }),
    );
  }

  async reveal(location: SourceLocation, diagnostic: DiagnosticJson | null): Promise<vscode.TextEditor | undefined> {
    if (!existsSync(location.file)) {
      void vscode.window.showWarningMessage(`Fork Trace: ${location.file} does not exist on this machine (was the program built elsewhere?).`);
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(location.file));
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preview: true, preserveFocus: false });
    if (this.isDisposed) return editor;
    const line = Math.max(0, Math.min(location.line - 1, doc.lineCount - 1));
    const range = doc.lineAt(line).range;
    // The cursor at the line's start, so the explanation's hover opens there, in view.
    editor.selection = new vscode.Selection(range.end, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
    editor.setDecorations(this.flash, [range]);
    const timer = setTimeout(() => {
      this.fading.delete(timer);
      editor.setDecorations(this.flash, []);
    }, FLASH_MS);
    this.fading.add(timer);
    if (diagnostic) {
      const first = diagnostic.message.length > EXPLANATION_CHARS ? `${diagnostic.message.slice(0, EXPLANATION_CHARS - 1)}…` : diagnostic.message;
      const hover = new vscode.MarkdownString();
      hover.appendText(`Fork Trace — ${diagnostic.kind}\n\n${diagnostic.message}`);
      editor.setDecorations(this.explanation, [{ range, hoverMessage: hover, renderOptions: { after: { contentText: `← ${first}` } } }]);
      // The after-text can sit past the editor's right edge on a long line: the hover cannot.
      void vscode.commands.executeCommand('editor.action.showHover');
    } else {
      editor.setDecorations(this.explanation, []);
    }
    return editor;
  }

  clearExplanations(): void {
    for (const editor of vscode.window.visibleTextEditors) editor.setDecorations(this.explanation, []);
  }
}
