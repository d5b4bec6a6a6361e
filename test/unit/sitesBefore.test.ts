// Forks the trace never saw (an attach found their children in /proc): the resolver names
// the line only when the parent's program has a single call that makes processes, and
// says why not otherwise. Real binaries, compiled with gcc -g, disassembled with the real
// objdump and resolved with addr2line; expected lines are searched in the C source.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SyscallEvent } from '../../src/core/events';
import type { CallSite } from '../../src/core/model';
import { SiteResolver } from '../../src/sites';

const ROOT = resolve(__dirname, '..', '..');
const ZOMBIE = join(ROOT, 'examples', 'zombie_server.c');
const TWO_FORKS = join(ROOT, 'test', 'programs', 'two_fork_sites.c');

let tmp = '';
const bin = (name: string): string => join(tmp, name);
let popenSource = '';

function gcc(args: string[]): void {
  execFileSync('gcc', args, { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The 1-based lines of `file` whose code (comments left out) matches `re`. */
function linesOf(file: string, re: RegExp): number[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((text, i) => (!/^\s*(\/\*|\*)/.test(text) && re.test(text.replace(/\/\*.*?\*\//g, '')) ? [i + 1] : []));
}

/** What before.ts makes for a child found at an attach: a stand-in fork by its parent. */
function forkedBefore(executable: string | null): CallSite {
  const event: SyscallEvent = { kind: 'syscall', line: 0, pid: 100, time: 0, name: 'fork', args: '', result: '101', errno: null };
  return { event, executable, beforeTrace: true };
}

before(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'forktrace-before-sites-')));
  gcc(['-g', '-O0', '-o', bin('zombie_server'), ZOMBIE]);
  gcc(['-g', '-O0', '-o', bin('two_fork_sites'), TWO_FORKS]);
  gcc(['-O0', '-o', bin('zombie_server.nodebug'), ZOMBIE]);
  popenSource = join(tmp, 'popen_once.c');
  writeFileSync(
    popenSource,
    [
      '#include <stdio.h>',
      '#include <unistd.h>',
      'int main(void)',
      '{',
      '    FILE *f = popen("true", "r");',
      '    sleep(1);',
      '    return f != NULL;',
      '}',
      '',
    ].join('\n'),
  );
  gcc(['-g', '-O0', '-o', bin('popen_once'), popenSource]);
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a fork before the attach (CallSite.beforeTrace)', () => {
  it("has zombie_server's one fork() line, and says it was inferred", () => {
    const [line] = linesOf(ZOMBIE, /\bfork\(\)/);
    const got = new SiteResolver().locate(forkedBefore(bin('zombie_server')), 'fork');
    assert.deepEqual(got.location, { file: ZOMBIE, line, function: 'main' });
    assert.equal(got.inferred, 'the fork was before the attach; this is the only call in zombie_server that makes processes (fork())');
    assert.deepEqual(got.via, ['fork']);
  });

  it('counts every function that makes processes: a lone popen() is the line, and says so', () => {
    const [line] = linesOf(popenSource, /\bpopen\(/);
    const got = new SiteResolver().locate(forkedBefore(bin('popen_once')), 'fork');
    assert.deepEqual(got.location, { file: popenSource, line, function: 'main' });
    assert.match(got.inferred ?? '', /only call in popen_once that makes processes \(popen\(\)\)$/);
  });

  it('names no line for two_fork_sites: it has 2 fork calls, each listed, and no precise trace is offered', () => {
    const lines = linesOf(TWO_FORKS, /\bfork\(\)/);
    assert.equal(lines.length, 2);
    const r = new SiteResolver();
    const got = r.locate(forkedBefore(bin('two_fork_sites')), 'fork');
    assert.equal(got.location, null);
    assert.equal(
      got.note,
      `The fork was before the attach, and two_fork_sites has 2 calls that make processes (fork()), at two_fork_sites.c:${lines[0]} (spawn_worker), two_fork_sites.c:${lines[1]} (spawn_logger): which one it was is not known.`,
    );
    assert.equal(got.preciseWouldPin, undefined, 'strace -k cannot see a fork made before the trace');
    assert.equal(got.inferred, undefined);
    // A traced fork of the same binary keeps its own words (the answers are cached apart).
    const traced = r.locate({ ...forkedBefore(bin('two_fork_sites')), beforeTrace: undefined }, 'fork');
    assert.match(traced.note ?? '', /^2 call sites of fork\(\).*precise mode/);
    assert.equal(traced.preciseWouldPin, true);
  });

  it('says why not when the program has no debug information, is unknown, or is gone', () => {
    const r = new SiteResolver();
    assert.match(r.locate(forkedBefore(bin('zombie_server.nodebug')), 'fork').note ?? '', /zombie_server\.nodebug was built without debug information/);
    assert.deepEqual(r.locate(forkedBefore(null), 'fork'), {
      location: null,
      note: 'The fork was before the attach, and the program that made it is not known, so its line is not known.',
    });
    assert.match(r.locate(forkedBefore(bin('gone')), 'fork').note ?? '', /gone does not exist on this machine/);
  });
});
