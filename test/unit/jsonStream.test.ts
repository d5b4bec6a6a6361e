// The streamed JSON writer: the text it yields, joined, is byte for byte what
// JSON.stringify(value, null, indent) returns, over every kind of value the standard
// treats specially, at every walk depth (streamed here, whole there).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonChunks, JsonSequence } from '../../src/shared/jsonStream';
import { buildLazySnapshot, buildSnapshot } from '../../src/core/snapshotBuilder';
import { log, sessionOf } from '../support/core';

const joined = (value: unknown, indent = 2, walkDepth?: number): string | undefined => {
  const parts = [...jsonChunks(value, { indent, walkDepth })];
  return parts.length === 0 ? undefined : parts.join('');
};

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  get norm(): number {
    return Math.hypot(this.x, this.y); // a getter on the prototype: not an own key, left out
  }
}

const keyed = { toJSON: (key: string) => `called with "${key}"` };

/** Values whose JSON text the standard spells out case by case. */
const SHAPES: Array<[string, unknown]> = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['zero', 0],
  ['minus zero', -0],
  ['NaN', NaN],
  ['Infinity', -Infinity],
  ['big and small numbers', [1e21, 1e-7, -1.5e300, 5e-324, 0.1 + 0.2, Number.MAX_SAFE_INTEGER]],
  ['empty string', ''],
  ['escapes', 'quote " backslash \\ newline \n tab \t cr \r nul \u0000 bell \u0007 del \u007f'],
  ['unicode', 'zombie 🧟 Łódź 中文 \u2028 \u2029 é'],
  ['lone surrogates', ['\ud800', 'a\udfffb', '\udc00\ud800']],
  ['undefined', undefined],
  ['a function', () => 1],
  ['a symbol', Symbol('s')],
  ['empty array', []],
  ['empty object', {}],
  ['nested empties', { a: [], b: {}, c: [[], [{}], { d: [] }], e: [[[[]]]] }],
  ['undefined-valued keys', { a: undefined, b: 1, c: undefined, f: () => 2, s: Symbol('x'), d: null }],
  ['only undefined keys', { a: undefined, f: () => 0 }],
  ['array holes and undefined', [undefined, () => 1, Symbol('y'), null, , 3]], // eslint-disable-line no-sparse-arrays
  ['keys needing quotes', { 'a"b': 1, 'new\nline': 2, '': 3, '🧟': 4, '10': 5, '2': 6, z: 7 }],
  ['boxed primitives', [new Number(3), new String('s'), new Boolean(false), Object(-0)]],
  ['a Date', new Date(Date.UTC(2026, 11, 2, 9, 30))],
  ['toJSON gets its key', { outer: keyed, list: [keyed, keyed], deep: { inner: [{ k: keyed }] } }],
  ['toJSON returning undefined', { gone: { toJSON: () => undefined }, arr: [{ toJSON: () => undefined }] }],
  ['toJSON returning an object with a toJSON', { twice: { toJSON: () => ({ toJSON: () => 'second' }) } }],
  ['toJSON returning an array', { a: { toJSON: () => [1, { b: [] }] } }],
  ['a class instance', new Point(3, 4)],
  ['Map and Set (as {})', { m: new Map([[1, 2]]), s: new Set([1]) }],
  ['deep nesting', { a: { b: { c: { d: { e: [1, [2, [3, { f: 'g\nh' }]]] } } } } }],
  ['a snapshot-like object', { schema: 2, processes: [{ id: '1', argv: ['a', 'b'], exit: null, execs: [] }], summary: { processes: 1 } }],
  ['sequence', { list: new JsonSequence([1, 2, 3], (n) => ({ n, sq: n * n, s: 'x'.repeat(n) })) }],
  ['empty sequence', { list: new JsonSequence([], (n: number) => n) }],
  ['sequence of undefined', new JsonSequence([1, 2], () => undefined)],
  [
    'a long sequence: batches, with walked items and toJSON keys among them',
    new JsonSequence(
      Array.from({ length: 1300 }, (_, i) => i),
      (i) =>
        i % 97 === 0
          ? { toJSON: (key: string) => ({ key, walked: new JsonSequence([i], (x) => x) }) }
          : i % 89 === 0
            ? keyed
            : i % 83 === 0
              ? undefined
              : { i, s: `n\n${i}` },
    ),
  ],
  ['sequence in a sequence', new JsonSequence([[1], [2, 3]], (xs) => new JsonSequence(xs, (x) => [x, {}]))],
];

