// The program's own shared libraries, found the way ld.so finds them: small real
// libraries built with gcc in a temp directory, read with ownLibraries.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDynamic, readElf } from '../../src/sites/elf';
import { ownLibraries } from '../../src/sites/libraries';

let tmp = '';
const gcc = (...args: string[]): void => {
  execFileSync('gcc', args, { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
};
const libsOf = (exe: string, libraryPath?: string): string[] => {
  const path = join(tmp, exe);
  const elf = readElf(path);
  assert.ok(elf);
  return ownLibraries(path, elf, { libraryPath, cwd: tmp }).map((p) => p.slice(tmp.length + 1));
};

describe('ownLibraries', () => {
  before(() => {
    tmp = realpathSync(mkdtempSync(join(tmpdir(), 'forktrace-libs-')));
    mkdirSync(join(tmp, 'lib', 'sub'), { recursive: true });
    writeFileSync(join(tmp, 'b.c'), 'int b(void) { return 2; }\n');
    writeFileSync(join(tmp, 'a.c'), 'int b(void);\nint a(void) { return b() + 1; }\n');
    writeFileSync(join(tmp, 'main.c'), '#include <math.h>\nint a(void);\nint main(int c, char **v) { (void)v; return a() + (int)sqrt((double)c); }\n');
    gcc('-g', '-fPIC', '-shared', '-o', 'lib/sub/libb.so', 'b.c');
    // liba finds libb through its own RUNPATH, relative to itself.
    gcc('-g', '-fPIC', '-shared', '-o', 'lib/liba.so', 'a.c', '-Llib/sub', '-lb', '-Wl,--enable-new-dtags,-rpath,$ORIGIN/sub');
    gcc('-g', '-o', 'runpath', 'main.c', '-Llib', '-la', '-lm', '-Wl,--enable-new-dtags,-rpath,$ORIGIN/lib');
    // An old-style RPATH is searched for the libraries' own needs too.
    gcc('-g', '-fPIC', '-shared', '-o', 'lib/liba_plain.so', 'a.c', '-Llib/sub', '-lb');
    gcc(
      '-g',
      '-o',
      'rpath',
      'main.c',
      '-Llib',
      '-l:liba_plain.so',
      '-lm',
      '-Wl,-rpath-link,lib/sub',
      '-Wl,--disable-new-dtags,-rpath,$ORIGIN/lib:$ORIGIN/lib/sub',
    );
    gcc('-g', '-o', 'nopath', 'main.c', '-Llib', '-la', '-lm');
    writeFileSync(join(tmp, 'static.c'), 'int main(void) { return 0; }\n');
    gcc('-g', '-static', '-o', 'static', 'static.c');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads DT_NEEDED and DT_RUNPATH as the loader does', () => {
    const path = join(tmp, 'runpath');
    const dyn = readDynamic(path, readElf(path)!);
    assert.deepEqual(
      dyn.needed.filter((n) => !/^lib(c|m)\.so/.test(n)),
      ['liba.so'],
    );
    assert.ok(dyn.needed.includes('libm.so.6'), dyn.needed.join(' '));
    assert.deepEqual(dyn.runpath, ['$ORIGIN/lib']);
    assert.deepEqual(dyn.rpath, []);
  });

  it('follows $ORIGIN runpaths, library by library, and leaves libm and libc out', () => {
    assert.deepEqual(libsOf('runpath'), ['lib/liba.so', 'lib/sub/libb.so']);
  });

  it("searches the executable's RPATH for its libraries' own needs", () => {
    assert.deepEqual(libsOf('rpath'), ['lib/liba_plain.so', 'lib/sub/libb.so']);
  });

  it('finds nothing of its own without a path, and the same libraries through LD_LIBRARY_PATH', () => {
    assert.deepEqual(libsOf('nopath'), []);
    assert.deepEqual(libsOf('nopath', `${join(tmp, 'lib')}::/nonexistent`), ['lib/liba.so', 'lib/sub/libb.so']);
    assert.deepEqual(libsOf('nopath', 'lib'), ['lib/liba.so', 'lib/sub/libb.so'], 'a relative entry is taken from the cwd');
  });

  it('a static executable has no libraries', () => {
    assert.deepEqual(libsOf('static'), []);
  });

  it('a library that is gone is skipped, not an error', () => {
    rmSync(join(tmp, 'lib', 'sub', 'libb.so'));
    try {
      assert.deepEqual(libsOf('runpath'), ['lib/liba.so']);
    } finally {
      gcc('-g', '-fPIC', '-shared', '-o', 'lib/sub/libb.so', 'b.c');
    }
  });
});
