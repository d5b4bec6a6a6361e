// Quick fixes: a finding's FixJson (1-based, end exclusive, SARIF's regions) becomes a
// CodeAction with a WorkspaceEdit at VS Code's 0-based positions. The plans are plain
// data; the CodeAction layer runs against a small stand-in for the vscode module (this
// unit only: the e2e test drives the real light bulb).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import type { DiagnosticJson, FixJson } from '../../src/shared/schema';
import { problemEntries, quickFixPlans } from '../../src/extension/problems';
import type * as FixActionsModule from '../../src/extension/fixActions';

const FILE = '/ws/zombie_server.c';
const reap: FixJson = {
  title: 'Reap children in a SIGCHLD handler',
  preferred: true,
  edits: [
    { file: FILE, startLine: 12, startColumn: 1, endLine: 12, endColumn: 1, newText: '#include <sys/wait.h>\n' },
    { file: FILE, startLine: 70, startColumn: 9, endLine: 70, endColumn: 14, newText: 'reaped' },
  ],
};
const ignore: FixJson = {
  title: 'Ignore SIGCHLD',
  preferred: false,
  edits: [{ file: FILE, startLine: 60, startColumn: 5, endLine: 61, endColumn: 1, newText: 'x\n' }],
};

function finding(over: Partial<DiagnosticJson>): DiagnosticJson {
  return {
    kind: 'zombie-leak',
    severity: 'error',
    pids: [1, 2],
    message: 'srv (pid 1) never reaped 1 child process (pid 2).',
    location: { file: FILE, line: 70, function: 'main' },
    locationNote: null,
    locationPreciseWouldPin: false,
    related: [],
    time: 0,
    fixes: [],
    fixNote: null,
    ...over,
  };
}

test('a FixJson edit becomes a 0-based range, end exclusive; the preferred fix comes first and is the only one preferred', () => {
  const plans = quickFixPlans([ignore, reap]);
  assert.deepEqual(
    plans.map((p) => [p.title, p.isPreferred]),
    [
      ['Reap children in a SIGCHLD handler', true],
      ['Ignore SIGCHLD', false],
    ],
  );
  assert.deepEqual(plans[0].edits[0], {
    file: FILE,
    range: { startLine: 11, startCharacter: 0, endLine: 11, endCharacter: 0 },
    newText: '#include <sys/wait.h>\n',
  });
  assert.deepEqual(plans[0].edits[1].range, { startLine: 69, startCharacter: 8, endLine: 69, endCharacter: 13 });
  assert.deepEqual(plans[1].edits[0].range, { startLine: 59, startCharacter: 4, endLine: 60, endCharacter: 0 });
  // Two fixes both marked preferred (a bad provider): still only the first is preferred.
  assert.deepEqual(
    quickFixPlans([reap, { ...ignore, preferred: true }]).map((p) => p.isPreferred),
    [true, false],
  );
});

test('a finding with no fix and a fixNote says why in its Problems message; one with fixes carries them', () => {
  const [noFix, withFix] = problemEntries([finding({ fixNote: 'a macro hides the fork' }), finding({ fixes: [reap, ignore] })]);
  assert.match(noFix.message, /never reaped .* No quick fix: a macro hides the fork$/);
  assert.deepEqual(noFix.fixes, []);
  assert.equal(withFix.message, 'srv (pid 1) never reaped 1 child process (pid 2).');
  assert.equal(withFix.fixes.length, 2);
});