describe('jsonChunks is JSON.stringify(value, null, indent), byte for byte', () => {
  for (const [name, value] of SHAPES) {
    test(name, () => {
      for (const indent of [2, 0, 4])
        for (const walkDepth of [0, 1, 2, 3, 50]) {
          assert.equal(joined(value, indent, walkDepth), JSON.stringify(value, null, indent), `indent ${indent}, walkDepth ${walkDepth}`);
        }
    });
  }

  test('a BigInt throws a TypeError, as JSON.stringify does', () => {
    assert.throws(() => JSON.stringify({ a: [1n] }), TypeError);
    for (const walkDepth of [0, 1, 5]) assert.throws(() => joined({ a: [1n] }, 2, walkDepth), TypeError);
  });

  test('a cycle throws a TypeError, as JSON.stringify does', () => {
    const a: Record<string, unknown> = { x: [] };
    (a.x as unknown[]).push({ back: a });
    for (const walkDepth of [0, 1, 2, 5]) assert.throws(() => joined(a, 2, walkDepth), TypeError);
    // The same object twice, not in a cycle, is fine.
    const shared = { s: 1 };
    assert.equal(joined({ a: shared, b: [shared] }, 2, 5), JSON.stringify({ a: shared, b: [shared] }, null, 2));
  });

  test('random values, thousands of them', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const atoms = [null, true, false, 0, -0, 1.5, -7, NaN, 1e300, '', 'x', 'é"\\\n\u0001🧟', undefined, []];
    const make = (depth: number): unknown => {
      const r = rand();
      if (depth > 4 || r < 0.35) return atoms[Math.floor(rand() * atoms.length)];
      const n = Math.floor(rand() * 4);
      if (r < 0.6) return Array.from({ length: n }, () => make(depth + 1));
      if (r < 0.7)
        return new JsonSequence(
          Array.from({ length: n }, () => make(depth + 1)),
          (x) => x,
        );
      return Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}${rand() < 0.2 ? '"' : ''}`, make(depth + 1)]));
    };
    for (let i = 0; i < 3000; i++) {
      const v = make(0);
      assert.equal(joined(v, 2, i % 4), JSON.stringify(v, null, 2));
    }
  });

  test('a sequence is made one item at a time, as it is written', () => {
    const made: number[] = [];
    const seq = new JsonSequence([1, 2, 3], (n) => {
      made.push(n);
      return { n };
    });
    const it = jsonChunks({ list: seq });
    let text = '';
    for (let r = it.next(); !r.done; r = it.next()) {
      text += r.value;
      if (text.includes('"n": 1') && !text.includes('"n": 2')) assert.deepEqual(made, [1], 'the second item is made only after the first was written');
    }
    assert.deepEqual(made, [1, 2, 3]);
  });
});

describe('a snapshot streamed', () => {
  test('buildLazySnapshot streamed is the text of buildSnapshot', () => {
    const session = sessionOf(
      log(
        '100 1.000000 execve("./srv", ["./srv"], 0x7ffd /* 1 var */) = 0',
        '100 1.100000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 101',
        '101 1.200000 exit_group(3) = ?',
        '101 1.200100 +++ exited with 3 +++',
        '100 1.300000 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101, si_uid=0, si_status=3} ---',
        '100 1.400000 wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], WNOHANG, NULL) = 101',
        '100 1.500000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 102',
        '102 1.600000 +++ exited with 0 +++',
      ),
    );
    const lazy = buildLazySnapshot(session.model);
    assert.ok(lazy.processes instanceof JsonSequence);
    const expected = JSON.stringify(buildSnapshot(session.model), null, 2);
    assert.match(expected, /"pid": 102/);
    assert.equal([...jsonChunks(lazy)].join(''), expected);
  });
});
