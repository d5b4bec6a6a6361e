// Fixes proved on the real programs: each offered fix applied to a copy, compiled with
// gcc -g -Wall -Werror, traced again with the same clients: the finding is gone, no new
// finding appears, and the program still does its job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { applyEdits } from '../../src/fixes';
import type { DiagnosticJson, DiagnosticKind, FixJson, SnapshotJson } from '../../src/shared/schema';
import { buildPrograms, eventually, EXAMPLES, runClients, startTrace, waitForOutput } from '../support/system';

const work = mkdtempSync(join(tmpdir(), 'forktrace-fixes-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

interface Run {
  snapshot: SnapshotJson;
  /** What the program did for its users: echoes that came back, children it made. */
  job: { echoed: number; children: number };
}

/** A server under the real strace, `count` clients in batches of `parallel`, stopped once every child has exited. */
async function traceServerRun(program: string, count: number, parallel = 1): Promise<Run> {
  const live = startTrace({ program, args: ['0'], stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    live.strace.stderr?.resume();
    const m = await waitForOutput(live.strace.stdout as Readable, /listening on 127\.0\.0\.1:(\d+)/);
    live.strace.stdout?.resume();
    const clients = await runClients({ port: Number(m[1]), count, parallel });
    await eventually(
      () => {
        const s = live.snapshot();
        const children = s.processes.filter((p) => p.parentId === s.processes[0].id);
        return children.length === count && children.every((c) => c.exit !== null);
      },
      10_000,
      'every child to exit',
    );
    const end = await live.stop();
    const server = end.snapshot.processes[0];
    return { snapshot: end.snapshot, job: { echoed: clients.ok, children: end.snapshot.processes.filter((p) => p.parentId === server.id).length } };
  } finally {
    await live.stop();
  }
}

/** The source with the fix applied, compiled with -Wall -Werror beside the other copies. */
function buildFixed(source: string, fix: FixJson, tag: string): string {
  const edits = fix.edits.filter((e) => e.file === source);
  assert.equal(edits.length, fix.edits.length, `every edit of "${fix.title}" is in ${source}`);
  const dir = mkdtempSync(join(work, `${tag}-`));
  const copy = join(dir, basename(source));
  writeFileSync(copy, applyEdits(readFileSync(source, 'utf8'), edits));
  const binary = copy.replace(/\.c$/, '');
  execFileSync('gcc', ['-g', '-O0', '-Wall', '-Werror', '-o', binary, copy], { stdio: 'pipe' });
  return binary;
}

function only(snapshot: SnapshotJson, kind: DiagnosticKind): DiagnosticJson {
  const found = snapshot.diagnostics.filter((d) => d.kind === kind);
  assert.equal(found.length, 1, `one ${kind} finding; have ${snapshot.diagnostics.map((d) => d.kind).join(', ') || 'none'}`);
  return found[0];
}

/** The fixed run has none of `gone`, and no kind of finding the original run did not have. */
function assertFixed(before: Run, after: Run, gone: DiagnosticKind[], title: string): void {
  const kinds = after.snapshot.diagnostics.map((d) => d.kind);
  for (const kind of gone)
    assert.ok(!kinds.includes(kind), `"${title}" removes the ${kind} finding; still: ${after.snapshot.diagnostics.map((d) => d.message).join(' | ')}`);
  const had = new Set(before.snapshot.diagnostics.map((d) => d.kind));
  for (const kind of kinds) assert.ok(had.has(kind), `"${title}" brings no new finding, but ${kind} appeared`);
  assert.deepEqual(after.job, before.job, `"${title}" keeps the program's job (echoes, children)`);
}

test('zombie_server: both fixes of the zombie-leak compile with -Wall -Werror, and traced again with the same 3 clients the server echoes 3 times, forks 3 children and leaves no zombie', async () => {
  buildPrograms();
  const source = join(EXAMPLES, 'zombie_server.c');
  const before = await traceServerRun(join(EXAMPLES, 'zombie_server'), 3);
  assert.deepEqual(before.job, { echoed: 3, children: 3 });
  assert.equal(before.snapshot.summary.zombiesAtEnd, 3);
  const leak = only(before.snapshot, 'zombie-leak');
  assert.equal(leak.fixNote, null);
  assert.deepEqual(
    leak.fixes.map((f) => [f.title, f.preferred]),
    [
      ['Reap children in a SIGCHLD handler (waitpid in a loop, installed with SA_RESTART)', true],
      ['Ignore SIGCHLD so the kernel reaps children (when their exit statuses are not needed)', false],
    ],
  );
  for (const [n, fix] of leak.fixes.entries()) {
    const after = await traceServerRun(buildFixed(source, fix, `zombie_server-${n}`), 3);
    assertFixed(before, after, ['zombie-leak'], fix.title);
    assert.equal(after.snapshot.summary.zombiesAtEnd, 0, `"${fix.title}": no zombie at the end`);
  }
});
