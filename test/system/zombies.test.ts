// `forktrace zombies`: every zombie on the machine, from /proc, against a /proc scan of the test's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZombieScanJson } from '../../src/shared/schema';
import { buildPrograms, ROOT, zombieHolder } from '../support/system';

const CLI = join(ROOT, 'dist', 'cli.js');

/** The test's own scan: pid → [ppid, state, start ticks], read straight from /proc/PID/stat. */
function procZombies(): Map<number, { ppid: number; start: number }> {
  const out = new Map<number, { ppid: number; start: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (f[0] === 'Z') out.set(Number(name), { ppid: Number(f[1]), start: Number(f[19]) });
  }
  return out;
}

test('forktrace zombies --json lists each holder, biggest first, with the zombies /proc shows', async (t) => {
  buildPrograms();
  const small = await zombieHolder(t, 2);
  const big = await zombieHolder(t, 5);
  const r = spawnSync(process.execPath, [CLI, 'zombies', '--json', '-'], { encoding: 'utf8' });
  const truth = procZombies();
  assert.equal(r.status, 0, r.stderr);
  const scan = JSON.parse(r.stdout) as ZombieScanJson;
  for (const h of [small, big]) {
    const pid = h.proc.pid as number;
    const found = scan.holders.find((x) => x.pid === pid);
    assert.ok(found, `holder ${pid} listed`);
    const mine = [...truth].filter(([, z]) => z.ppid === pid).map(([zpid]) => zpid);
    assert.deepEqual([...mine].sort(), [...h.zombies].sort(), 'the test program made exactly these zombies');
    assert.equal(found.count, mine.length);
    assert.deepEqual(found.zombies.map((z) => z.pid).sort(), [...mine].sort());
    for (const z of found.zombies) assert.equal(z.startTime, (truth.get(z.pid) as { start: number }).start / 100, `start time of ${z.pid}`);
    assert.match(found.command, /make_zombies \d 60$/);
    assert.equal(found.user, 'root');
  }
  const order = scan.holders.map((h) => h.pid);
  assert.ok(order.indexOf(big.proc.pid as number) < order.indexOf(small.proc.pid as number), 'the holder of 5 comes before the holder of 2');
  for (let i = 1; i < scan.holders.length; i++) assert.ok(scan.holders[i - 1].count >= scan.holders[i].count, 'biggest holders first');
  assert.equal(
    scan.total,
    scan.holders.reduce((n, h) => n + h.count, 0),
  );
  // The human report goes to stderr beside JSON on stdout: the holder and its pids.
  assert.match(r.stderr, new RegExp(`make_zombies 5 60 \\(pid ${big.proc.pid}, user root\\) holds 5 zombies`));
  for (const z of big.zombies) assert.match(r.stderr, new RegExp(`\\n  ${z}  \\[make_zombies\\]  started .* ago`));
});

test('forktrace zombies takes no arguments but --json', () => {
  const r = spawnSync(process.execPath, [CLI, 'zombies', '1234'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /zombies takes no arguments/);
  const d = spawnSync(process.execPath, [CLI, 'zombies', '--duration', '3'], { encoding: 'utf8' });
  assert.equal(d.status, 2);
  assert.match(d.stderr, /zombies takes only --json/);
});
