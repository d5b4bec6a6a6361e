// strace's version, features and the ptrace check are kept on disk between runs: a second
// `forktrace trace` starts strace only for the trace itself, and a changed strace binary
// is checked again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from '../../src/tracer/strace';
import { ROOT } from '../support/system';

test('strace detection runs strace once per binary and machine, and again when the binary changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-detect-'));
  const calls = join(dir, 'calls');
  const real = which('strace');
  assert.ok(real, 'strace is installed');
  // A strace that logs each start, then is the real one.
  const fake = join(dir, 'strace');
  writeFileSync(fake, `#!/bin/sh\necho "$*" >> ${calls}\nexec ${real} "$@"\n`);
  chmodSync(fake, 0o755);
  const detect = (): { stracePath: string; seccomp: boolean } => {
    const code = `const i = require(${JSON.stringify(join(ROOT, 'src', 'tracer', 'strace.ts'))}).detectStrace(${JSON.stringify(fake)}); console.log(JSON.stringify({ stracePath: i.path, seccomp: i.seccompBpf }))`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { stracePath: string; seccomp: boolean };
  };
  const starts = (): string[] => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []);

  const first = detect();
  assert.equal(first.stracePath, fake);
  assert.equal(starts().length, 2, 'the first run asks strace -V and traces true once');
  assert.equal(starts()[0], '-V');

  assert.deepEqual(detect(), first, 'the second run knows the same');
  assert.equal(starts().length, 2, 'and started no strace');

  const later = new Date(Date.now() + 5000);
  utimesSync(fake, later, later);
  assert.deepEqual(detect(), first);
  assert.equal(starts().length, 4, 'a changed binary is checked again');
});
