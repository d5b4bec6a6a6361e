// The machine-wide /proc scan's reading of stat lines, command lines and holders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childCounts, commandFrom, descendantsOf, effectiveUid, isKernelThread, parseStat, zombieHolders, type ProcEntry } from '../../src/tracer/procScan';
import { zombieHolderNote, zombieHolderWords, zombieScanSummary } from '../../src/shared/words';
import { renderZombieScan } from '../../src/cli/zombies';

// A real stat line's shape (52 fields), with a comm that holds spaces and parentheses.
const stat = (pid: number, comm: string, state: string, ppid: number, flags: number, threads: number, start: number): string =>
  `${pid} (${comm}) ${state} ${ppid} ${pid} ${pid} 0 -1 ${flags} 93 0 0 0 0 0 0 0 20 0 ${threads} 0 ${start} 2609152 238 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n`;

test('a stat line whose comm holds spaces and ")" is read from its last ")"', () => {
  const s = parseStat(stat(4242, 'my ) (odd) srv', 'S', 17, 0x400040, 3, 81234));
  assert.deepEqual(s, { pid: 4242, comm: 'my ) (odd) srv', state: 'S', ppid: 17, flags: 0x400040, threads: 3, startTicks: 81234, exitStatus: 0 });
});

test('a truncated or foreign stat text is null, never a throw', () => {
  assert.equal(parseStat(''), null);
  assert.equal(parseStat('4242 (srv) S 1 2 3'), null);
  assert.equal(parseStat('garbage'), null);
  assert.equal(parseStat(stat(4242, 'srv', 'S', 1, 0, 1, 5).replace(' 1 0 ', ' x 0 ')), null, 'a ppid that is not a number');
});

test('kernel threads: PF_KTHREAD, kthreadd (pid 2) and its children', () => {
  assert.equal(isKernelThread({ pid: 57, ppid: 2, flags: 0x208040 }), true);
  assert.equal(isKernelThread({ pid: 2, ppid: 0, flags: 0 }), true);
  assert.equal(isKernelThread({ pid: 900, ppid: 0, flags: 0x00200000 }), true);
  assert.equal(isKernelThread({ pid: 900, ppid: 1, flags: 0x400100 }), false);
});

test('the command line is argv joined, or [comm] when empty', () => {
  assert.equal(commandFrom('./srv\u00008080\u0000', 'srv'), './srv 8080');
  assert.equal(commandFrom('', 'kworker/0:1'), '[kworker/0:1]');
  assert.equal(commandFrom('a b\u0000', 'x'), 'a b');
});

test('the effective uid is the second number of Uid:', () => {
  assert.equal(effectiveUid('Name:\tsrv\nState:\tS\nUid:\t1000\t65534\t1000\t1000\nGid:\t0\n'), 65534);
  assert.equal(effectiveUid('Name:\tsrv\n'), null);
});

const entry = (pid: number, ppid: number, state: string, command = `p${pid}`, startTime = pid / 100): ProcEntry => ({
  pid,
  ppid,
  state,
  uid: 0,
  user: 'root',
  command,
  startTime,
  threads: 1,
  kernelThread: false,
});

test('holders: biggest first, then by pid; zombies oldest first; a vanished holder is "?"', () => {
  const entries = [
    entry(1, 0, 'S', 'init'),
    entry(10, 1, 'S', 'srv'),
    entry(14, 10, 'Z', '[srv]', 9),
    entry(12, 10, 'Z', '[srv]', 3),
    entry(20, 1, 'S', 'other'),
  ];
  entries.push(entry(21, 20, 'Z'), entry(30, 1, 'Z'), entry(31, 1, 'Z'), entry(32, 1, 'Z'), entry(40, 99, 'Z'));
  const holders = zombieHolders(entries);
  assert.deepEqual(
    holders.map((h) => [h.pid, h.count]),
    [
      [1, 3],
      [10, 2],
      [20, 1],
      [99, 1],
    ],
  );
  assert.deepEqual(
    holders[1].zombies.map((z) => z.pid),
    [12, 14],
  );
  assert.equal(holders[3].command, '?');
  const counts = childCounts(entries);
  assert.deepEqual(counts.get(10), { children: 0, zombies: 2 });
  assert.deepEqual(counts.get(1), { children: 2, zombies: 3 });
  assert.deepEqual(
    descendantsOf(1, [...entries, entry(50, 10, 'S')]).map((e) => e.pid),
    [10, 20, 30, 31, 32, 14, 12, 50, 21],
  );
});

test('the report names each holder, its zombies, and the container fix for pid 1', () => {
  assert.equal(zombieScanSummary(0, 0), 'No zombies on this machine.');
  assert.equal(zombieHolderWords({ pid: 10, command: 'srv 0', user: 'root', count: 2 }), 'srv 0 (pid 10, user root) holds 2 zombies');
  assert.equal(zombieHolderNote({ pid: 10 }), null);
  assert.match(zombieHolderNote({ pid: 1 }) ?? '', /docker run --init/);
  const text = renderZombieScan({
    time: 0,
    uptime: 100,
    total: 3,
    holders: [
      {
        pid: 1,
        command: 'sh',
        user: 'root',
        count: 2,
        zombies: [
          { pid: 7, command: '[a]', startTime: 40 },
          { pid: 8, command: '[b]', startTime: 99.5 },
        ],
      },
      { pid: 10, command: 'srv', user: 'www', count: 1, zombies: [{ pid: 11, command: '[srv]', startTime: 90 }] },
    ],
  });
  assert.equal(
    text,
    [
      '3 zombies on this machine, held by 2 processes:',
      '',
      'sh (pid 1, user root) holds 2 zombies',
      '  7  [a]  started 60.000 s ago',
      '  8  [b]  started 500 ms ago',
      '  pid 1 adopts orphans and must reap them; zombies that stay there mean it is not an init that reaps (a container started without one): run with an init that reaps, e.g. `docker run --init` or tini.',
      '',
      'srv (pid 10, user www) holds 1 zombie',
      '  11  [srv]  started 10.000 s ago',
      '',
    ].join('\n'),
  );
});
