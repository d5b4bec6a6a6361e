// The README's commands on a machine without strace, gcc, make or binutils: as root
// they install them with apt-get and say so; otherwise they stop with the exact
// command. A PATH of our own hides the machine's tools; a stand-in apt-get records
// what it was asked and "installs" stand-ins.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = resolve(__dirname, '..', '..');
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A directory to use as PATH: sh, node and dpkg-query, and a fake apt-get when asked. */
function bareBin(fakeApt: boolean): { bin: string; aptLog: string } {
  const bin = mkdtempSync(join(tmpdir(), 'forktrace-prereqs-'));
  dirs.push(bin);
  chmodSync(bin, 0o777);
  for (const [name, target] of [
    ['sh', '/bin/sh'],
    ['node', process.execPath],
    ['dpkg-query', '/usr/bin/dpkg-query'],
  ])
    symlinkSync(target, join(bin, name));
  const aptLog = join(bin, 'apt.log');
  if (fakeApt) {
    const tools = ['strace', 'gcc', 'make', 'objdump', 'addr2line'].map((t) => `printf '#!/bin/sh\\n' > "${bin}/${t}"; /bin/chmod +x "${bin}/${t}"`).join('\n');
    writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> "${aptLog}"\nif [ "$1" = install ]; then\n${tools}\nfi\n`, { mode: 0o755 });
  } else {
    writeFileSync(join(bin, 'apt-get'), '#!/bin/sh\nexit 99\n', { mode: 0o755 });
  }
  return { bin, aptLog };
}

function run(args: string[], bin: string, options: SpawnSyncOptions = {}): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: { PATH: bin, HOME: tmpdir() }, encoding: 'utf8', ...options });
  return { status: r.status, stderr: String(r.stderr) };
}

describe('prerequisites of the README commands', () => {
  it('npm run demo without strace, gcc, make and binutils, not as root: exit 2 with the one-line apt-get command, nothing installed', () => {
    const { bin, aptLog } = bareBin(false);
    const r = run([join(ROOT, 'scripts', 'demo.mjs')], bin, isRoot ? { uid: NOBODY, gid: NOBODY } : {});
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /missing: strace \(the tracer\), gcc \(builds the example servers\), make \(builds the examples\), binutils/);
    assert.match(r.stderr, /\n {2}sudo apt-get install -y strace gcc make binutils\n/);
    assert.doesNotMatch(r.stderr, /Could not build/, 'it stopped before trying to build');
    assert.equal(existsSync(aptLog), false, 'apt-get was not run');
  });

  it(
    'as root, the missing packages are installed with apt-get, saying so, and the job goes on',
    { skip: isRoot ? false : 'needs root (a fresh container or CI)' },
    () => {
      const { bin, aptLog } = bareBin(true);
      const r = run([join(ROOT, 'scripts', 'prereqs.mjs'), 'demo'], bin);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /installing strace gcc make binutils with apt-get \(running as root\)/);
      assert.deepEqual(readFileSync(aptLog, 'utf8').trim().split('\n'), [
        'noninteractive update -qq',
        'noninteractive install -y -qq --no-install-recommends strace gcc make binutils',
      ]);
    },
  );

  it('the test command names the compilers code-server builds with too, and Rust and Go only as optional', () => {
    const { bin } = bareBin(false);
    const r = run([join(ROOT, 'scripts', 'prereqs.mjs'), 'test'], bin, isRoot ? { uid: NOBODY, gid: NOBODY } : {});
    assert.equal(r.status, 2, r.stderr);
    const command = /\n {2}(sudo apt-get install -y .*)\n/.exec(r.stderr)?.[1] ?? '';
    // (chromium and libkrb5-dev are found by dpkg, which a PATH cannot hide.)
    for (const pkg of ['strace', 'gcc', 'make', 'binutils', 'g++', 'python3', 'rustc', 'golang-go', 'elfutils'])
      assert.ok(command.split(' ').includes(pkg), `${pkg} in ${command}`);
    assert.match(r.stderr, /optional: rustc \(the Rust fork-site tests\), golang-go/);
  });

  it('when everything is there it says nothing and exits 0', () => {
    const r = run([join(ROOT, 'scripts', 'prereqs.mjs'), 'demo'], process.env.PATH ?? '');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  it('an unknown job is a usage error', () => {
    const r = run([join(ROOT, 'scripts', 'prereqs.mjs'), 'deploy'], process.env.PATH ?? '');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: node scripts\/prereqs\.mjs demo \| test/);
  });
});
