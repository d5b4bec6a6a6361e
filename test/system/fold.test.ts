// Folding on a real live trace: `forktrace trace --keep 200` on a fork-per-connection
// server (test/programs/counting_server, which counts what it did) under 20,000 loopback
// connections. The JSON's counts equal the server's own; the folded groups and the kept
// processes add up to every process; the report prints the folded row. Nothing survives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SnapshotJson } from '../../src/shared/schema';
import { readProcStatus } from '../../src/tracer/procfs';
import { assertAllGone, buildPrograms, eventually, lineOf, processIdentity, PROGRAMS, ROOT, runClients, waitForOutput } from '../support/system';

const CLI = join(ROOT, 'dist', 'cli.js');
const CONNECTIONS = Number(process.env.FORKTRACE_FOLD_CONNECTIONS ?? 20_000);
const KEEP = 200;

/** The pids below `pid` in /proc (children, grandchildren, …). */
function descendants(pid: number): number[] {
  const all = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
  const out: number[] = [];
  const walk = (parent: number): void => {
    for (const p of all) {
      if (readProcStatus(p)?.ppid === parent) {
        out.push(p);
        walk(p);
      }
    }
  };
  walk(pid);
  return out;
}

test(`forktrace trace --keep ${KEEP}: ${CONNECTIONS} real connections, the server's own counts, folded groups that add up`, { timeout: 600_000 }, async () => {
  buildPrograms();
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-fold-'));
  const json = join(dir, 'snap.json');
  const program = join(PROGRAMS, 'counting_server');
  const cli = spawn(process.execPath, [CLI, 'trace', '--no-color', '--keep', String(KEEP), '--json', json, '--', program, '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  cli.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  cli.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
  let serverPid = 0;
  try {
    const m = await waitForOutput(cli.stdout, /listening on 127\.0\.0\.1:(\d+)/);
    serverPid = await eventually(
      () => descendants(cli.pid!).find((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'counting_server'),
      5000,
      'the server',
    );
    const result = await runClients({ port: Number(m[1]), count: CONNECTIONS, parallel: 20 });
    assert.deepEqual({ ok: result.ok, failed: result.failed }, { ok: CONNECTIONS, failed: 0 });
    // The server's own count once every child is reaped; SIGTERM makes it print once more and exit 0.
    let counts = { accepted: 0, forked: 0, reaped: 0 };
    for (const deadline = Date.now() + 20_000; counts.reaped < CONNECTIONS && Date.now() < deadline;) {
      const line = waitForOutput(cli.stdout, /counts accepted (\d+) forked (\d+) reaped (\d+)\n(?![\s\S]*counts)/);
      process.kill(serverPid, 'SIGUSR1');
      const c = await line;
      counts = { accepted: Number(c[1]), forked: Number(c[2]), reaped: Number(c[3]) };
    }
    process.kill(serverPid, 'SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.deepEqual(counts, { accepted: CONNECTIONS, forked: CONNECTIONS, reaped: CONNECTIONS });

    const snap = JSON.parse(readFileSync(json, 'utf8')) as SnapshotJson;
    assert.deepEqual(snap.warnings, [], 'every line of the trace was read');
    // Exact counts: the server and every child it forked, folded or not.
    assert.equal(snap.summary.processes, counts.forked + 1);
    assert.equal(snap.summary.zombiesAtEnd, 0);
    const server = snap.processes.find((p) => p.pid === serverPid);
    assert.ok(server);
    const keptChildren = snap.processes.filter((p) => p.parentId === server.id);
    const folded = snap.folded.filter((g) => g.parentId === server.id);
    const foldedCount = folded.reduce((n, g) => n + g.count, 0);
    assert.equal(keptChildren.length + foldedCount, counts.forked, 'kept and folded children are every child the server forked');
    assert.equal(snap.processes.length + snap.folded.reduce((n, g) => n + g.count, 0), snap.summary.processes, 'groups and kept processes add up');
    assert.ok(keptChildren.length >= KEEP && keptChildren.length <= KEEP + 50, `${keptChildren.length} children kept in detail (bound ${KEEP})`);
    // Every child was reaped by the server: the kept ones say so, and folding takes only those.
    assert.equal(keptChildren.filter((c) => c.reaped?.how === 'wait' && c.reaped.by === serverPid).length, keptChildren.length);
    assert.equal(keptChildren.length + foldedCount, counts.reaped, 'as many reaped as the server counted');
    // One group: the server's children forked at the one fork() line, all exited 0, with their zombie times.
    assert.equal(folded.length, 1);
    const g = folded[0];
    assert.deepEqual(g.forkSite && { file: g.forkSite.file, line: g.forkSite.line }, {
      file: join(PROGRAMS, 'counting_server.c'),
      line: lineOf(join(PROGRAMS, 'counting_server.c'), 'fork();'),
    });
    assert.deepEqual(g.exits, [{ code: 0, signal: null, count: g.count }]);
    assert.ok(
      g.zombieTime &&
        g.zombieTime.min >= 0 &&
        g.zombieTime.min <= g.zombieTime.median &&
        g.zombieTime.median <= g.zombieTime.p99 &&
        g.zombieTime.p99 <= g.zombieTime.max,
    );
    assert.ok(g.first !== null && g.last !== null && g.first < g.last);
    // The report prints the folded row in the shared words.
    const row = new RegExp(
      `└─ ${g.count.toLocaleString('en-US')} more reaped children of ${serverPid}, forked at counting_server\\.c:${g.forkSite?.line}, zombie for [\\d.]+ (µs|ms) median`,
    );
    assert.match(stdout, row);
    assert.match(stdout, /older reaped processes were folded into 1 group/);
  } finally {
    if (cli.exitCode === null) cli.kill('SIGINT');
    await exited;
    const ids = [serverPid].map(processIdentity).filter((x): x is string => x !== null);
    await assertAllGone(ids);
  }
});
