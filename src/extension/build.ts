// Building the active C or C++ file for a trace: gcc (g++) -g -O0 next to the source,
// so the binary's debug info names the file the user is editing. Used by "Build and
// Trace the Active C File", the program picker and F5 without a launch.json.
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

/** The source files Fork Trace knows how to build (the C and C++ extensions). */
export const C_EXTENSIONS = ['.c', '.cc', '.cpp', '.cxx'];

export function isCSource(path: string): boolean {
  return C_EXTENSIONS.includes(extname(path));
}

/** Where the build puts the program: next to the source, same basename. */
export function binaryFor(source: string): string {
  return join(dirname(source), basename(source, extname(source)));
}

export interface BuildOptions {
  /** Take the binary as it is when it is not older than its source (F5); otherwise always build. */
  reuseUpToDate?: boolean;
  /** How a compile error is worded: F5 quotes the compiler's first error line; the commands point at the Fork Trace output. */
  quoteFirstError?: boolean;
}

/** The program built from `source`, or undefined when it did not build (the user was told why). */
export async function buildCFile(source: string, output: vscode.OutputChannel, options: BuildOptions = {}): Promise<string | undefined> {
  const binary = binaryFor(source);
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === source);
  if (doc?.isDirty) await doc.save();
  if (options.reuseUpToDate && existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  const compiler = extname(source) === '.c' ? 'gcc' : 'g++';
  const args = ['-g', '-O0', '-Wall', '-o', binary, source];
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Fork Trace: building ${basename(source)} with ${compiler} -g` },
    () =>
      new Promise<string | undefined>((resolve) => {
        execFile(compiler, args, { cwd: dirname(source) }, (error, _stdout, stderr) => {
          output.appendLine(`$ ${compiler} ${args.join(' ')}`);
          if (stderr) output.append(stderr);
          if (!error) return resolve(binary);
          output.show(true);
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          void vscode.window.showErrorMessage(
            missing ? `Fork Trace: ${compiler} is not installed. Install it: sudo apt-get install ${compiler}` : compileFailure(source, stderr, options),
          );
          resolve(undefined);
        });
      }),
  );
}

function compileFailure(source: string, stderr: string, options: BuildOptions): string {
  if (!options.quoteFirstError) return `Fork Trace: ${basename(source)} did not compile; see the Fork Trace output for the compiler's messages.`;
  const firstError = stderr
    .split('\n')
    .find((l) => /error/.test(l))
    ?.trim();
  return `Fork Trace: ${basename(source)} did not compile${firstError ? `: ${firstError}` : ''}. The compiler's messages are in the output.`;
}
