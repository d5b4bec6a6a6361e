// `forktrace --sarif` and `--fail-on` as a CI job runs them: the built bin, a real
// server under the real strace, real loopback clients; the SARIF checked against the
// official SARIF 2.1.0 JSON schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SnapshotJson } from '../../src/shared/schema';
import type { SarifLog } from '../../src/shared/sarif';
import { buildPrograms, EXAMPLES, lineOf, ROOT, runClients, waitForOutput } from '../support/system';
import { sarifErrors } from '../support/sarifSchema';

const CLI = join(ROOT, 'dist', 'cli.js');
const LOGS = join(ROOT, 'test', 'fixtures', 'logs');

function forktrace(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const readSarif = (file: string): SarifLog => JSON.parse(readFileSync(file, 'utf8')) as SarifLog;

test('trace --sarif on the zombie server: valid SARIF 2.1.0 with the leak at the fork line; --fail-on error exits 1 after writing every report', async () => {
  buildPrograms();
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-sarif-'));
  const sarif = join(dir, 'forktrace.sarif');
  const json = join(dir, 'snap.json');
  const log = join(dir, 'trace.log');
  const cli = spawn(
    process.execPath,
    [
      CLI,
      'trace',
      '--no-color',
      '--sarif',
      sarif,
      '--json',
      json,
      '--log',
      log,
      '--fail-on',
      'error',
      '--duration',
      '2',
      '--',
      join(EXAMPLES, 'zombie_server'),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  cli.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  cli.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const m = await waitForOutput(cli.stdout, /listening on 127\.0\.0\.1:(\d+)/);
  assert.equal((await runClients({ port: Number(m[1]), count: 3 })).ok, 3);
  const status = await new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
  assert.equal(status, 1, '--fail-on error: a zombie-leak (error) fails the run');
  assert.match(stderr, /1 finding at level error \(--fail-on error\): exit 1/);
  // Every report was written before the exit: the human one, the JSON, the SARIF.
  assert.match(stdout, /error zombie-leak/);
  assert.equal((JSON.parse(readFileSync(json, 'utf8')) as SnapshotJson).summary.zombiesAtEnd, 3);

  const out = readSarif(sarif);
  assert.deepEqual(sarifErrors(out), [], 'valid against the SARIF 2.1.0 schema');
  const run = out.runs[0];
  assert.equal(run.tool.driver.name, 'forktrace');
  assert.equal(run.tool.driver.rules.length, 6, 'a rule for every finding kind');
  const leak = run.results.find((r) => r.ruleId === 'zombie-leak');
  assert.ok(leak, 'the leak is a result');
  assert.equal(leak.level, 'error');
  assert.equal(run.tool.driver.rules[leak.ruleIndex].id, 'zombie-leak');
  assert.match(leak.message.text, /never reaped 3 child processes/);
  // Relative to the directory forktrace ran in, as GitHub code scanning wants it.
  assert.deepEqual(leak.locations[0].physicalLocation, {
    artifactLocation: { uri: 'examples/zombie_server.c', uriBaseId: 'SRCROOT' },
    region: { startLine: lineOf(join(EXAMPLES, 'zombie_server.c'), 'pid_t pid = fork();') },
  });
  assert.equal(run.originalUriBaseIds.SRCROOT.uri, `file://${ROOT}/`);

  // The same log, analyzed: the same result; the levels gate as asked.
  const again = join(dir, 'again.sarif');
  assert.equal(forktrace(['analyze', '--sarif', again, log]).status, 0, 'the default is --fail-on never');
  assert.deepEqual(
    readSarif(again).runs[0].results.map((r) => [r.ruleId, r.locations[0]?.physicalLocation?.region.startLine]),
    run.results.map((r) => [r.ruleId, r.locations[0]?.physicalLocation?.region.startLine]),
  );
  assert.equal(forktrace(['analyze', '--fail-on', 'warning', log]).status, 1);
  assert.equal(forktrace(['analyze', '--fail-on', 'never', log]).status, 0);
});

test('--fail-on gates by level: a warning fails --fail-on warning only; an info finding fails neither', () => {
  const eintr = join(LOGS, 'eintr_server.ttt.log'); // one eintr-no-restart (warning)
  const orphan = join(LOGS, 'double_fork.ttt.log'); // one orphan-adopted (info)
  assert.equal(forktrace(['analyze', '--fail-on', 'error', eintr]).status, 0);
  const r = forktrace(['analyze', '--fail-on', 'warning', eintr]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /1 finding at level warning or error \(--fail-on warning\): exit 1/);
  assert.equal(forktrace(['analyze', '--fail-on', 'warning', orphan]).status, 0);
  assert.equal(forktrace(['analyze', eintr]).status, 0);
});

test('--sarif - writes SARIF alone on stdout (the report goes to stderr), with a result for an info finding as a note', () => {
  const r = forktrace(['analyze', '--sarif', '-', join(LOGS, 'double_fork.ttt.log')]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as SarifLog;
  assert.deepEqual(sarifErrors(out), []);
  assert.deepEqual(
    out.runs[0].results.map((x) => [x.ruleId, x.level]),
    [['orphan-adopted', 'note']],
  );
  assert.match(r.stderr, /info orphan-adopted/);
});

test('bad report options are usage errors (exit 2) before anything runs', () => {
  let r = forktrace(['analyze', '--fail-on', 'sometimes', join(LOGS, 'eintr_server.ttt.log')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--fail-on is error, warning or never \(not "sometimes"\)/);
  const missing = join(tmpdir(), 'forktrace-no-such-dir', 'out.sarif');
  r = forktrace(['trace', '--sarif', missing, '--', '/bin/true']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--sarif .*out\.sarif: the folder .*forktrace-no-such-dir does not exist/);
  assert.equal(existsSync(missing), false);
  r = forktrace(['analyze', '--sarif', '-', '--json', '-', join(LOGS, 'eintr_server.ttt.log')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot both write to standard output/);
});

test('a log recorded without -f: the SARIF says so as a tool notification (valid 2.1.0); a whole log has none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-sarif-'));
  const log = join(dir, 'nof.log');
  const rec = spawnSync('strace', ['-ttt', '-o', log, '--', join(EXAMPLES, 'double_fork_daemon'), '0.05'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(rec.status, 0, rec.stderr);
  const r = forktrace(['analyze', '--sarif', '-', log]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as SarifLog;
  assert.deepEqual(sarifErrors(out), [], 'valid against the SARIF 2.1.0 schema');
  const notes = out.runs[0].invocations?.[0].toolExecutionNotifications ?? [];
  assert.equal(notes.length, 1);
  assert.equal(notes[0].level, 'warning');
  assert.match(notes[0].message.text, /^line \d+: this log follows one process only: strace ran without -f/);
  assert.equal(out.runs[0].invocations?.[0].executionSuccessful, true);

  const whole = JSON.parse(forktrace(['analyze', '--sarif', '-', join(LOGS, 'double_fork.ttt.log')]).stdout) as SarifLog;
  assert.equal(whole.runs[0].invocations, undefined);
});
