// Helpers for the property-based tests of test/unit/fuzz.test.ts: the snapshot's
// invariants, real strace lines and ways to damage them, generated logs of any size
// (streamed, never written to disk), and the timing and heap measurements.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { TraceSession } from '../../src/core/session';
import type { SiteLocator } from '../../src/core/diagnostics';
import type { SnapshotJson } from '../../src/shared/schema';
import { FIXTURES } from './core';

// --- runs ---------------------------------------------------------------------------

/** `FORKTRACE_FUZZ_RUNS=10` tries ten times as many inputs per property. */
export const RUN_SCALE = Math.max(1, Number(process.env.FORKTRACE_FUZZ_RUNS) || 1);

export function runs(n: number): number {
  return Math.round(n * RUN_SCALE);
}

/** Inputs tried, per property, for the report at the end of the file. */
export const tried = new Map<string, number>();

export function count(property: string): void {
  tried.set(property, (tried.get(property) ?? 0) + 1);
}

// --- feeding a session --------------------------------------------------------------

export interface Fed {
  session: TraceSession;
  snapshot: SnapshotJson;
  fatal: string | null;
}

/** A fresh session fed `chunks`, finished, and its snapshot. Nothing here may throw. */
export function feed(chunks: Iterable<string | Uint8Array>, locate?: SiteLocator): Fed {
  const session = new TraceSession();
  for (const chunk of chunks) session.push(chunk);
  const fatal = session.finish();
  return { session, snapshot: session.snapshot(locate), fatal };
}

/** `input` cut at `points` (any numbers: taken modulo the length, sorted, deduplicated). */
export function splitAt<T extends string | Uint8Array>(input: T, points: number[]): T[] {
  const cuts = [...new Set(points.map((p) => (input.length === 0 ? 0 : p % (input.length + 1))))].sort((a, b) => a - b);
  const out: T[] = [];
  let from = 0;
  for (const cut of cuts) {
    out.push(input.slice(from, cut) as T);
    from = cut;
  }
  out.push(input.slice(from) as T);
  return out;
}

/** How many lines a parser fed this text can number: every `\n` ends one, and a last one may lack it. */
export function linesIn(input: string | Uint8Array): number {
  let n = 0;
  let last = -1;
  for (let k = 0; k < input.length; k++) {
    const c = typeof input === 'string' ? input.charCodeAt(k) : input[k];
    if (c === 10) {
      n++;
      last = k;
    }
  }
  return last < input.length - 1 ? n + 1 : n;
}

// --- the snapshot's invariants ------------------------------------------------------

/** Every number finite, no undefined, only plain objects and arrays: what JSON keeps. */
function assertJsonClean(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    assert.ok(Number.isFinite(value), `${path} is ${value}`);
    assert.ok(!Object.is(value, -0), `${path} is -0`);
    return;
  }
  assert.equal(typeof value, 'object', `${path} is a ${typeof value}`);
  if (Array.isArray(value)) {
    value.forEach((v, k) => assertJsonClean(v, `${path}[${k}]`));
    return;
  }
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `${path} is not a plain object`);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    assert.notEqual(v, undefined, `${path}.${k} is undefined`);
    assertJsonClean(v, `${path}.${k}`);
  }
}

/**
 * What every snapshot must satisfy, whatever it was fed: the tree closed under
 * parentId, diagnostics about processes it has, the summary counted from the
 * processes, the states consistent with exit/reaped/zombie, JSON that round-trips,
 * and warnings numbered within the lines fed (line 0 only for a last "N more warnings"
 * summary, or a -ff file as a whole).
 */
