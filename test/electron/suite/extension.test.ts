// API-level checks inside a real VS Code extension host (not run where VS Code cannot
// be downloaded; the code-server e2e test drives the UI there).
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { suite, suiteSetup, test } from 'mocha';

const EXTENSION_ID = 'fork-trace.fork-trace';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => T | null | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

suite('Fork Trace extension (API level)', () => {
  let extension: vscode.Extension<unknown>;

  suiteSetup(async () => {
    const found = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is installed in the development host`);
    extension = found;
    await extension.activate();
  });

  test('activates', () => {
    assert.equal(extension.isActive, true);
  });

  test('every contributed command is registered', async () => {
    const contributed = (extension.packageJSON as { contributes: { commands: Array<{ command: string }> } }).contributes.commands.map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of ['forkTrace.traceForks', 'forkTrace.stopTracing', 'forkTrace.openLog']) assert.ok(contributed.includes(id), `${id} is contributed`);
    for (const id of contributed) assert.ok(registered.has(id), `${id} is registered`);
  });

  test('the settings have their documented defaults', () => {
    const config = vscode.workspace.getConfiguration('forkTrace');
    assert.equal(config.inspect('stackMode')?.defaultValue, 'fast');
    assert.equal(config.inspect('lingerThreshold')?.defaultValue, 1);
    assert.equal(config.inspect('straceCommand')?.defaultValue, 'strace');
  });

  test('the forktrace debug type is contributed', () => {
    const debuggers = (extension.packageJSON as { contributes: { debuggers?: Array<{ type: string }> } }).contributes.debuggers ?? [];
    assert.ok(debuggers.some((d) => d.type === 'forktrace'));
  });

  test('Trace Forks on the never-reaping server: the leak reaches the Problems list, Stop ends it', async () => {
    const folder = process.env.FORKTRACE_TEST_FOLDER;
    const port = Number(process.env.FORKTRACE_TEST_PORT);
    assert.ok(folder && existsSync(join(folder, 'zombie_server')), 'the runner built the example server');
    await vscode.commands.executeCommand('forkTrace.traceForks');
    await waitFor('the program terminal', () => vscode.window.terminals.find((t) => t.name.includes('zombie_server')));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runClients } = require(join(folder, 'client.js')) as { runClients(o: { port: number; count: number }): Promise<{ ok: number }> };
    let result = { ok: 0 };
    for (let i = 0; i < 50 && result.ok === 0; i++) {
      result = await runClients({ port, count: 2 }).catch(() => ({ ok: 0 }));
      if (result.ok === 0) await sleep(200);
    }
    assert.equal(result.ok, 2, 'two clients were echoed');
    const source = vscode.Uri.file(join(folder, 'zombie_server.c'));
    const diagnostics = await waitFor('a Fork Trace diagnostic on zombie_server.c', () => {
      const list = vscode.languages.getDiagnostics(source).filter((d) => d.source === 'Fork Trace');
      return list.length > 0 ? list : null;
    });
    assert.match(diagnostics[0].message, /never reaped/);
    await vscode.commands.executeCommand('forkTrace.stopTracing');
  });

  test('Create the Zombie Server Example opens zombie_server.c', async () => {
    await vscode.commands.executeCommand('forkTrace.createExample');
    const editor = await waitFor('an active editor', () => vscode.window.activeTextEditor);
    assert.match(editor.document.uri.fsPath, /zombie_server\.c$/);
  });
});
