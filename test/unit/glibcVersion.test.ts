import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { glibcVersion, glibcVersionOf, libcPathOf } from '../../src/sites/glibcVersion';

describe("this machine's glibc, read without process.report", () => {
  it('finds libc among the mappings, by either name glibc gives it', () => {
    const maps = [
      '55d0c0000000-55d0c0001000 r--p 00000000 fe:00 1 /usr/bin/node',
      '7f8a768b0000-7f8a768d6000 r--p 00000000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6',
      '7f8a76a2c000-7f8a76a7f000 r--p 0017c000 fe:00 339381                     /usr/lib/x86_64-linux-gnu/libcrypt.so.1',
    ].join('\n');
    assert.equal(libcPathOf(maps), '/usr/lib/x86_64-linux-gnu/libc.so.6');
    assert.equal(libcPathOf('7f00-7f01 r-xp 00000000 08:01 2 /lib/x86_64-linux-gnu/libc-2.31.so\n'), '/lib/x86_64-linux-gnu/libc-2.31.so');
    assert.equal(libcPathOf('7f00-7f01 r-xp 00000000 08:01 2 /lib/ld-musl-x86_64.so.1\n'), null, 'musl is not glibc');
  });

  it('reads the version from the file name, else from the banner', () => {
    assert.equal(
      glibcVersionOf('/lib/libc-2.28.so', () => {
        throw new Error('not read: the name says it');
      }),
      2028,
    );
    const banner = Buffer.from('\0\0GNU C Library (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36.\nCopyright');
    assert.equal(
      glibcVersionOf('/lib/libc.so.6', () => banner),
      2036,
    );
    assert.equal(
      glibcVersionOf('/lib/libc.so.6', () => Buffer.from('no banner here')),
      null,
    );
  });

  it("agrees with Node's own report on this machine", () => {
    const report = process.report.getReport() as unknown as { header: { glibcVersionRuntime?: string } };
    const m = /^(\d+)\.(\d+)/.exec(report.header.glibcVersionRuntime ?? '');
    assert.ok(m, `this machine runs glibc (${readFileSync('/proc/self/maps', 'latin1').length} bytes of maps)`);
    assert.equal(glibcVersion(), Number(m[1]) * 1000 + Number(m[2]));
  });
});