export function checkSnapshot(s: SnapshotJson, linesFed: number): void {
  assertJsonClean(s, 'snapshot');
  // Given the check above JSON keeps every value; compared in full where that is cheap.
  if (s.processes.length < 5000) assert.deepStrictEqual(JSON.parse(JSON.stringify(s)), s);
  assert.equal(s.schema, 2);
  const byId = new Map(s.processes.map((p) => [p.id, p]));
  assert.equal(byId.size, s.processes.length, 'process ids are unique');
  const pids = new Set(s.processes.map((p) => p.pid));
  for (const p of s.processes) {
    assert.ok(Number.isInteger(p.pid) && p.pid >= 0, `pid ${p.pid}`);
    if (p.parentId !== null) {
      const parent = byId.get(p.parentId);
      assert.ok(parent, `${p.id}: parent ${p.parentId} is not in processes`);
      assert.equal(p.parentPid, parent.pid);
    } else {
      assert.equal(p.parentPid, null);
    }
    assert.equal(p.state === 'running', p.exit === null, `${p.id}: running iff no exit`);
    assert.equal(p.state === 'zombie', p.exit !== null && p.reaped === null, `${p.id}: zombie iff exit && !reaped (${p.state})`);
    if (p.reaped) assert.equal(p.state, p.reaped.how === 'wait' ? 'reaped' : 'exited');
    assert.ok(p.reaped === null || p.exit !== null, `${p.id}: reaped without an exit`);
    if (p.state === 'zombie') assert.ok(p.zombie !== null && p.zombie.to === null, `${p.id}: a zombie has zombie.to null`);
    if (p.zombie !== null && p.zombie.to === null) assert.equal(p.state, 'zombie', `${p.id}: zombie.to null but ${p.state}`);
    assert.ok(p.threads >= 1, `${p.id}: ${p.threads} threads`);
  }
  // Every process reaches a root: no cycle of parents (the tree would leave it out).
  const reachesRoot = new Set<string>();
  for (const p of s.processes) {
    const path: string[] = [];
    for (let q: typeof p | undefined = p; q && !reachesRoot.has(q.id); q = q.parentId === null ? undefined : byId.get(q.parentId)) {
      assert.ok(!path.includes(q.id), `${p.id}: its parents make a cycle (${path.join(' → ')} → ${q.id})`);
      path.push(q.id);
    }
    for (const id of path) reachesRoot.add(id);
  }
  for (const d of s.diagnostics) {
    assert.ok(d.pids.length > 0, `${d.kind} names no process`);
    d.pids.forEach((pid) => {
      // An orphan's adopter may be outside the trace: then it is the pid the adoption of an orphan it names says.
      const adopter = d.kind === 'orphan-adopted' && s.processes.some((p) => d.pids.includes(p.pid) && p.adoptedBy.some((a) => a.pid === pid));
      assert.ok(pids.has(pid) || adopter, `${d.kind}: pid ${pid} is not in processes`);
    });
  }
  const count = (f: (p: SnapshotJson['processes'][number]) => boolean): number => s.processes.filter(f).length;
  assert.equal(s.summary.processes, s.processes.length);
  assert.equal(
    s.summary.running,
    count((p) => p.state === 'running'),
  );
  assert.equal(
    s.summary.zombiesAtEnd,
    count((p) => p.state === 'zombie'),
  );
  assert.equal(
    s.summary.orphans,
    count((p) => p.adoptedBy.length > 0),
  );
  assert.ok(s.summary.maxZombies >= s.summary.zombiesAtEnd, `maxZombies ${s.summary.maxZombies} < zombiesAtEnd ${s.summary.zombiesAtEnd}`);
  s.warnings.forEach((w, k) => {
    if (w.line === 0 && k === s.warnings.length - 1 && / more warnings not listed$/.test(w.reason)) return;
    // In a -ff merge, a whole file that is no strace output is line 0 of that file.
    if (w.line === 0 && w.file !== undefined && w.reason.startsWith(`${w.file}: `)) return;
    assert.ok(Number.isInteger(w.line) && w.line >= 1 && w.line <= linesFed, `warning line ${w.line} of ${linesFed}: ${w.reason}`);
  });
}

// --- real lines and ways to damage them ---------------------------------------------

export const FIXTURE_NAMES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.log'))
  .sort();

export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** Every line of every recorded log (the -ff directory's files too). */
export const REAL_LINES: string[] = [
  ...FIXTURE_NAMES.flatMap((f) => fixtureText(f).split('\n')),
  ...readdirSync(join(FIXTURES, 'variant.ff')).flatMap((f) => readFileSync(join(FIXTURES, 'variant.ff', f), 'utf8').split('\n')),
].filter((l) => l.length > 0);

const NAMES = [
  'clone',
  'clone3',
  'fork',
  'vfork',
  'wait4',
  'waitid',
  'execve',
  'rt_sigaction',
  'accept',
  'read',
  'exit_group',
  'getppid',
  'rt_sigreturn',
  'prctl',
];

/** Digit runs too long for an exact number (up to past Number.MAX_VALUE). */
const hugeDigits = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 16, maxLength: 24 }),
  fc.tuple(fc.integer({ min: 290, max: 330 }), fc.constantFrom(...'123456789')).map(([n, d]) => d.repeat(n)),
);
const pidArb = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 4000, max: 4500 }), fc.nat(), hugeDigits);
const prefixArb = fc.oneof(
  pidArb.map((p) => `${p}  `),
  pidArb.map((p) => `[pid ${String(p).padStart(5)}] `),
  pidArb.map((p) => `${p}<srv> `),
  fc.constant(''),
);
const stampArb = fc.oneof(
  fc.integer({ min: 0, max: 999_999 }).map((u) => `1795356401.${String(u).padStart(6, '0')} `),
  fc.constantFrom('12:00:01 ', '23:59:59.999999 ', '0.000123 ', ''),
  fc.tuple(hugeDigits, hugeDigits).map(([a, b]) => `${a}.${b} `),
);

