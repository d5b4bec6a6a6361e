// The extension host's pure pieces: argv splitting, variables, the panel's CSP,
// Problems entries, and where a click on a process leads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinCommandLine, splitCommandLine, substituteVariables } from '../../src/extension/commandLine';
import { contentSecurityPolicy, makeNonce, panelHtml } from '../../src/extension/panelHtml';
import { problemEntries } from '../../src/extension/problems';
import { sourceForProcess } from '../../src/extension/processSource';
import { analyzeText } from '../support/core';
import type { DiagnosticJson, SnapshotJson } from '../../src/shared/schema';

test('arguments split like a shell would split them, with no expansion', () => {
  assert.deepEqual(splitCommandLine(`8080 "two words" 'single $HOME' a\\ b ''`), ['8080', 'two words', 'single $HOME', 'a b', '']);
  assert.deepEqual(splitCommandLine('  '), []);
  assert.deepEqual(splitCommandLine('$(rm -rf /) `id` ; | &&'), ['$(rm', '-rf', '/)', '`id`', ';', '|', '&&']);
  assert.throws(() => splitCommandLine('"unclosed'), /unclosed " quote/);
});

test('joinCommandLine quotes what splitCommandLine would split, and round-trips', () => {
  for (const argv of [['8080'], ['two words', "it's", ''], ['--opt=a b', '$HOME', 'x;y']]) {
    assert.deepEqual(splitCommandLine(joinCommandLine(argv)), argv);
  }
  assert.equal(joinCommandLine(['0', '--port=1']), '0 --port=1');
});

test('settings variables: workspaceFolder, file, env; unknown ones are errors that say which', () => {
  const ctx = { workspaceFolder: '/ws', file: '/ws/src/a.c', env: { HOME: '/root' } };
  assert.equal(substituteVariables('${workspaceFolder}/server', ctx), '/ws/server');
  assert.equal(substituteVariables('${fileDirname}:${env:HOME}:${env:NOPE}', ctx), '/ws/src:/root:');
  assert.throws(() => substituteVariables('${workspaceFolder}', { ...ctx, workspaceFolder: null }), /no folder is open/);
  assert.throws(() => substituteVariables('${command:evil}', ctx), /unknown variable \$\{command:evil\}/);
});

test('the panel page has a strict CSP: a nonce for the one script, nothing inline, no eval', () => {
  const nonce = makeNonce((n) => new Uint8Array(n).map((_, i) => i * 7));
  assert.equal(nonce.length, 32);
  const csp = contentSecurityPolicy('vscode-resource:', nonce);
  assert.equal(csp, `default-src 'none'; img-src vscode-resource: data:; style-src vscode-resource:; font-src vscode-resource:; script-src 'nonce-${nonce}'`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = panelHtml({
    cspSource: 'vscode-resource:',
    nonce,
    scriptUri: 'https://x/webview.js',
    styleUri: 'https://x/webview.css',
    title: 'Fork Trace: <b>srv</b> "x"',
  });
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${csp.replace(/'/g, "'")}">`));
  assert.equal(html.match(/<script/g)?.length, 1);
  assert.ok(html.includes(`<script nonce="${nonce}" src="https://x/webview.js"></script>`));
  assert.ok(html.includes('<title>Fork Trace: &lt;b&gt;srv&lt;/b&gt; &quot;x&quot;</title>'), 'a program name cannot inject markup into the page');
  assert.doesNotMatch(html, /style=|onload=|onclick=/);
});

const zombieLog =
  [
    '100  1.000000 execve("/srv/server", ["server"], 0x7ffd /* 3 vars */) = 0',
    '100  1.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101',
    '101  1.200000 +++ exited with 0 +++',
    '100  1.300000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 102',
  ].join('\n') + '\n';

function withLocations(snapshot: SnapshotJson): SnapshotJson {
  const loc = { file: '/srv/server.c', line: 42, function: 'main' };
  return {
    ...snapshot,
    processes: snapshot.processes.map((p) => (p.parentPid === null ? p : { ...p, forkSite: { ...loc, line: 40 } })),
    diagnostics: snapshot.diagnostics.map((d): DiagnosticJson => ({
      ...d,
      location: loc,
      locationNote: null,
      related: [{ message: 'forked here', location: { ...loc, line: 40 } }],
    })),
  };
}

test("a click on a zombie leads to its leak diagnostic's line; on a running child, to its fork site", () => {
  const snap = withLocations(analyzeText(zombieLog));
  const zombie = sourceForProcess(snap, '101');
  assert.equal(zombie.kind, 'location');
  assert.equal(zombie.kind === 'location' && zombie.location.line, 42);
  assert.equal(zombie.kind === 'location' && zombie.diagnostic?.kind, 'zombie-leak');
  const running = sourceForProcess(snap, '102');
  assert.equal(running.kind === 'location' && running.location.line, 40);
  const root = sourceForProcess(snap, '100');
  assert.equal(root.kind, 'location', 'the server is named in the leak, so it leads there too');
  assert.equal(sourceForProcess(snap, '999').kind, 'none');
});

test("without a location, the click says why (the diagnostic's own note)", () => {
  const snap = analyzeText(zombieLog);
  const r = sourceForProcess(snap, '101');
  assert.equal(r.kind, 'none');
  assert.equal(r.kind === 'none' && r.reason, snap.diagnostics[0].locationNote);
});

test('a process with no finding and no fork line: the click says why its fork site is unknown', () => {
  const snap = analyzeText(zombieLog);
  const note = '2 call sites of fork() in server could have made this clone: server.c:40 (main), server.c:52 (main).';
  const running = snap.processes.find((p) => p.id === '102');
  assert.ok(running && !snap.diagnostics.some((d) => d.pids.includes(running.pid)), 'a process no finding names');
  const r = sourceForProcess({ ...snap, processes: snap.processes.map((p) => (p === running ? { ...p, forkSiteNote: note } : p)) }, '102');
  assert.equal(r.kind === 'none' && r.reason, note);
  assert.equal(r.kind === 'none' && r.preciseWouldPin, false, 'nothing in the data says a precise trace would pin it');
  const pinnable = sourceForProcess(
    { ...snap, processes: snap.processes.map((p) => (p === running ? { ...p, forkSiteNote: note, forkSitePreciseWouldPin: true } : p)) },
    '102',
  );
  assert.equal(pinnable.kind === 'none' && pinnable.preciseWouldPin, true, 'the click offers the precise trace when the data says it would pin the line');
});

test('Problems entries carry the line, severity, kind and related locations; unlocated ones stay out', () => {
  const snap = withLocations(analyzeText(zombieLog));
  assert.deepEqual(problemEntries(snap.diagnostics), [
    {
      file: '/srv/server.c',
      line: 42,
      severity: 'error',
      message: snap.diagnostics[0].message,
      code: 'zombie-leak',
      related: [{ file: '/srv/server.c', line: 40, message: 'forked here' }],
      fixes: [],
    },
  ]);
  assert.deepEqual(problemEntries(analyzeText(zombieLog).diagnostics), []);
});
