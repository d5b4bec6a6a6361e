// Click-to-source: open the file in the code column, select the line, flash it, and
// show the explanation beside it (hover for the whole of it).
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import type { DiagnosticJson, SourceLocation } from '../shared/schema';

const flash = vscode.window.createTextEditorDecorationType({
  backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
  isWholeLine: true,
});
const explanation = vscode.window.createTextEditorDecorationType({
  after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  isWholeLine: true,
});

const FLASH_MS = 1500;
const EXPLANATION_CHARS = 140;

export async function revealLocation(location: SourceLocation, diagnostic: DiagnosticJson | null): Promise<vscode.TextEditor | undefined> {
  if (!existsSync(location.file)) {
    void vscode.window.showWarningMessage(`Fork Trace: ${location.file} does not exist on this machine (was the program built elsewhere?).`);
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(location.file));
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preview: true, preserveFocus: false });
  const line = Math.max(0, Math.min(location.line - 1, doc.lineCount - 1));
  const range = doc.lineAt(line).range;
  // The cursor at the line's start, so the explanation's hover opens there, in view.
  editor.selection = new vscode.Selection(range.end, range.start);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
  editor.setDecorations(flash, [range]);
  setTimeout(() => editor.setDecorations(flash, []), FLASH_MS);
  if (diagnostic) {
    const first = diagnostic.message.length > EXPLANATION_CHARS ? `${diagnostic.message.slice(0, EXPLANATION_CHARS - 1)}…` : diagnostic.message;
    const hover = new vscode.MarkdownString();
    hover.appendText(`Fork Trace — ${diagnostic.kind}\n\n${diagnostic.message}`);
    editor.setDecorations(explanation, [{ range, hoverMessage: hover, renderOptions: { after: { contentText: `← ${first}` } } }]);
    // The after-text can sit past the editor's right edge on a long line: the hover cannot.
    void vscode.commands.executeCommand('editor.action.showHover');
  } else {
    editor.setDecorations(explanation, []);
  }
  return editor;
}

export function clearExplanations(): void {
  for (const editor of vscode.window.visibleTextEditors) editor.setDecorations(explanation, []);
}