/** Lines that look like strace output: fields strace prints, in plausible and implausible combinations. */
export const syntheticLine: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(prefixArb, stampArb, fc.constantFrom(...NAMES), fc.string({ maxLength: 30 })).map(([p, t, n, rest]) => `${p}${t}<... ${n} resumed>${rest}) = 0`),
  fc.tuple(prefixArb, stampArb, fc.constantFrom(...NAMES), fc.string({ maxLength: 30 })).map(([p, t, n, a]) => `${p}${t}${n}(${a} <unfinished ...>`),
  fc
    .tuple(prefixArb, stampArb, fc.constantFrom(...NAMES), pidArb)
    .map(([p, t, n, r]) => `${p}${t}${n}(child_stack=NULL, flags=CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = ${r}`),
  fc
    .tuple(
      prefixArb,
      stampArb,
      fc.constantFrom('clone', 'fork', 'vfork', 'clone3'),
      fc.constantFrom('EAGAIN (Resource temporarily unavailable)', 'ENOMEM (Cannot allocate memory)'),
    )
    .map(([p, t, n, e]) => `${p}${t}${n}(child_stack=NULL, flags=SIGCHLD) = -1 ${e}`),
  fc.tuple(prefixArb, stampArb, pidArb).map(([p, t, r]) => `${p}${t}wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = ${r}`),
  fc.tuple(prefixArb, stampArb, fc.oneof(fc.integer({ min: -300, max: 300 }), hugeDigits)).map(([p, t, c]) => `${p}${t}+++ exited with ${c} +++`),
  fc.tuple(prefixArb, stampArb, fc.constantFrom('SIGSEGV (core dumped)', 'SIGKILL', '9')).map(([p, t, s]) => `${p}${t}+++ killed by ${s} +++`),
  fc.tuple(prefixArb, stampArb, pidArb).map(([p, t, r]) => `${p}${t}+++ superseded by execve in pid ${r} +++`),
  fc
    .tuple(prefixArb, stampArb, pidArb)
    .map(([p, t, r]) => `${p}${t}--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=${r}, si_uid=0, si_status=0} ---`),
  fc
    .tuple(prefixArb, stampArb, fc.constantFrom('SIG_IGN', 'SIG_DFL', '0x5600'))
    .map(([p, t, h]) => `${p}${t}rt_sigaction(SIGCHLD, {sa_handler=${h}, sa_mask=[], sa_flags=SA_RESTORER}, NULL, 8) = 0`),
  fc.tuple(prefixArb, stampArb).map(([p, t]) => `${p}${t}prctl(PR_SET_CHILD_SUBREAPER, 1) = 0`),
  fc.tuple(prefixArb, stampArb).map(([p, t]) => `${p}${t}accept(3, NULL, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)`),
  pidArb.map((p) => `strace: Process ${p} attached`),
  fc.string({ maxLength: 40 }).map((s) => ` > ${s}`),
  fc.tuple(prefixArb, stampArb, fc.constantFrom(...NAMES), pidArb).map(([p, t, n, q]) => `${p}${t}${n}(strace: Process ${q} attached`),
);

