// The SARIF 2.1.0 writer (src/shared/sarif.ts) on plain findings: what a CI viewer reads.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DiagnosticJson, DiagnosticKind } from '../../src/shared/schema';
import { failsOn, sarifRules, toSarif } from '../../src/shared/sarif';
import { sarifErrors } from '../support/sarifSchema';

const CWD = '/home/me/proj';

function finding(over: Partial<DiagnosticJson> = {}): DiagnosticJson {
  return {
    kind: 'zombie-leak',
    severity: 'error',
    pids: [10, 11, 12],
    message: 'srv (pid 10) never reaped 2 child processes (pids 11, 12).',
    location: { file: `${CWD}/src/srv.c`, line: 70, function: 'main' },
    locationNote: null,
    locationPreciseWouldPin: false,
    related: [{ message: 'forked here', location: { file: `${CWD}/src/srv.c`, line: 64, function: 'main' } }],
    time: 0.25,
    fixes: [],
    fixNote: null,
    ...over,
  };
}

const ALL_KINDS: DiagnosticKind[] = ['zombie-leak', 'sigchld-coalesced', 'eintr-no-restart', 'fork-failed', 'orphan-adopted', 'zombie-lingering'];

describe('SARIF 2.1.0 writer', () => {
  test('tool.driver names forktrace and has a complete rule for every finding kind, with its default level', () => {
    const log = toSarif([], { version: '1.2.3', cwd: CWD });
    const driver = log.runs[0].tool.driver;
    assert.equal(driver.name, 'forktrace');
    assert.equal(driver.version, '1.2.3');
    assert.match(driver.informationUri, /^https:\/\//);
    assert.deepEqual(
      driver.rules.map((r) => r.id),
      ALL_KINDS,
    );
    for (const r of driver.rules) {
      for (const text of [r.shortDescription.text, r.fullDescription.text, r.help.text]) assert.ok(text.length > 10, `${r.id} has words`);
    }
    const level = Object.fromEntries(driver.rules.map((r) => [r.id, r.defaultConfiguration.level]));
    assert.deepEqual(level, {
      'zombie-leak': 'error',
      'sigchld-coalesced': 'warning',
      'eintr-no-restart': 'warning',
      'fork-failed': 'warning',
      'orphan-adopted': 'note',
      'zombie-lingering': 'note',
    });
    assert.deepEqual(sarifErrors(log), []);
  });

  test('a result has its rule, level, message, a location relative to the working directory and related locations', () => {
    const log = toSarif([finding(), finding({ kind: 'orphan-adopted', severity: 'info', related: [] })], { version: '0.1.0', cwd: CWD });
    const [leak, orphan] = log.runs[0].results;
    assert.equal(leak.ruleId, 'zombie-leak');
    assert.equal(log.runs[0].tool.driver.rules[leak.ruleIndex].id, 'zombie-leak');
    assert.equal(leak.level, 'error');
    assert.equal(leak.message.text, 'srv (pid 10) never reaped 2 child processes (pids 11, 12).');
    assert.deepEqual(leak.locations[0].physicalLocation, { artifactLocation: { uri: 'src/srv.c', uriBaseId: 'SRCROOT' }, region: { startLine: 70 } });
    assert.deepEqual(leak.locations[0].logicalLocations, [{ name: 'main', kind: 'function' }]);
    assert.equal(leak.relatedLocations?.[0].message?.text, 'forked here');
    assert.equal(leak.relatedLocations?.[0].physicalLocation?.region.startLine, 64);
    assert.deepEqual(leak.properties.pids, [10, 11, 12]);
    assert.equal(orphan.level, 'note');
    assert.equal(log.runs[0].tool.driver.rules[orphan.ruleIndex].id, 'orphan-adopted');
    assert.equal(orphan.relatedLocations, undefined);
    assert.equal(log.runs[0].originalUriBaseIds.SRCROOT.uri, 'file:///home/me/proj/');
    assert.deepEqual(sarifErrors(log), []);
  });

  test('a file outside the working directory is an absolute file: URI; odd characters are percent-encoded', () => {
    const log = toSarif(
      [
        finding({ location: { file: '/opt/other/my server.c', line: 3, function: null } }),
        finding({ location: { file: `${CWD}/a dir/s#1.c`, line: 4, function: null } }),
        // A sibling whose name starts like the working directory is outside it.
        finding({ location: { file: `${CWD}2/x.c`, line: 5, function: null } }),
      ],
      { version: '0.1.0', cwd: `${CWD}/` },
    );
    const uris = log.runs[0].results.map((r) => r.locations[0].physicalLocation?.artifactLocation);
    assert.deepEqual(uris, [
      { uri: 'file:///opt/other/my%20server.c' },
      { uri: 'a%20dir/s%231.c', uriBaseId: 'SRCROOT' },
      { uri: 'file:///home/me/proj2/x.c' },
    ]);
    assert.equal(log.runs[0].results[0].locations[0].logicalLocations, undefined);
    assert.deepEqual(sarifErrors(log), []);
  });

  test('a finding with no source line has no location, and its message says why; a fix note is said too', () => {
    const log = toSarif([finding({ location: null, locationNote: 'the program has no debug info: build it with gcc -g', fixNote: 'the fork is in a macro' })], {
      version: '0.1.0',
      cwd: CWD,
    });
    const r = log.runs[0].results[0];
    assert.deepEqual(r.locations, []);
    assert.match(r.message.text, /No source line: the program has no debug info: build it with gcc -g/);
    assert.match(r.message.text, /No fix offered: the fork is in a macro/);
    assert.equal(r.fixes, undefined);
    assert.deepEqual(sarifErrors(log), []);
  });

  test('fixes become artifactChanges, one per file, with deletedRegion (end exclusive) and insertedContent', () => {
    const fixes = [
      {
        title: 'Reap children in a SIGCHLD handler',
        preferred: true,
        edits: [
          { file: `${CWD}/src/srv.c`, startLine: 3, startColumn: 1, endLine: 3, endColumn: 1, newText: '#include <sys/wait.h>\n' },
          { file: `${CWD}/src/srv.c`, startLine: 60, startColumn: 5, endLine: 60, endColumn: 5, newText: 'install_reaper();\n    ' },
          { file: `${CWD}/src/util.h`, startLine: 1, startColumn: 1, endLine: 2, endColumn: 1, newText: '' },
        ],
      },
      {
        title: 'Ignore SIGCHLD',
        preferred: false,
        edits: [{ file: `${CWD}/src/srv.c`, startLine: 60, startColumn: 5, endLine: 60, endColumn: 5, newText: 'x' }],
      },
    ];
    const log = toSarif([finding({ fixes })], { version: '0.1.0', cwd: CWD });
    const out = log.runs[0].results[0].fixes!;
    assert.equal(out.length, 2);
    assert.equal(out[0].description.text, 'Reap children in a SIGCHLD handler');
    assert.deepEqual(
      out[0].artifactChanges.map((c) => [c.artifactLocation.uri, c.replacements.length]),
      [
        ['src/srv.c', 2],
        ['src/util.h', 1],
      ],
    );
    assert.deepEqual(out[0].artifactChanges[0].replacements[1], {
      deletedRegion: { startLine: 60, startColumn: 5, endLine: 60, endColumn: 5 },
      insertedContent: { text: 'install_reaper();\n    ' },
    });
    assert.equal(out[1].description.text, 'Ignore SIGCHLD');
    assert.deepEqual(sarifErrors(log), []);
  });

  test('the schema check is not a rubber stamp: a broken log is refused', () => {
    const log = toSarif([finding()], { version: '0.1.0', cwd: CWD }) as unknown as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    log.runs[0].results[0].level = 'fatal';
    assert.notDeepEqual(sarifErrors(log), []);
    assert.notDeepEqual(sarifErrors({ version: '2.1.0' }), []);
  });

  test('--fail-on: error fails on errors only, warning on warnings and errors, never on nothing; info never fails', () => {
    assert.equal(failsOn('error', 'error'), true);
    assert.equal(failsOn('warning', 'error'), false);
    assert.equal(failsOn('warning', 'warning'), true);
    assert.equal(failsOn('error', 'warning'), true);
    assert.equal(failsOn('info', 'warning'), false);
    assert.equal(failsOn('error', 'never'), false);
  });

  test('every rule is listed once, in the order of sarifRules()', () => {
    assert.equal(new Set(sarifRules().map((r) => r.id)).size, ALL_KINDS.length);
  });
});