test('the provider offers a QuickFix per fix on a Fork Trace diagnostic, its WorkspaceEdit and isPreferred set; nothing on other diagnostics, nor a fix already applied', () => {
  const vscode = fakeVscode();
  const load = (Module as unknown as { _load: (r: string, ...a: unknown[]) => unknown })._load;
  (Module as unknown as { _load: (r: string, ...a: unknown[]) => unknown })._load = (request: string, ...rest: unknown[]) =>
    request === 'vscode' ? vscode : load(request, ...rest);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { FixActionProvider, FixRegistry } = require('../../src/extension/fixActions') as typeof FixActionsModule;
    const registry = new FixRegistry();
    const entries = problemEntries([
      finding({ fixes: [reap, ignore] }),
      finding({ kind: 'sigchld-coalesced', severity: 'warning', message: 'other', fixNote: 'not sure' }),
    ]);
    const owner = {};
    registry.set(owner, entries);
    const provider = new FixActionProvider(registry);
    const doc = { uri: { fsPath: FILE } };
    const diag = { source: 'Fork Trace', code: 'zombie-leak', message: entries[0].message, range: { start: { line: 69 } } };
    const other = { source: 'Fork Trace', code: 'sigchld-coalesced', message: entries[1].message, range: { start: { line: 69 } } };
    const gcc = { source: 'gcc', code: 'zombie-leak', message: entries[0].message, range: { start: { line: 69 } } };
    const actions = provider.provideCodeActions(doc as never, null as never, { diagnostics: [diag, other, gcc] } as never) as unknown as FakeAction[];
    assert.deepEqual(
      actions.map((a) => [a.title, a.kind, a.isPreferred]),
      [
        ['Reap children in a SIGCHLD handler', 'quickfix', true],
        ['Ignore SIGCHLD', 'quickfix', false],
      ],
    );
    assert.deepEqual(actions[0].diagnostics, [diag]);
    assert.deepEqual(actions[0].edit.replaced, [
      [FILE, [11, 0, 11, 0], '#include <sys/wait.h>\n'],
      [FILE, [69, 8, 69, 13], 'reaped'],
    ]);
    assert.equal(actions[0].command?.command, 'forkTrace.fixApplied');
    // The same finding on another line is not this one.
    const moved = { ...diag, range: { start: { line: 10 } } };
    assert.deepEqual(provider.provideCodeActions(doc as never, null as never, { diagnostics: [moved] } as never), []);
    // A fix applied once is not offered again (its code would go in twice) until a new trace begins.
    registry.markApplied(quickFixPlans([reap])[0]);
    const titles = () =>
      (provider.provideCodeActions(doc as never, null as never, { diagnostics: [diag] } as never) as unknown as FakeAction[]).map((a) => a.title);
    assert.deepEqual(titles(), ['Ignore SIGCHLD']);
    registry.forgetApplied();
    assert.deepEqual(titles(), ['Reap children in a SIGCHLD handler', 'Ignore SIGCHLD']);
    registry.clear(owner);
    assert.deepEqual(provider.provideCodeActions(doc as never, null as never, { diagnostics: [diag] } as never), []);
  } finally {
    (Module as unknown as { _load: (r: string, ...a: unknown[]) => unknown })._load = load;
  }
});

interface FakeAction {
  title: string;
  kind: string;
  isPreferred?: boolean;
  diagnostics?: unknown[];
  edit: { replaced: Array<[string, number[], string]> };
  command?: { command: string };
}

/** Just the vscode API fixActions.ts uses, recording what it is given. */
function fakeVscode(): unknown {
  class Range {
    constructor(
      readonly a: number,
      readonly b: number,
      readonly c: number,
      readonly d: number,
    ) {}
  }
  class WorkspaceEdit {
    replaced: Array<[string, number[], string]> = [];
    replace(uri: { fsPath: string }, r: Range, text: string): void {
      this.replaced.push([uri.fsPath, [r.a, r.b, r.c, r.d], text]);
    }
  }
  class CodeAction {
    isPreferred?: boolean;
    constructor(
      readonly title: string,
      readonly kind: string,
    ) {}
  }
  return {
    Range,
    WorkspaceEdit,
    CodeAction,
    CodeActionKind: { QuickFix: 'quickfix' },
    Uri: { file: (fsPath: string) => ({ fsPath }) },
  };
}