/** One real line, damaged or not. */
export const damagedLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...REAL_LINES) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...REAL_LINES), fc.nat()).map(([l, k]) => l.slice(0, k % (l.length + 1))) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...REAL_LINES), fc.nat()).map(([l, k]) => l.slice(k % (l.length + 1))) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...REAL_LINES), fc.nat(), fc.string({ unit: 'binary', maxLength: 6 })).map(([l, k, s]) => {
      const at = k % (l.length + 1);
      return l.slice(0, at) + s + l.slice(at);
    }),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...REAL_LINES), fc.nat(), fc.nat(12)).map(([l, k, d]) => {
      const at = k % (l.length + 1);
      return l.slice(0, at) + l.slice(at + d);
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...REAL_LINES), fc.constantFrom(...REAL_LINES), fc.nat(), fc.nat())
      .map(([a, b, i, j]) => a.slice(0, i % (a.length + 1)) + b.slice(j % (b.length + 1))),
  },
  { weight: 2, arbitrary: syntheticLine },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
);

export interface LogEdit {
  op: 'swap' | 'duplicate' | 'delete' | 'replace' | 'insert';
  i: number;
  j: number;
  line: string;
}

const editArb: fc.Arbitrary<LogEdit> = fc.record({
  op: fc.constantFrom('swap', 'duplicate', 'delete', 'replace', 'insert'),
  i: fc.nat(),
  j: fc.nat(),
  line: damagedLine,
});

/** A recorded log's lines after shuffling, duplicating, deleting and damaging some. */
export function applyEdits(lines: string[], edits: LogEdit[]): string[] {
  const out = [...lines];
  for (const e of edits) {
    const n = out.length;
    const i = n === 0 ? 0 : e.i % n;
    const j = n === 0 ? 0 : e.j % n;
    if (e.op === 'insert' || n === 0) out.splice(i, 0, e.line);
    else if (e.op === 'swap') [out[i], out[j]] = [out[j], out[i]];
    else if (e.op === 'duplicate') out.splice(j, 0, out[i]);
    else if (e.op === 'delete') out.splice(i, 1);
    else out[i] = e.line;
  }
  return out;
}

export interface DamagedLog {
  text: string;
  splits: number[];
  asBytes: boolean;
}

/** A recorded log (or lines from all of them) damaged, with CRLF or not, cut into chunks. */
export const damagedLog: fc.Arbitrary<DamagedLog> = fc
  .record({
    base: fc.oneof(
      fc.constantFrom(...FIXTURE_NAMES).map((f) =>
        fixtureText(f)
          .split('\n')
          .filter((l) => l.length > 0),
      ),
      fc.array(damagedLine, { maxLength: 60 }),
    ),
    edits: fc.array(editArb, { maxLength: 40 }),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
    splits: fc.array(fc.nat(), { maxLength: 8 }),
    asBytes: fc.boolean(),
  })
  .map(({ base, edits, crlf, finalNewline, splits, asBytes }) => {
    const lines = applyEdits(base, edits);
    const eol = crlf ? '\r\n' : '\n';
    return { text: lines.join(eol) + (finalNewline && lines.length > 0 ? eol : ''), splits, asBytes };
  });

/** Byte sequences no UTF-8 decoder accepts: lone continuation, truncated, overlong, surrogate, out of range. */
export const INVALID_UTF8: number[][] = [
  [0x80],
  [0xbf],
  [0xc3],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff],
];

export function concatBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// --- rejected lines -----------------------------------------------------------------

/**
 * Lines the parser must reject with a warning wherever they stand in a valid log,
 * and that change nothing else: no event, no open call, no stack target.
 */
export const BAD_LINES: string[] = [
  'this line is junk',
  'Segmentation fault (core dumped)',
  '[pid abc] clone() = 5',
  '[pid 12 clone() = 5',
  '[pid 12<srv clone() = 5',
  '4000<srv clone() = 5',
  '4000  1795356401.000000',
  '4000  12:00:01.5',
  '4000  1795356401.000000 clone(child_stack=NULL, flags=SIGCHLD',
  '4000  1795356401.000000 wait4(-1, NULL, 0, NULL',
  '4000  1795356401.000000 clone(child_stack=NULL = 5',
  '4000  1795356401.000000 +++ exited with zero +++',
  '4000  1795356401.000000 +++ something else +++',
  '4000  1795356401.000000 --- SIGCHLD {si_signo=SIGCHLD',
  '4000  1795356401.000000 --- lowercase {} ---',
  '4000  1795356401.000000 <... no resumed marker',
  '4000  1795356401.000000 Éxecve("/bin/true") = 0',
  '4000  1795356401.000000 read(3, "abc"',
  '    ',
  '\u0001\u0002 binary-ish \u00ff',
];

