// The C scanner behind the fixes: a fork( in a comment or a string is no call, function
// bodies and statements are found in K&R and Allman code, the file's indentation is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callsOnLine, findCalls, findFunctions, macrosOnLine, positionOf, scanC } from '../../src/fixes/cScanner';
import { detectStyle, statementsAt } from '../../src/fixes/cStatements';
import { applyEdits } from '../../src/fixes/edits';

const TRICKY = [
  '#include <stdio.h>',
  '#define SPAWN() fork()',
  '/* fork( in a comment',
  '   spanning lines: fork() */',
  'static const char *s = "fork(); \\" fork(";',
  "static char c = '(';",
  'int main(void)',
  '{',
  '    // fork() in a line comment',
  '    pid_t p = fork(); /* the real one */',
  '    pid_t q = SPAWN();',
  '    obj.fork(1); ptr->fork(2);',
  '    return p + q;',
  '}',
].join('\n');

test('a fork( in a comment, a string, a character literal or a preprocessor line is no call; the real one is', () => {
  const src = scanC(TRICKY);
  assert.equal(src.code.length, TRICKY.length, 'blanking keeps every offset');
  const calls = findCalls(src, ['fork']);
  assert.deepEqual(
    calls.map((c) => positionOf(src, c.start)),
    [{ line: 10, column: 15 }],
  );
  assert.deepEqual(callsOnLine(src, ['fork'], 11), [], 'the macro line has no fork( of its own');
  assert.deepEqual(macrosOnLine(src, 11), ['SPAWN']);
  assert.deepEqual(
    src.includes.map((i) => i.header),
    ['stdio.h'],
  );
  assert.ok(src.macros.has('SPAWN'));
});

test("a call's arguments are split at top-level commas only, strings and nested calls kept whole", () => {
  const src = scanC('void f(void) { waitpid(g(a, b), "x, y", WNOHANG | f(1,2)); }');
  const [call] = findCalls(src, ['waitpid']);
  assert.deepEqual(
    call.args.map((a) => a.text),
    ['g(a, b)', '"x, y"', 'WNOHANG | f(1,2)'],
  );
});

test('function bodies are found in K&R and Allman layouts, not in initializers or prototypes', () => {
  const src = scanC(
    [
      'int proto(int);',
      'struct point origin = { 0, 0 };',
      'static int kr(int x) {',
      '    if (x) { return 1; }',
      '    return 0;',
      '}',
      'int',
      'allman(void)',
      '{',
      '    return kr(1);',
      '}',
    ].join('\n'),
  );
  assert.deepEqual(
    findFunctions(src).map((f) => f.name),
    ['kr', 'allman'],
  );
});

test('the statements around a call: the outermost loop first, down to the call itself', () => {
  const text = ['int main(void)', '{', '    int i;', '    for (i = 0; i < 3; i++) {', '        if (i)', '            fork();', '    }', '}'].join('\n');
  const src = scanC(text);
  const at = statementsAt(src, text.indexOf('fork'));
  assert.ok(at);
  assert.equal(at.fn.name, 'main');
  assert.deepEqual(
    at.chain.map((s) => [s.kind, s.inBlock]),
    [
      ['loop', true],
      ['block', false],
      ['if', true],
      ['simple', false],
    ],
  );
});

test("the file's indentation unit and brace placement are read from its code, comments aside", () => {
  const tabsAllman = scanC('int main(void)\n{\n\tif (x)\n\t{\n\t\treturn 1;\n\t}\n\treturn 0;\n}\n');
  assert.deepEqual(detectStyle(tabsAllman), { unit: '\t', functionBraceOwnLine: true, blockBraceOwnLine: true });
  const twoKr = scanC('/*\n * a comment\n */\nint main(void) {\n  if (x) {\n    return 1;\n  }\n  return 0;\n}\n');
  assert.deepEqual(detectStyle(twoKr), { unit: '  ', functionBraceOwnLine: false, blockBraceOwnLine: false });
});

test('applyEdits applies 1-based, end-exclusive edits in any order and refuses overlapping ones', () => {
  const text = 'one\ntwo\nthree\n';
  const edits = [
    { file: 'f', startLine: 3, startColumn: 1, endLine: 3, endColumn: 6, newText: 'THREE' },
    { file: 'f', startLine: 1, startColumn: 1, endLine: 1, endColumn: 1, newText: 'zero\n' },
    { file: 'f', startLine: 4, startColumn: 1, endLine: 4, endColumn: 1, newText: 'four\n' },
  ];
  assert.equal(applyEdits(text, edits), 'zero\none\ntwo\nTHREE\nfour\n');
  assert.throws(
    () =>
      applyEdits(text, [
        { file: 'f', startLine: 1, startColumn: 1, endLine: 2, endColumn: 2, newText: '' },
        { file: 'f', startLine: 2, startColumn: 1, endLine: 2, endColumn: 1, newText: 'x' },
      ]),
    /overlap/,
  );
  assert.throws(() => applyEdits(text, [{ file: 'f', startLine: 9, startColumn: 1, endLine: 9, endColumn: 1, newText: '' }]), /past the end/);
});
