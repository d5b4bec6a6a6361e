// The streamed --json of `forktrace analyze` and `forktrace trace`, on real strace logs of
// a real fork-per-connection server: byte for byte the JSON.stringify(snapshot, null, 2)
// the CLI wrote before it streamed, fork sites (objdump, DWARF) included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiteResolver } from '../../src/sites';
import { analyzeLog } from '../../src/tracer/logReader';
import { createFixProvider } from '../../src/fixes/provider';
import type { SnapshotJson } from '../../src/shared/schema';
import { buildPrograms, EXAMPLES, ROOT, runClients, waitForOutput } from '../support/system';

const CLI = join(ROOT, 'dist', 'cli.js');
const CONNECTIONS = 300;

function forktrace(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 512 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A real log: reap_loop_server under plain strace -f -ttt (every call), `CONNECTIONS` loopback clients. */
async function recordLog(dir: string): Promise<string> {
  const log = join(dir, 'server.log');
  const strace = spawn('strace', ['-f', '-ttt', '-o', log, '--', join(EXAMPLES, 'reap_loop_server')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const m = await waitForOutput(strace.stdout, /listening on 127\.0\.0\.1:(\d+)/);
    assert.equal((await runClients({ port: Number(m[1]), count: CONNECTIONS })).ok, CONNECTIONS);
  } finally {
    const exited = new Promise((r) => strace.once('exit', r));
    // The server is strace's only child; strace ends with it.
    const server = Number(readFileSync(`/proc/${strace.pid}/task/${strace.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    if (server > 0) process.kill(server, 'SIGTERM');
    else strace.kill('SIGKILL');
    await exited;
  }
  return log;
}

test('analyze --json streams exactly the JSON.stringify of the snapshot, to a file and to stdout', async () => {
  buildPrograms();
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-json-'));
  const log = await recordLog(dir);
  const file = join(dir, 'out.json');
  const r = forktrace(['analyze', '--no-color', '--json', file, log]);
  assert.equal(r.status, 0, r.stderr);
  const written = readFileSync(file, 'utf8');

  // The same log, the same resolver, in this process, the way the CLI used to write it.
  const resolver = new SiteResolver({ cwd: process.cwd(), libraryPath: process.env.LD_LIBRARY_PATH });
  let disassembling: Promise<void> = Promise.resolve();
  const session = analyzeLog(log, { onProgram: (exe) => (disassembling = resolver.prepare([exe])) });
  await disassembling;
  // The CLI's fixes too: a finding's fixes are part of its JSON.
  const snapshot = session.snapshot(resolver.locator(), createFixProvider());
  assert.equal(snapshot.processes.length, CONNECTIONS + 1, 'the server and one child per connection');
  assert.ok(snapshot.processes[1].forkSite?.file.endsWith('reap_loop_server.c'), 'fork sites resolved from the real binary');
  assert.ok(written.length > 100_000);
  assert.equal(written, `${JSON.stringify(snapshot, null, 2)}\n`);

  const out = forktrace(['analyze', '--no-color', '--json', '-', log]);
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stdout, written, '--json - writes the same bytes');
  assert.match(out.stderr, new RegExp(`${CONNECTIONS + 1} processes`), 'the report goes to stderr');
});

test('trace --json streams the canonical JSON.stringify text of the snapshot', async () => {
  buildPrograms();
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-json-'));
  const file = join(dir, 'trace.json');
  const cli = spawn(process.execPath, [CLI, 'trace', '--no-color', '--json', file, '--duration', '2', '--', join(EXAMPLES, 'reap_loop_server')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const m = await waitForOutput(cli.stdout, /listening on 127\.0\.0\.1:(\d+)/);
  assert.equal((await runClients({ port: Number(m[1]), count: 50 })).ok, 50);
  assert.equal(await new Promise((r) => cli.once('exit', r)), 0);
  const written = readFileSync(file, 'utf8');
  const snap = JSON.parse(written) as SnapshotJson;
  assert.equal(snap.processes.length, 51);
  // Parsing and writing again with JSON.stringify gives the same bytes only when they were its bytes.
  assert.equal(written, `${JSON.stringify(snap, null, 2)}\n`);
});