/** Junk no strace prints: starts with a letter, printable (a NUL would make it a binary file), no parenthesis, no strace marker. */
export const junkLine: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...'ABCXYZabcxyz'), fc.string({ unit: 'grapheme', maxLength: 50 }))
  .map(([a, b]) => a + b.replace(/[\n\r(]/g, '_'))
  .filter((l) => !l.startsWith('strace: ') && !l.includes('strace: Process '));

// --- generated logs -----------------------------------------------------------------

/** Numbers the log uses as pids: line prefixes and fork results. */
function pidsOf(text: string): Set<number> {
  const pids = new Set<number>();
  for (const m of text.matchAll(/^(?:\[pid +)?(\d+)[ <\]]/gm)) pids.add(Number(m[1]));
  for (const m of text.matchAll(/(?:clone3?|fork|vfork)\(.*\) = (\d+)/g)) pids.add(Number(m[1]));
  for (const m of text.matchAll(/ Process (\d+) /g)) pids.add(Number(m[1]));
  return pids;
}

/**
 * A recorded log told again `times` times, each copy with its pids moved to fresh
 * ones (`pid + k * 100000`) and its epoch timestamps moved 10 s later.
 */
export function repeatedLog(text: string, times: number): string[] {
  const pids = pidsOf(text);
  // Cut once into literal text, pids and epoch seconds; each copy only joins the pieces.
  const pieces: Array<string | { pid: number } | { seconds: number }> = [];
  let from = 0;
  for (const m of text.matchAll(/\b(1[0-9]{9})(?=\.\d{6,9}\b)|\b\d+\b/g)) {
    const value = Number(m[0]);
    if (m[1] === undefined && !pids.has(value)) continue;
    pieces.push(text.slice(from, m.index), m[1] === undefined ? { pid: value } : { seconds: value });
    from = m.index + m[0].length;
  }
  pieces.push(text.slice(from));
  const copies: string[] = [];
  for (let k = 0; k < times; k++) {
    copies.push(pieces.map((p) => (typeof p === 'string' ? p : 'pid' in p ? String(p.pid + k * 100000) : String(p.seconds + k * 10))).join(''));
  }
  return copies;
}

/** Strings of about `size` characters, built from `lines`, each ending with a newline. */
export function* inChunks(lines: Iterable<string>, size = 64 * 1024): Generator<string> {
  let buffer: string[] = [];
  let length = 0;
  for (const line of lines) {
    buffer.push(line);
    length += line.length + 1;
    if (length >= size) {
      yield buffer.join('\n') + '\n';
      buffer = [];
      length = 0;
    }
  }
  if (buffer.length > 0) yield buffer.join('\n') + '\n';
}

export interface ServerLogOptions {
  /** About this many characters in all. */
  bytes: number;
  connections: number;
  serverPid?: number;
  /** Pids wrap here, as the kernel's pid_max makes them (a reaped pid is used again). */
  pidMax?: number;
  /** Seconds between a child's exit and its reaping (0: the SIGCHLD handler reaps at once). */
  reapDelay?: number;
}

/**
 * A fork-per-connection echo server (`examples/reap_loop_server`, `strace -f -ttt -o`,
 * every syscall traced), one connection after another: each child echoes lines until
 * the log reaches `bytes`, then exits, and the SIGCHLD handler reaps it.
 * Shaped after test/fixtures/logs/full.reap_loop.ttt.log; generated line by line.
 */
export function* serverLogLines(o: ServerLogOptions): Generator<string> {
  const S = o.serverPid ?? 300;
  const pidMax = o.pidMax ?? 32768;
  let micros = 0;
  const t = (): string => {
    micros += 17;
    return `${1795356401 + Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  };
  yield `${S}  ${t()} execve("examples/reap_loop_server", ["examples/reap_loop_server"], 0x7ffc4c76b6a0 /* 39 vars */) = 0`;
  yield `${S}  ${t()} rt_sigaction(SIGCHLD, {sa_handler=0x5571dbdaf2a9, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f404f7b4050}, NULL, 8) = 0`;
  yield `${S}  ${t()} socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 3`;
  yield `${S}  ${t()} listen(3, 64)   = 0`;
  // ~1,140 characters of fixed lines per connection, ~102 per echoed line (read + write).
  const echoes = Math.max(0, Math.round((o.bytes / o.connections - 1140) / 102));
  const delay = Math.round((o.reapDelay ?? 0) * 1e6);
  let pid = S;
  for (let i = 0; i < o.connections; i++) {
    pid = pid + 1 >= pidMax ? S + 1 : pid + 1;
    const C = pid;
    yield `${S}  ${t()} accept(3, NULL, NULL) = 4`;
    yield `${S}  ${t()} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f404f775a10) = ${C}`;
    yield `${S}  ${t()} close(4 <unfinished ...>`;
    yield `${C}  ${t()} set_robust_list(0x7f404f775a20, 24 <unfinished ...>`;
    yield `${S}  ${t()} <... close resumed>) = 0`;
    yield `${C}  ${t()} <... set_robust_list resumed>) = 0`;
    yield `${S}  ${t()} accept(3, NULL, NULL <unfinished ...>`;
    yield `${C}  ${t()} close(3)        = 0`;
    for (let k = 0; k < echoes; k++) {
      yield `${C}  ${t()} read(4, "hello\\n", 4096) = 6`;
      yield `${C}  ${t()} write(4, "hello\\n", 6) = 6`;
    }
    yield `${C}  ${t()} read(4, "", 4096) = 0`;
    yield `${C}  ${t()} exit_group(0)   = ?`;
    yield `${C}  ${t()} +++ exited with 0 +++`;
    yield `${S}  ${t()} <... accept resumed>) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)`;
    yield `${S}  ${t()} --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=${C}, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---`;
    micros += delay;
    yield `${S}  ${t()} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = ${C}`;
    yield `${S}  ${t()} wait4(-1, 0x7ffded0c3328, WNOHANG, NULL) = -1 ECHILD (No child processes)`;
    yield `${S}  ${t()} rt_sigreturn({mask=[]}) = 43`;
  }
  yield `${S}  ${t()} --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=4177, si_uid=0} ---`;
  yield `${S}  ${t()} +++ killed by SIGTERM +++`;
}

// --- time and memory ----------------------------------------------------------------

/** Wall-clock time `run` took, in milliseconds. */
let gcFunction: (() => void) | null = null;

/** A full garbage collection: global.gc when node runs with --expose-gc, else V8's own, exposed here. */
export function collectGarbage(): void {
  if (!gcFunction) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gcFunction = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
}

/**
 * The JS heap plus memory held outside it (large strings Node decodes, byte buffers),
 * after a full GC and a pause: V8 frees dead buffers on a background thread.
 */
export async function retainedBytes(): Promise<number> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 50));
  collectGarbage();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * A server forking `children` children one after another, each exiting at once and
 * reaped `reapDelay` seconds later, or never (null). Pids never wrap (pid_max 4194304,
 * the default on large machines): zombies keep their pids.
 */
export function* manyChildrenLines(children: number, reapDelay: number | null, serverPid = 2): Generator<string> {
  let micros = 0;
  const t = (): string => {
    micros += 100;
    return `${1795356401 + Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  };
  const S = serverPid;
  yield `${S}  ${t()} execve("./server", ["./server"], 0x7ffc4c76b6a0 /* 39 vars */) = 0`;
  const late: Array<{ pid: number; at: number }> = [];
  let head = 0;
  for (let i = 0; i < children; i++) {
    const C = S + 1 + i;
    yield `${S}  ${t()} clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f404f775a10) = ${C}`;
    yield `${C}  ${t()} exit_group(0)   = ?`;
    yield `${C}  ${t()} +++ exited with 0 +++`;
    if (reapDelay !== null) late.push({ pid: C, at: micros + reapDelay * 1e6 });
    for (; head < late.length && late[head].at <= micros; head++) {
      yield `${S}  ${t()} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = ${late[head].pid}`;
    }
  }
  micros += (reapDelay ?? 0) * 1e6;
  for (; head < late.length; head++) yield `${S}  ${t()} wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = ${late[head].pid}`;
  yield `${S}  ${t()} +++ killed by SIGTERM +++`;
}

/**
 * A `-f` log cut into the files `strace -ff` writes: one per pid, named `trace.PID`,
 * its lines without the pid prefix. Returns file name → text.
 */
export function perPidFiles(text: string): Map<string, string> {
  const files = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\d+) +(.*)$/.exec(line);
    if (!m) continue;
    const lines = files.get(m[1]) ?? [];
    lines.push(m[2]);
    files.set(m[1], lines);
  }
  return new Map([...files].map(([pid, lines]) => [`trace.${pid}`, lines.join('\n') + '\n']));
}
