// The rows of "Attach to Process…" and "Find Zombies", from plain /proc scan data: the
// order (holders of zombies first), the fields a user types into (pid and command line
// in the label, user in the description, children and zombies in the detail), what is
// left out (kernel threads, zombies, our own extension host), and command lines as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachPickItems, escapeIcons, zombiePickItems } from '../../src/extension/processItems';
import { zombieHolders, type ProcEntry } from '../../src/tracer/procScan';

function entry(fields: Partial<ProcEntry> & Pick<ProcEntry, 'pid'>): ProcEntry {
  return { ppid: 1, state: 'S', uid: 1000, user: 'dev', command: `prog${fields.pid}`, startTime: 100, threads: 1, kernelThread: false, ...fields };
}

/** A small machine: init, a kernel thread, the editor's extension host, two servers holding zombies, a shell with a child. */
const machine: ProcEntry[] = [
  entry({ pid: 1, ppid: 0, command: '/sbin/init', user: 'root', uid: 0, startTime: 1 }),
  entry({ pid: 2, ppid: 0, command: '[kthreadd]', user: 'root', uid: 0, kernelThread: true, startTime: 1 }),
  entry({ pid: 57, ppid: 2, command: '[kworker/0:1]', user: 'root', uid: 0, kernelThread: true, state: 'I', startTime: 2 }),
  entry({ pid: 300, command: 'node extensionHost', startTime: 50 }),
  entry({ pid: 400, command: './zombie_server 8080', startTime: 60 }),
  entry({ pid: 401, ppid: 400, state: 'Z', command: '[zombie_server]', startTime: 61 }),
  entry({ pid: 402, ppid: 400, state: 'Z', command: '[zombie_server]', startTime: 62 }),
  entry({ pid: 403, ppid: 400, command: './zombie_server 8080', startTime: 63 }),
  entry({ pid: 500, command: './reap_once_server 0', threads: 4, startTime: 70 }),
  entry({ pid: 501, ppid: 500, state: 'Z', command: '[reap_once_serve]', startTime: 71 }),
  entry({ pid: 600, command: 'bash', startTime: 80 }),
  entry({ pid: 601, ppid: 600, command: 'sleep 100', startTime: 90 }),
];

test('holders of zombies come first, the biggest first; then the most recently started', () => {
  const items = attachPickItems(machine, { ownPid: 300 });
  assert.deepEqual(
    items.map((i) => i.pid),
    [400, 500, 601, 600, 403, 1],
  );
  assert.deepEqual(
    items.map((i) => i.zombies),
    [2, 1, 0, 0, 0, 0],
  );
});

test('kernel threads, zombies and our own extension host are left out', () => {
  const pids = attachPickItems(machine, { ownPid: 300 }).map((i) => i.pid);
  for (const left of [2, 57, 401, 402, 501, 300]) assert.ok(!pids.includes(left), `pid ${left} is not offered`);
  assert.ok(
    attachPickItems(machine, { ownPid: 999 }).some((i) => i.pid === 300),
    'another extension host is a process like any other',
  );
});

test('what a user types into: the pid and command line in the label, the user in the description, children and zombies in the detail', () => {
  const [server, reapOnce] = attachPickItems(machine, { ownPid: 300 });
  assert.equal(server.label, '400  ./zombie_server 8080');
  assert.equal(server.description, 'user dev');
  assert.equal(server.detail, '1 child · holds 2 zombies (pids 401, 402)');
  assert.equal(reapOnce.detail, '0 children · 4 threads · holds 1 zombie (pid 501)');
  const init = attachPickItems(machine, { ownPid: 300 }).find((i) => i.pid === 1)!;
  assert.equal(init.description, 'user root');
  assert.equal(init.detail, '4 children · no zombies', 'its living children: the servers, the shell, the extension host');
});

test('a command line is text: "$(icon)" in it is escaped, not drawn as an icon', () => {
  const items = attachPickItems([entry({ pid: 700, command: 'sh -c echo $(whoami) $(zap~spin) $(not an icon)' })], { ownPid: 1 });
  assert.equal(items[0].label, '700  sh -c echo \\$(whoami) \\$(zap~spin) $(not an icon)');
  assert.equal(escapeIcons('already \\$(x) escaped'), 'already \\$(x) escaped');
  assert.equal(escapeIcons('$(a) and $(b)'), '\\$(a) and \\$(b)');
});

test('Find Zombies: one row per holder, biggest first, with the zombies and how many', () => {
  const items = zombiePickItems(zombieHolders(machine));
  assert.deepEqual(
    items.map((i) => [i.pid, i.zombies]),
    [
      [400, 2],
      [500, 1],
    ],
  );
  assert.equal(items[0].label, '400  ./zombie_server 8080');
  assert.equal(items[0].description, 'holds 2 zombies · user dev');
  assert.match(items[0].detail, /^pids 401, 402\. /);
});

test('Find Zombies: pid 1 holding zombies is named with the container fix', () => {
  const container = [entry({ pid: 1, ppid: 0, command: 'sleep infinity', user: 'root' }), entry({ pid: 9, state: 'Z', command: '[daemon]' })];
  const [init] = zombiePickItems(zombieHolders(container));
  assert.equal(init.pid, 1);
  assert.equal(init.description, 'holds 1 zombie · user root');
  assert.match(init.detail, /^pid 9\. pid 1 adopts orphans and must reap them.*docker run --init/);
});

test('no zombies on the machine: no rows', () => {
  assert.deepEqual(zombiePickItems(zombieHolders(machine.filter((e) => e.state !== 'Z'))), []);
});
