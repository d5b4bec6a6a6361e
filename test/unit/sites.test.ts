// Source sites from real binaries: the sample programs compiled with gcc into a temp
// directory, disassembled and resolved with the real objdump/addr2line, and (for the
// precise path) traced with the real `strace -k`. Expected lines are found by searching
// the C source for the call, so an edit to a program moves the expectation with it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import type { SyscallEvent } from '../../src/core/events';
import type { CallSite } from '../../src/core/model';
import { TraceSession } from '../../src/core/session';
import { SiteResolver, interpreterLanguage, isSystemObject, libcFunctionsFor, parseStackFrame, scriptOf, workspaceCandidates } from '../../src/sites';
import { gotTarget, isLibrarySource, parseObjdump } from '../../src/sites/binutils';
import { readElf } from '../../src/sites/elf';
import { cloneFlagNames, cloneFlagsText } from '../../src/core/calls';

const ROOT = resolve(__dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const PROGRAMS = join(ROOT, 'test', 'programs');

let tmp = '';
const bin = (name: string): string => join(tmp, name);

function gcc(args: string[], cwd?: string): void {
  execFileSync('gcc', args, { cwd: cwd ?? tmp, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** 1-based lines of code (comments skipped) matching `re`; asserts how many there are. */
function linesOf(file: string, re: RegExp, expected = 1): number[] {
  const out: number[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const code = text.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '');
      if (/^\s*(\/\*|\*)/.test(text)) return;
      if (re.test(code)) out.push(i + 1);
    });
  assert.equal(out.length, expected, `${basename(file)} should have ${expected} line(s) matching ${re}, found ${out.join(', ')}`);
  return out;
}

function event(name: string, args: string, extra: Partial<SyscallEvent> = {}): SyscallEvent {
  return { kind: 'syscall', line: 1, pid: 100, time: 0, name, args, result: '0', errno: null, ...extra };
}

const FORK_CLONE = 'child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f63b647aa10';
const forkEvent = (): SyscallEvent => event('clone', FORK_CLONE, { result: '4242' });
/** What strace prints for wait4's status of a child that exited 0. */
const ST = '[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]';
const waitEvent = (): SyscallEvent => event('wait4', '-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL', { result: '4242' });
const sigchldEvent = (): SyscallEvent =>
  event('rt_sigaction', 'SIGCHLD, {sa_handler=0x55d0c3a4a249, sa_mask=[], sa_flags=SA_RESTORER, sa_restorer=0x7f0d}, NULL, 8');
const acceptEvent = (): SyscallEvent => event('accept', '3, NULL, NULL', { result: '?', errno: 'ERESTARTSYS' });
const site = (ev: SyscallEvent, executable: string | null): CallSite => ({ event: ev, executable });

const src = {
  zombie: join(EXAMPLES, 'zombie_server.c'),
  reapOnce: join(EXAMPLES, 'reap_once_server.c'),
  eintr: join(EXAMPLES, 'eintr_server.c'),
  twoForks: join(PROGRAMS, 'two_fork_sites.c'),
  spawn: join(PROGRAMS, 'posix_spawn.c'),
};

before(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'forktrace-sites-')));
  for (const name of ['zombie_server', 'reap_once_server', 'eintr_server']) gcc(['-g', '-O0', '-o', bin(name), join(EXAMPLES, `${name}.c`)]);
  // From another directory, with a relative source path: DW_AT_name is relative to DW_AT_comp_dir.
  const rel = relative(tmp, src.twoForks);
  assert.ok(!rel.startsWith('/'));
  gcc(['-g', '-O0', '-o', 'two_fork_sites', rel]);
  gcc(['-g', '-O0', '-no-pie', '-o', 'two_fork_sites.nopie', src.twoForks]);
  gcc(['-g', '-O0', '-no-pie', '-o', 'reap_once.nopie', src.reapOnce]);
  gcc(['-O0', '-o', 'two_fork_sites.nodebug', src.twoForks]);
  gcc(['-g', '-O0', '-o', 'two_fork_sites.full', src.twoForks]);
  execFileSync('strip', ['-o', bin('two_fork_sites.stripped'), bin('two_fork_sites.full')]);
  gcc(['-g', '-O0', '-o', 'posix_spawn', src.spawn]);
  // A helper inlined into two callers (always_inline works at -O0).
  const inlined = join(tmp, 'inlined.c');
  writeFileSync(
    inlined,
    [
      '#include <unistd.h>',
      'static inline __attribute__((always_inline)) pid_t spawn(int code)',
      '{',
      '    pid_t pid = fork();',
      '    if (pid == 0)',
      '        _exit(code);',
      '    return pid;',
      '}',
      'int main(void)',
      '{',
      '    pid_t a = spawn(1);',
      '    pid_t b = spawn(2);',
      '    return a > 0 && b > 0 ? 0 : 1;',
      '}',
      '',
    ].join('\n'),
  );
  gcc(['-g', '-O0', '-o', bin('inlined'), inlined]);
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('static path (no -k frames)', () => {
  it('finds the one fork() of zombie_server', () => {
    const r = new SiteResolver();
    const [line] = linesOf(src.zombie, /\bfork\(\)/);
    const got = r.locate(site(forkEvent(), bin('zombie_server')), 'fork');
    assert.deepEqual(got, { location: { file: src.zombie, line, function: 'main' }, note: null, via: ['fork'] });
  });

  it('finds the waitpid in the reap_once handler', () => {
    const r = new SiteResolver();
    const [line] = linesOf(src.reapOnce, /\bwaitpid\(/);
    const got = r.locate(site(waitEvent(), bin('reap_once_server')), 'wait');
    assert.deepEqual(got.location, { file: src.reapOnce, line, function: 'on_sigchld' });
  });

  it('finds the sigaction, the accept, the waitpid and the fork of eintr_server', () => {
    const r = new SiteResolver();
    const exe = bin('eintr_server');
    assert.deepEqual(r.locate(site(sigchldEvent(), exe), 'sigaction').location, {
      file: src.eintr,
      line: linesOf(src.eintr, /\bsigaction\(/)[0],
      function: 'main',
    });
    assert.deepEqual(r.locate(site(acceptEvent(), exe), 'interrupted').location, {
      file: src.eintr,
      line: linesOf(src.eintr, /\baccept\(/)[0],
      function: 'main',
    });
    assert.deepEqual(r.locate(site(waitEvent(), exe), 'wait').location, {
      file: src.eintr,
      line: linesOf(src.eintr, /\bwaitpid\(/)[0],
      function: 'on_sigchld',
    });
    assert.deepEqual(r.locate(site(forkEvent(), exe), 'fork').location, { file: src.eintr, line: linesOf(src.eintr, /\bfork\(\)/)[0], function: 'main' });
    // One disassembly and one addr2line run served all four.
    assert.equal(r.stats.objdumpRuns, 1);
    assert.equal(r.stats.addr2lineRuns, 1);
  });

  it('gives two candidates, not a guess, for two_fork_sites (built from another cwd with a relative path)', () => {
    const r = new SiteResolver();
    const lines = linesOf(src.twoForks, /\bfork\(\)/, 2);
    const s = site(forkEvent(), bin('two_fork_sites'));
    const got = r.locate(s, 'fork');
    assert.equal(got.location, null);
    assert.match(got.note ?? '', /^2 call sites of fork\(\)/);
    for (const line of lines) assert.ok(got.note?.includes(`two_fork_sites.c:${line}`), got.note ?? '');
    assert.match(
      got.note ?? '',
      /precise mode \(strace -k: the forkTrace\.stackMode setting, "stackMode": "precise" in a launch configuration, or forktrace --stack-mode precise\)/,
    );
    const candidates = r.candidates(s, 'fork');
    assert.deepEqual(
      candidates.map((c) => [c.file, c.line, c.function, c.certainty]),
      [
        [src.twoForks, lines[0], 'spawn_worker', 'candidate'],
        [src.twoForks, lines[1], 'spawn_logger', 'candidate'],
      ],
    );
  });

  it('resolves a -no-pie (ET_EXEC) build the same way', () => {
    const r = new SiteResolver();
    const [line] = linesOf(src.reapOnce, /\bwaitpid\(/);
    assert.deepEqual(r.locate(site(waitEvent(), bin('reap_once.nopie')), 'wait').location, { file: src.reapOnce, line, function: 'on_sigchld' });
    const lines = linesOf(src.twoForks, /\bfork\(\)/, 2);
    assert.deepEqual(
      r.candidates(site(forkEvent(), bin('two_fork_sites.nopie')), 'fork').map((c) => c.line),
      lines,
    );
  });

  it('tells posix_spawn (clone3 with CLONE_VM|CLONE_VFORK) from vfork', () => {
    const r = new SiteResolver();
    const exe = bin('posix_spawn');
    const spawn = event('clone3', '{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f6992bf2000, stack_size=0x9000}, 88', { result: '4275' });
    assert.equal(r.locate(site(spawn, exe), 'fork').location?.line, linesOf(src.spawn, /\bposix_spawn\(/)[0]);
    assert.equal(r.locate(site(event('vfork', '', { result: '4276' }), exe), 'fork').location?.line, linesOf(src.spawn, /\bvfork\(\)/)[0]);
    // Two waitpid calls: candidates.
    const wait = r.locate(site(waitEvent(), exe), 'wait');
    assert.equal(wait.location, null);
    assert.match(wait.note ?? '', /^2 call sites of waitpid\(\)/);
  });

  it("tells a handler's waitpid(-1, …, WNOHANG) from system()'s wait for its own child", () => {
    const file = join(tmp, 'handler_and_system.c');
    copyFileSync(join(PROGRAMS, 'handler_and_system.c'), file);
    gcc(['-g', '-O0', '-o', bin('handler_and_system'), file]);
    const r = new SiteResolver();
    const exe = bin('handler_and_system');
    const at = (args: string): number | undefined => r.locate(site(event('wait4', args, { result: '4242' }), exe), 'wait').location?.line;
    assert.equal(at(`-1, ${ST}, WNOHANG, NULL`), linesOf(file, /\bwaitpid\(-1, &st, WNOHANG\)/)[0]);
    // system()'s wait4(pid, …, 0): the handler's waitpid loads -1 as its pid, so only system() fits.
    assert.equal(at(`4242, ${ST}, 0, NULL`), linesOf(file, /\bsystem\(/)[0]);
  });

  it("tells a handler's waitpid(-1, …, WNOHANG) from main's blocking waitpid(-1, …, 0) by the options each site loads", () => {
    const file = join(tmp, 'two_waits.c');
    writeFileSync(
      file,
      [
        '#include <signal.h>',
        '#include <sys/wait.h>',
        'static void on_sigchld(int s)',
        '{',
        '    int st;',
        '    (void)s;',
        '    while (waitpid(-1, &st, WNOHANG) > 0)',
        '        ;',
        '}',
        'int main(void)',
        '{',
        '    int st;',
        '    signal(SIGCHLD, on_sigchld);',
        '    return waitpid(-1, &st, 0) > 0;',
        '}',
        '',
      ].join('\n'),
    );
    gcc(['-g', '-O0', '-o', bin('two_waits'), file]);
    const r = new SiteResolver();
    const at = (options: string) => r.locate(site(event('wait4', `-1, ${ST}, ${options}, NULL`, { result: '4242' }), bin('two_waits')), 'wait').location;
    assert.deepEqual(at('WNOHANG'), { file, line: 7, function: 'on_sigchld' });
    assert.deepEqual(at('0'), { file, line: 14, function: 'main' });
    // Options no site loads as a constant: both stay candidates.
    assert.equal(at('WNOHANG|WUNTRACED'), null);
  });

  it('keeps only the sigaction whose signal argument is SIGCHLD', () => {
    const file = join(tmp, 'two_handlers.c');
    writeFileSync(
      file,
      [
        '#include <signal.h>',
        '#include <string.h>',
        'static void h(int s) { (void)s; }',
        'int main(void)',
        '{',
        '    struct sigaction sa;',
        '    memset(&sa, 0, sizeof sa);',
        '    sa.sa_handler = h;',
        '    sigaction(SIGINT, &sa, NULL);',
        '    sigaction(SIGCHLD, &sa, NULL);',
        '    signal(SIGTERM, h);',
        '    return 0;',
        '}',
        '',
      ].join('\n'),
    );
    gcc(['-g', '-O0', '-o', bin('two_handlers'), file]);
    const r = new SiteResolver();
    const exe = bin('two_handlers');
    assert.equal(r.locate(site(sigchldEvent(), exe), 'sigaction').location?.line, linesOf(file, /sigaction\(SIGCHLD/)[0]);
    assert.equal(
      r.locate(site(event('rt_sigaction', 'SIGINT, {sa_handler=0x1, sa_mask=[], sa_flags=SA_RESTORER}, NULL, 8'), exe), 'sigaction').location?.line,
      linesOf(file, /sigaction\(SIGINT/)[0],
    );
    assert.equal(
      r.locate(site(event('rt_sigaction', 'SIGTERM, {sa_handler=0x1, sa_mask=[TERM], sa_flags=SA_RESTORER|SA_RESTART}, NULL, 8'), exe), 'sigaction').location
        ?.line,
      linesOf(file, /signal\(SIGTERM/)[0],
    );
  });

  it("gives an inlined helper's fork() line once, however many places it is inlined into", () => {
    const file = join(tmp, 'inlined.c');
    assert.deepEqual(new SiteResolver().locate(site(forkEvent(), bin('inlined')), 'fork').location, {
      file,
      line: linesOf(file, /\bfork\(\)/)[0],
      function: 'spawn',
    });
  });

  it("resolves a relative DW_AT_comp_dir (-fdebug-prefix-map=DIR=.) against the binary's directory", () => {
    mkdirSync(join(tmp, 'prefix', 'src'), { recursive: true });
    const file = join(tmp, 'prefix', 'src', 'prefixed.c');
    copyFileSync(src.zombie, file);
    gcc(['-g', '-O0', `-fdebug-prefix-map=${join(tmp, 'prefix')}=.`, '-o', 'prefixed', 'src/prefixed.c'], join(tmp, 'prefix'));
    const got = new SiteResolver().locate(site(forkEvent(), join(tmp, 'prefix', 'prefixed')), 'fork');
    assert.deepEqual(got.location, { file, line: linesOf(src.zombie, /\bfork\(\)/)[0], function: 'main' });
  });

  it("resolves a relative executable path against the trace's cwd", () => {
    const r = new SiteResolver({ cwd: tmp });
    assert.equal(r.locate(site(forkEvent(), './zombie_server'), 'fork').location?.file, src.zombie);
  });
});

describe("the program's own shared libraries (fast mode)", () => {
  // A library that forks, with a lot of other machine code, next to its program.
  const big = Array.from({ length: 400 }, (_, i) => `    sink = sink * 31 + ${i};`).join('\n');
  const libSource = [
    '#include <unistd.h>',
    'volatile long sink;',
    'void busy(void)',
    '{',
    big,
    '}',
    'pid_t lib_spawn(void)',
    '{',
    '    return fork();  /* lib fork */',
    '}',
    '',
  ].join('\n');
  const mainSource = ['#include <unistd.h>', 'pid_t lib_spawn(void);', 'int main(void)', '{', '    lib_spawn();', '    return 0;', '}', ''].join('\n');
  before(() => {
    mkdirSync(join(tmp, 'own', 'lib'), { recursive: true });
    writeFileSync(join(tmp, 'own', 'lib.c'), libSource);
    writeFileSync(join(tmp, 'own', 'main.c'), mainSource);
    gcc(['-g', '-fPIC', '-shared', '-o', 'lib/libbusy.so', 'lib.c'], join(tmp, 'own'));
    gcc(['-g', '-o', 'main', 'main.c', '-Llib', '-lbusy', '-Wl,-rpath,$ORIGIN/lib'], join(tmp, 'own'));
  });

  it("finds the fork in the program's own library, and says which function it calls", () => {
    const [line] = linesOf(join(tmp, 'own', 'lib.c'), /return fork\(\)/);
    const r = new SiteResolver();
    assert.deepEqual(r.locate(site(forkEvent(), join(tmp, 'own', 'main')), 'fork'), {
      location: { file: join(tmp, 'own', 'lib.c'), line, function: 'lib_spawn' },
      note: null,
      via: ['fork'],
    });
    assert.equal(r.stats.objdumpRuns, 2, 'the executable and its library, once each');
  });

  it('libraries past the machine-code budget are not disassembled, and the answer says so instead of naming no line', () => {
    const exe = join(tmp, 'own', 'main');
    const exeBytes = readElf(exe)!.textBytes;
    const libBytes = readElf(join(tmp, 'own', 'lib', 'libbusy.so'))!.textBytes;
    assert.ok(libBytes > exeBytes, `the library (${libBytes} B) has more machine code than the executable (${exeBytes} B)`);
    const r = new SiteResolver({ maxTextBytes: exeBytes });
    const got = r.locate(site(forkEvent(), exe), 'fork');
    assert.equal(got.location, null);
    assert.match(
      got.note ?? '',
      /^No call to .* was found in main, and libbusy\.so was not disassembled \(main's own libraries have more than the 0 MiB of machine code the quick analysis reads\), so this clone may have come from there; trace in precise mode/,
    );
    assert.equal(r.stats.objdumpRuns, 1, 'only the executable was disassembled');
  });
});

describe('precise path (-k frames from the real strace)', () => {
  /** Runs the binary under `strace -f -k` and returns the model's fork sites by child exit code. */
  function traceForkSites(exe: string): Map<number, CallSite> | null {
    const log = join(tmp, `${basename(exe)}.k.log`);
    const r = spawnSync('strace', ['-f', '-k', '-e', 'trace=execve,clone,clone3,fork,vfork,wait4', '-o', log, exe], { encoding: 'utf8', timeout: 20_000 });
    if (r.error || r.status !== 0) return null;
    const session = new TraceSession();
    session.push(readFileSync(log, 'utf8'));
    session.finish();
    const out = new Map<number, CallSite>();
    for (const p of session.model.processes) if (p.forkSite && p.exit?.code != null) out.set(p.exit.code, p.forkSite);
    return out;
  }

  for (const name of ['two_fork_sites', 'two_fork_sites.nopie']) {
    it(`pins down each fork site of ${name}`, (t) => {
      const sites = traceForkSites(bin(name));
      if (!sites) return t.skip('strace -k could not run here');
      const [worker, logger] = linesOf(src.twoForks, /\bfork\(\)/, 2);
      const r = new SiteResolver();
      const w = sites.get(1);
      const l = sites.get(2);
      assert.ok(w?.event.stack && l?.event.stack, 'strace printed frames');
      assert.equal(w.executable, bin(name));
      assert.deepEqual(r.locate(w, 'fork'), { location: { file: src.twoForks, line: worker, function: 'spawn_worker' }, note: null, via: ['fork'] });
      assert.deepEqual(r.locate(l, 'fork'), { location: { file: src.twoForks, line: logger, function: 'spawn_logger' }, note: null, via: ['fork'] });
      assert.equal(r.stats.objdumpRuns, 1, 'the lines come from the frames; one disassembly says which function each line calls (via)');

      // Without the symbol, the bracketed value alone (a file offset) must give the same line:
      // for -no-pie that is offset 0x11xx → address 0x4011xx.
      const bare = (s: CallSite): CallSite => ({
        executable: null,
        event: { ...s.event, stack: (s.event.stack ?? []).map((f) => f.replace(/\([^()]*\) \[/, '() [')) },
      });
      const r2 = new SiteResolver({ unwinder: 'libunwind' });
      assert.equal(r2.locate(bare(w), 'fork').location?.line, worker);
      assert.equal(r2.locate(bare(l), 'fork').location?.line, logger);
    });
  }

  it('uses the return address minus one: a waitpid whose line ends with the call', (t) => {
    const file = join(tmp, 'wait_last.c');
    writeFileSync(
      file,
      [
        '#include <sys/wait.h>',
        '#include <unistd.h>',
        'int main(void)',
        '{',
        '    pid_t pid = fork();',
        '    if (pid == 0)',
        '        _exit(3);',
        '    waitpid(pid, NULL, 0);',
        '    return 0;',
        '}',
        '',
      ].join('\n'),
    );
    gcc(['-g', '-O0', '-o', bin('wait_last'), file]);
    const log = join(tmp, 'wait_last.k.log');
    const r = spawnSync('strace', ['-f', '-k', '-e', 'trace=execve,clone,wait4', '-o', log, bin('wait_last')], { timeout: 20_000 });
    if (r.error || r.status !== 0) return t.skip('strace -k could not run here');
    const session = new TraceSession();
    session.push(readFileSync(log, 'utf8'));
    session.finish();
    const child = session.model.processes.find((p) => p.exit?.code === 3);
    // The parent's last wait is the one that reaped the child.
    const wait = session.model.processes[0].lastWait;
    assert.ok(child && wait?.event.stack, 'the reaping wait4 has frames');
    const resolver = new SiteResolver();
    assert.deepEqual(resolver.locate(wait, 'wait').location, { file, line: linesOf(file, /\bwaitpid\(/)[0], function: 'main' });
    assert.deepEqual(resolver.locate(child.forkSite as CallSite, 'fork').location?.line, linesOf(file, /\bfork\(\)/)[0]);
  });

  it('notices a binary rebuilt since the trace instead of naming a wrong line', (t) => {
    const exe = bin('rebuilt');
    copyFileSync(bin('two_fork_sites'), exe);
    const sites = traceForkSites(exe);
    if (!sites) return t.skip('strace -k could not run here');
    const w = sites.get(1) as CallSite;
    assert.equal(new SiteResolver().locate(w, 'fork').location?.line, linesOf(src.twoForks, /\bfork\(\)/, 2)[0]);
    // The same program with more code in front of spawn_worker: every address moves.
    const changed = join(tmp, 'changed.c');
    writeFileSync(
      changed,
      `static int pad(int x) { return x * 3 + 1; }\nint padding(int x) { return pad(x) + pad(x + 1); }\n${readFileSync(src.twoForks, 'utf8')}`,
    );
    gcc(['-g', '-O0', '-o', exe, changed]);
    const got = new SiteResolver().locate(w, 'fork');
    assert.equal(got.location, null);
    assert.match(got.note ?? '', /rebuilt after this trace was recorded/);
  });

  it('puts the precise lines into the snapshot', (t) => {
    const log = join(tmp, 'snapshot.k.log');
    const r = spawnSync('strace', ['-f', '-k', '-e', 'trace=execve,clone,clone3,fork,vfork,wait4', '-o', log, bin('two_fork_sites')], { timeout: 20_000 });
    if (r.error || r.status !== 0) return t.skip('strace -k could not run here');
    const session = new TraceSession();
    session.push(readFileSync(log, 'utf8'));
    session.finish();
    const snap = session.snapshot(new SiteResolver().locator());
    const lines = linesOf(src.twoForks, /\bfork\(\)/, 2);
    const byCode = new Map(snap.processes.filter((p) => p.exit?.code === 1 || p.exit?.code === 2).map((p) => [p.exit?.code, p.forkSite?.line]));
    assert.deepEqual([byCode.get(1), byCode.get(2)], lines);
  });

  it('skips libc frames and reads the recorded fixture format', () => {
    const f = parseStackFrame('/work/main/examples/double_fork_daemon(main+0x92) [0x126b]');
    assert.deepEqual(f, { binary: '/work/main/examples/double_fork_daemon', symbol: 'main', symbolOffset: 0x92, value: 0x126b, source: null });
    assert.deepEqual(parseStackFrame(' > /bin/x() [0x10]')?.symbol, null);
    assert.deepEqual(parseStackFrame('/bin/x(ns::f(int)+0x4) [0x10] /src/x.cc:7')?.source, { file: '/src/x.cc', line: 7 });
    assert.equal(parseStackFrame('unexpected_backtracing_error [0x7f00]'), null);
    assert.ok(isSystemObject('/usr/lib/x86_64-linux-gnu/libc.so.6'));
    assert.ok(isSystemObject('/lib64/ld-linux-x86-64.so.2'));
    assert.ok(isSystemObject('/opt/glibc/lib/libc.so.6'));
    assert.ok(!isSystemObject('/work/app/build/libworker.so'));
    assert.ok(!isSystemObject('/work/main/examples/double_fork_daemon'));
  });
});

describe('notes instead of locations', () => {
  it('says when the binary was built without -g', () => {
    const got = new SiteResolver().locate(site(forkEvent(), bin('two_fork_sites.nodebug')), 'fork');
    assert.equal(got.location, null);
    assert.match(got.note ?? '', /built without debug information/);
    assert.match(got.note ?? '', /-g/);
  });

  it('says when the binary is stripped', () => {
    const got = new SiteResolver().locate(site(forkEvent(), bin('two_fork_sites.stripped')), 'fork');
    assert.equal(got.location, null);
    assert.match(got.note ?? '', /stripped/);
    assert.match(got.note ?? '', /-g/);
  });

  it('says so for -k frames in a binary without debug info', (t) => {
    const log = join(tmp, 'nodebug.k.log');
    const r = spawnSync('strace', ['-f', '-k', '-e', 'trace=clone', '-o', log, bin('two_fork_sites.nodebug')], { timeout: 20_000 });
    if (r.error || r.status !== 0) return t.skip('strace -k could not run here');
    const session = new TraceSession();
    session.push(readFileSync(log, 'utf8'));
    session.finish();
    const fork = session.model.processes.find((p) => p.forkSite)?.forkSite;
    assert.ok(fork);
    const got = new SiteResolver().locate(fork, 'fork');
    assert.equal(got.location, null);
    assert.match(got.note ?? '', /without debug information \(the call is in spawn_(worker|logger)\)/);
  });

  it('says that an interpreted program has no known line', () => {
    const got = new SiteResolver().locate(site(forkEvent(), process.execPath), 'fork');
    assert.equal(got.location, null);
    assert.match(got.note ?? '', /interpreter/);
    assert.equal(interpreterLanguage('/usr/bin/python3.11'), 'python');
    assert.equal(interpreterLanguage('/bin/dash'), 'shell');
    assert.equal(interpreterLanguage(bin('zombie_server')), null);
  });

  it("offers a script's fork lines as candidates", () => {
    const script = join(tmp, 'server.py');
    writeFileSync(
      script,
      ['#!/usr/bin/env python3', 'import os', '# os.fork() in a comment', 'pid = os.fork()', 'if pid == 0:', '    os._exit(0)', 'os.waitpid(pid, 0)', ''].join(
        '\n',
      ),
    );
    chmodSync(script, 0o755);
    const r = new SiteResolver();
    const s = site(forkEvent(), script);
    const got = r.locate(s, 'fork');
    assert.equal(got.location, null);
    assert.match(got.note ?? '', /server\.py is a Python script/);
    assert.match(got.note ?? '', /candidates, not facts/);
    assert.deepEqual(
      r.candidates(s, 'fork').map((c) => [c.file, c.line, c.certainty, c.source]),
      [[script, 4, 'candidate', 'workspace-search']],
    );
    assert.deepEqual(
      r.candidates(site(waitEvent(), script), 'wait').map((c) => c.line),
      [7],
    );
  });

  it("searches a workspace for an interpreter's fork and wait calls", () => {
    const ws = join(tmp, 'ws');
    mkdirSync(join(ws, 'app'), { recursive: true });
    mkdirSync(join(ws, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(
      join(ws, 'app', 'main.py'),
      ['import os, subprocess', 'p = subprocess.Popen(["true"])', 'p.wait()', 'os.waitpid(-1, os.WNOHANG)', 'print("fork")', ''].join('\n'),
    );
    writeFileSync(
      join(ws, 'app', 'run.js'),
      ["const { fork } = require('node:child_process');", "const c = fork('./w.js');", "c.on('exit', () => {});", ''].join('\n'),
    );
    writeFileSync(join(ws, 'app', 'cluster.js'), ["const cluster = require('node:cluster');", 'if (cluster.isPrimary) cluster.fork();', ''].join('\n'));
    // The child_process docs' own style: exec destructured, called bare; a RegExp's exec is no process.
    writeFileSync(
      join(ws, 'app', 'shell.js'),
      ["const { exec } = require('node:child_process');", "exec('ls', (err, out) => {});", "/x/.exec('y');", "db.exec('select 1');", ''].join('\n'),
    );
    writeFileSync(
      join(ws, 'app', 'pool.py'),
      [
        'import multiprocessing as mp',
        'from multiprocessing.pool import ThreadPool',
        'ThreadPool(2)',
        'with mp.Pool(3) as p:',
        '    pass',
        'import socketserver',
        'srv = socketserver.ForkingTCPServer(("127.0.0.1", 0), Handler)  # forks per request',
        'srv2 = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)',
        '',
      ].join('\n'),
    );
    writeFileSync(join(ws, 'node_modules', 'dep', 'index.js'), "require('child_process').fork('x');\n");
    writeFileSync(join(ws, 'run.sh'), ['#!/bin/sh', 'sleep 1 &', 'wait', ''].join('\n'));
    const py = workspaceCandidates(ws, 'python');
    assert.deepEqual(
      py.map((c) => [basename(c.file), c.line]),
      [
        ['main.py', 2],
        ['main.py', 3],
        ['main.py', 4],
        ['pool.py', 4], // multiprocessing's Pool makes processes; a ThreadPool does not
        ['pool.py', 7], // socketserver's forking server, not its threading one
      ],
    );
    assert.ok(py.every((c) => c.certainty === 'candidate'));
    assert.deepEqual(
      workspaceCandidates(ws, 'python', 'wait').map((c) => c.line),
      [3, 4],
    );
    assert.deepEqual(
      workspaceCandidates(ws, 'javascript', 'fork').map((c) => [basename(c.file), c.line]),
      [
        ['cluster.js', 2],
        ['run.js', 2],
        ['shell.js', 2],
      ],
    );
    assert.deepEqual(
      workspaceCandidates(ws, 'shell').map((c) => [basename(c.file), c.line]),
      [
        ['run.sh', 2],
        ['run.sh', 3],
      ],
    );
    // Perl's fork is a call (fork; fork() fork or die, `= fork)`), not the word in a message.
    writeFileSync(
      join(ws, 'app', 'server.pl'),
      [
        'my $pid = fork();',
        'die "fork: $!" unless defined $pid;',
        'defined(my $p = fork) or die "cannot fork";',
        'my $q = fork // die;',
        'print "forked\\n";',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      workspaceCandidates(ws, 'perl', 'fork').map((c) => [basename(c.file), c.line]),
      [
        ['server.pl', 1],
        ['server.pl', 3],
        ['server.pl', 4],
      ],
    );

    const r = new SiteResolver({ workspaceRoot: ws });
    const s = site(forkEvent(), '/usr/bin/python3');
    const got = r.locate(s, 'fork');
    assert.equal(got.location, null);
    assert.match(got.note ?? '', /3 lines in the workspace look like process creation \(candidates, not facts\): main\.py:2, pool\.py:4, pool\.py:7\./);
  });

  it('reads the script an interpreter runs from its argv', () => {
    const dir = join(tmp, 'argv');
    mkdirSync(dir, { recursive: true });
    const script = join(dir, 'server.py');
    writeFileSync(
      script,
      ['import os, time', 'for _ in range(2):', '    if os.fork() == 0:', '        os._exit(0)', 'time.sleep(1)', 'os.wait()', ''].join('\n'),
    );
    assert.equal(scriptOf(['python3', 'server.py'], dir), script);
    assert.equal(scriptOf(['python3', '-u', '-W', 'ignore', 'server.py', '--port', '8080'], dir), script);
    assert.equal(scriptOf(['node', '--', script], '/'), script);
    assert.equal(scriptOf(['python3', '-c', 'import os; os.fork()', 'server.py'], dir), null);
    assert.equal(scriptOf(['python3', '-m', 'http.server'], dir), null);
    assert.equal(scriptOf(['bash', '-c', 'sleep 1 &'], dir), null);
    assert.equal(scriptOf(['python3', 'missing.py'], dir), null);
    assert.equal(scriptOf(['python3'], dir), null);

    // `python3 server.py` (no #! line, no workspace): that file's lines are the candidates.
    const r = new SiteResolver({ cwd: dir });
    const s: CallSite = { event: waitEvent(), executable: '/usr/bin/python3', argv: ['python3', 'server.py'] };
    const got = r.locate(s, 'wait');
    assert.equal(got.location, null);
    assert.match(
      got.note ?? '',
      /^server\.py is a Python script: .* 1 line in the script looks like waiting for a child \(candidates, not facts\): server\.py:6\.$/,
    );
    assert.deepEqual(
      r.candidates(s, 'wait').map((c) => [c.file, c.line, c.certainty]),
      [[script, 6, 'candidate']],
    );
  });

  it('says to install binutils when objdump and addr2line are missing', () => {
    const r = new SiteResolver({ objdump: '/nonexistent/objdump', addr2line: '/nonexistent/addr2line' });
    const got = r.locate(site(forkEvent(), bin('zombie_server')), 'fork');
    assert.equal(got.location, null);
    assert.match(got.note ?? '', /sudo apt-get install binutils/);
  });

  it('never throws: a missing program, no program, garbage frames, a non-ELF file', () => {
    const r = new SiteResolver();
    const missing = r.locate(site(forkEvent(), join(tmp, 'no-such-program')), 'fork');
    assert.match(missing.note ?? '', /does not exist/);
    assert.match(r.locate(site(forkEvent(), null), 'fork').note ?? '', /does not show which program/);
    const garbage = event('clone', 'flags=', { stack: ['BUG IN print_call_cb', '???', '/nope/gone(main+0x1) [0x2]'] });
    assert.match(r.locate(site(garbage, bin('zombie_server')), 'fork').note ?? '', /gone/);
    const text = join(tmp, 'notes.txt');
    writeFileSync(text, 'hello\n');
    assert.match(r.locate(site(forkEvent(), text), 'fork').note ?? '', /not an ELF/);
    const noWait = r.locate(site(waitEvent(), bin('zombie_server')), 'wait');
    assert.equal(noWait.location, null);
    // waitEvent is a handler's wait4(-1, …, WNOHANG): wait(), system() and pclose() could not have made it.
    assert.match(noWait.note ?? '', /^No call to waitpid\(\), wait3\(\) or wait4\(\) was found in zombie_server/);
  });
});

describe('cost', () => {
  it('analyses each binary once and answers repeated lookups from the cache', (t) => {
    const r = new SiteResolver();
    for (const name of ['zombie_server', 'reap_once_server', 'eintr_server']) {
      const before = r.stats.objdumpMs + r.stats.addr2lineMs;
      const t0 = performance.now();
      r.locate(site(forkEvent(), bin(name)), 'fork');
      const ms = performance.now() - t0;
      t.diagnostic(`${name}: first lookup ${ms.toFixed(1)} ms (tools ${(r.stats.objdumpMs + r.stats.addr2lineMs - before).toFixed(1)} ms)`);
      assert.ok(ms < 2000, `${name} took ${ms} ms`);
    }
    const runs = r.stats.objdumpRuns + r.stats.addr2lineRuns;
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) {
      r.locate(site(forkEvent(), bin('eintr_server')), 'fork'); // a new event each time: the static cache answers
    }
    const per = (performance.now() - t0) / 1000;
    t.diagnostic(`cached lookup: ${(per * 1000).toFixed(1)} µs`);
    assert.equal(r.stats.objdumpRuns + r.stats.addr2lineRuns, runs);
    const ev = site(forkEvent(), bin('eintr_server'));
    r.locate(ev, 'fork');
    const hits = r.stats.cacheHits;
    r.locate(ev, 'fork');
    assert.equal(r.stats.cacheHits, hits + 1);
  });

  it('prepare() does the work ahead, without blocking', async () => {
    const r = new SiteResolver();
    await r.prepare([bin('reap_once_server')]);
    assert.equal(r.stats.objdumpRuns, 1);
    const runs = r.stats.addr2lineRuns;
    assert.equal(r.locate(site(waitEvent(), bin('reap_once_server')), 'wait').location?.line, linesOf(src.reapOnce, /\bwaitpid\(/)[0]);
    assert.equal(r.stats.objdumpRuns, 1);
    assert.equal(r.stats.addr2lineRuns, runs);
  });

  it('shares one answer between calls that differ only where the static path does not look', () => {
    const r = new SiteResolver();
    const exe = bin('zombie_server');
    const first = r.locate(site(forkEvent(), exe), 'fork');
    const other = r.locate(site(event('clone', FORK_CLONE.replace('0x7f63b647aa10', '0x7f0000000010'), { result: '4243' }), exe), 'fork');
    assert.equal(other, first);
    // The clone flags tell fork() from posix_spawn(), and the signal one sigaction from another.
    const spawn = r.locate(site(event('clone3', '{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD}, 88', { result: '4244' }), exe), 'fork');
    assert.notDeepEqual(spawn, first);
    assert.equal(spawn.location, null);
    const exe2 = bin('eintr_server');
    const chld = r.locate(site(sigchldEvent(), exe2), 'sigaction');
    const usr1 = r.locate(site(event('rt_sigaction', sigchldEvent().args.replace('SIGCHLD', 'SIGUSR1')), exe2), 'sigaction');
    assert.notEqual(usr1, chld);
  });

  it('reads clone flags as /\\bflags=([\\w|]+)/ does', () => {
    const regex = (args: string): string | null => /\bflags=([\w|]+)/.exec(args)?.[1] ?? null;
    const samples = [
      FORK_CLONE,
      '{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD}, 88',
      'child_stack=NULL, sa_flags=SA_RESTART, flags=CLONE_FS',
      'flags=, flags=CLONE_VM',
      'xflags=A, flags=B|C',
      'flags=',
      '',
      'child_stack=0x7f, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID',
    ];
    for (const args of samples) assert.equal(cloneFlagsText(args), regex(args), args);
    const pieces = fc.constantFrom('flags=', 'sa_', 'x', 'CLONE_VM', 'SIGCHLD', '|', ', ', '{', '}', '_', '=', '0', '-', 'é');
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 12 }).map((p) => p.join('')),
        (args) => cloneFlagsText(args) === regex(args),
      ),
    );
  });

  it('names clone flags for each call, however the calls alternate (the last one is remembered)', () => {
    const vfork = '{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD}, 88';
    const raw = 'child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f';
    const undecoded = '0x7ffc1234, 88';
    const calls: Array<[string, string, string | null]> = [
      ['clone3', vfork, 'CLONE_VM|CLONE_VFORK'],
      ['clone3', vfork, 'CLONE_VM|CLONE_VFORK'],
      ['clone', raw, 'CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID'],
      ['clone3', undecoded, null],
      // The same text under another name: clone reads a bare first argument, clone3 does not.
      ['clone', '0x1200011, 0', 'CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID'],
      ['clone3', '0x1200011, 0', null],
      ['clone', raw, 'CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID'],
      ['clone3', vfork, 'CLONE_VM|CLONE_VFORK'],
    ];
    for (const [name, args, flags] of calls) assert.equal(cloneFlagNames(name, args), flags, `${name}(${args})`);
  });

  it('maps syscalls to the libc functions that make them', () => {
    assert.deepEqual(libcFunctionsFor(event('accept', '3, NULL, NULL'), 'interrupted'), ['accept']);
    assert.ok(libcFunctionsFor(forkEvent(), 'fork').includes('fork'));
    assert.ok(!libcFunctionsFor(forkEvent(), 'fork').includes('posix_spawn'));
    assert.ok(libcFunctionsFor(event('clone3', '{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD}, 88'), 'fork').includes('posix_spawn'));
    assert.ok(!libcFunctionsFor(event('clone3', '{flags=CLONE_VM|CLONE_VFORK}, 88'), 'fork').includes('fork'));
    // strace -X raw: the same flags as one number (CLONE_VM 0x100 | CLONE_VFORK 0x4000), or clone's bare first argument (-e raw=clone).
    assert.ok(libcFunctionsFor(event('clone3', '{flags=0x4100, exit_signal=17, stack=0x7f00, stack_size=0x9000}, 88'), 'fork').includes('posix_spawn'));
    assert.ok(!libcFunctionsFor(event('clone', '0x4111, 0x7f00, 0, 0, 0'), 'fork').includes('fork'));
    assert.ok(!libcFunctionsFor(event('clone', 'child_stack=NULL, flags=0x1200000|17, child_tidptr=0x7f73e841ba10'), 'fork').includes('posix_spawn'));
    assert.ok(libcFunctionsFor(waitEvent(), 'wait').includes('waitpid'));
    assert.ok(!libcFunctionsFor(waitEvent(), 'wait').includes('pthread_create'));
  });

  it('tells fork() from the clone() wrapper by the stack: fork clones with none, clone() refuses none', () => {
    const forkClone = event('clone', 'child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f7fb0e13a10');
    const wrapperClone = event('clone', 'child_stack=0x55fe35b5c070, flags=CLONE_PARENT|SIGCHLD');
    assert.ok(libcFunctionsFor(forkClone, 'fork').includes('fork'));
    assert.ok(!libcFunctionsFor(forkClone, 'fork').includes('clone'));
    assert.deepEqual(libcFunctionsFor(wrapperClone, 'fork'), ['clone']);
    // Not shown: either.
    assert.ok(['fork', 'clone'].every((f) => libcFunctionsFor(event('clone', 'flags=SIGCHLD'), 'fork').includes(f)));
  });

  it('leaves system() and popen() out for a child that ran something other than sh -c', () => {
    const spawn = event('clone3', '{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD}, 88');
    assert.deepEqual(
      libcFunctionsFor(spawn, 'fork').filter((f) => f === 'system' || f === 'popen'),
      ['system', 'popen'],
    );
    assert.deepEqual(libcFunctionsFor(spawn, 'fork', { childExec: 'shell' }), libcFunctionsFor(spawn, 'fork'));
    const program = libcFunctionsFor(spawn, 'fork', { childExec: 'program' });
    assert.ok(program.includes('posix_spawn') && !program.includes('system') && !program.includes('popen'), program.join(' '));
  });

  it('reads which wait functions fit a wait4 from its pid, options and rusage', () => {
    const fits = (args: string): string[] => libcFunctionsFor(event('wait4', args), 'wait');
    // A handler's waitpid(-1, &st, WNOHANG): never system() or pclose(), which wait for their own child, blocking.
    assert.deepEqual(fits(`-1, ${ST}, WNOHANG, NULL`), ['waitpid', 'wait3', 'wait4']);
    assert.deepEqual(fits(`-1, ${ST}, 0, NULL`), ['wait', 'waitpid', 'wait3', 'wait4']);
    // One pid, blocking: waitpid(pid, …, 0), or system()'s and pclose()'s own wait; never wait() or wait3().
    assert.deepEqual(fits(`4242, ${ST}, 0, NULL`), ['waitpid', 'wait4', 'system', 'pclose']);
    assert.deepEqual(fits(`4242, ${ST}, WNOHANG, NULL`), ['waitpid', 'wait4']);
    assert.deepEqual(fits(`0, ${ST}, 0, NULL`), ['waitpid', 'wait4'], 'a process group');
    assert.deepEqual(fits(`-1, ${ST}, 0, {ru_utime={tv_sec=0, tv_usec=512}, ru_stime={tv_sec=0, tv_usec=0}, ...}`), ['wait3', 'wait4']);
    // What strace did not show rules nothing out.
    assert.deepEqual(fits('-1, 0x7ffc1234'), ['wait', 'waitpid', 'wait3', 'wait4']);
    assert.deepEqual(fits(''), ['wait', 'waitpid', 'wait3', 'wait4', 'system', 'pclose']);
  });
});

describe('elfutils', () => {
  it('reads eu-addr2line output (file:line:column, "inlined at") the same way', (t) => {
    if (spawnSync('eu-addr2line', ['--version']).error) return t.skip('eu-addr2line is not installed');
    const r = new SiteResolver({ addr2line: 'eu-addr2line' });
    const [line] = linesOf(src.zombie, /\bfork\(\)/);
    assert.deepEqual(r.locate(site(forkEvent(), bin('zombie_server')), 'fork').location, { file: src.zombie, line, function: 'main' });
    const lines = linesOf(src.twoForks, /\bfork\(\)/, 2);
    assert.deepEqual(
      r.candidates(site(forkEvent(), bin('two_fork_sites')), 'fork').map((c) => [c.file, c.line, c.function]),
      [
        [src.twoForks, lines[0], 'spawn_worker'],
        [src.twoForks, lines[1], 'spawn_logger'],
      ],
    );
    const file = join(tmp, 'inlined.c');
    assert.deepEqual(r.locate(site(forkEvent(), bin('inlined')), 'fork').location, { file, line: linesOf(file, /\bfork\(\)/)[0], function: 'spawn' });
  });
});

describe("code that is not the user's: language libraries and calls through the GOT", () => {
  it("Rust std, cargo crates and Go's standard packages are library source; a project's own src/ is not", () => {
    for (const file of [
      '/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/process.rs',
      '/usr/src/rustc-1.63.0/library/std/src/sys/unix/process/process_unix.rs',
      '/home/me/.cargo/registry/src/index.crates.io-6f17d22bba15001f/nix-0.27.1/src/unistd.rs',
      '/usr/share/go-1.19/src/syscall/exec_linux.go',
      '/usr/local/go/src/os/exec/exec.go',
      '/home/me/sdk/go1.22.0/src/runtime/proc.go',
      '/home/me/go/pkg/mod/golang.org/x/sys@v0.1.0/unix/syscall_linux.go',
      '/usr/include/x86_64-linux-gnu/bits/unistd.h',
    ])
      assert.equal(isLibrarySource(file), true, file);
    for (const file of [
      '/home/me/proj/src/main.rs',
      '/home/me/proj/src/net/server.rs',
      '/home/me/go/src/github.com/me/srv/main.go',
      '/work/srv/main.go',
      '/work/srv/server.c',
    ]) {
      assert.equal(isLibrarySource(file), false, file);
    }
  });

  it('parseObjdump names calls through the GOT or a register: by symbol when objdump gives one whole, else by slot', () => {
    const text = [
      'Disassembly of section .text:',
      '   18440:\tcall   *0x4cbb2(%rip)        # 64ff8 <fork@GLIBC_2.2.5>',
      '   18471:\tmov    0x4c608(%rip),%rax        # 64a80 <_DYNAMIC+0x230>',
      '   18478:\tlea    0x20(%rsp),%rdi',
      '   1847d:\tcall   *%rax',
      '   18490:\tmov    0x4c608(%rip),%rax        # 64a88 <_DYNAMIC+0x238>',
      '   18497:\tmov    %rbx,%rax',
      '   1849a:\tcall   *%rax',
      '   184a0:\tcall   *0x4c608(%rip)        # 64a90 <_DYNAMIC+0x240>',
      '    c047:\tlea    0x63a2(%rip),%rax        # 123f0 <_ZN3std7process7Command5spawn17h6b56a747e45f5121E>',
      '    c04e:\tlea    0x18(%rsp),%rdi',
      '    c058:\tcall   *%rax',
      '    c060:\tlea    0x63a2(%rip),%rax        # 123f8 <_ZN3std7process7Command5spawn17h6b56a747e45f5121E+0x8>',
      '    c067:\tcall   *%rax',
    ].join('\n');
    const calls = parseObjdump(text, true);
    assert.deepEqual(
      calls.get('fork')?.map((c) => c.address),
      [0x18440],
    );
    assert.deepEqual(
      calls.get(gotTarget(0x64a80))?.map((c) => c.address),
      [0x1847d],
    );
    // The register was overwritten after the load: not a call through that slot.
    assert.equal(calls.get(gotTarget(0x64a88)), undefined);
    assert.deepEqual(
      calls.get(gotTarget(0x64a90))?.map((c) => c.address),
      [0x184a0],
    );
    // Older rustc loads the function's own address; an address inside a function names no callee.
    assert.deepEqual(
      calls.get('_ZN3std7process7Command5spawn17h6b56a747e45f5121E')?.map((c) => c.address),
      [0xc058],
    );
    assert.equal(
      [...calls.values()].flat().some((c) => c.address === 0xc067),
      false,
    );
  });
});
