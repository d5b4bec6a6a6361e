// The argument readers: splitting, C string literals, arrays, struct fields, flags.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeString, decodeStringArray, fieldValue, flagSet, hasFlag, leadingInt, splitArgs } from '../../src/core/args';
import { basename } from '../../src/shared/words';

describe('splitArgs', () => {
  test('splits at top-level commas only: not inside {}, [], () or strings', () => {
    assert.deepEqual(splitArgs('3, {sa_handler=SIG_IGN, sa_mask=[CHLD, HUP]}, "a, b", f(x, y), NULL'), [
      '3',
      '{sa_handler=SIG_IGN, sa_mask=[CHLD, HUP]}',
      '"a, b"',
      'f(x, y)',
      'NULL',
    ]);
  });

  test('an escaped quote does not end a string', () => {
    assert.deepEqual(splitArgs('"say \\"hi, there\\"", 2'), ['"say \\"hi, there\\""', '2']);
  });

  test('empty text has no arguments; a trailing empty argument is kept', () => {
    assert.deepEqual(splitArgs(''), []);
    assert.deepEqual(splitArgs('4, '), ['4', '']);
  });
});

describe('decodeString', () => {
  test('decodes C escapes: \\n \\t \\" \\\\ octal and hex', () => {
    assert.deepEqual(decodeString('"a\\nb\\tc\\"d\\\\e\\0f\\177g\\x41"'), { value: 'a\nb\tc"d\\e\u0000f\u007fgA', truncated: false });
  });

  test('`"abc"...` is a truncated string', () => {
    assert.deepEqual(decodeString('"abc"...'), { value: 'abc', truncated: true });
  });

  test('octal-escaped UTF-8 bytes decode to the characters they encode', () => {
    assert.deepEqual(decodeString('"caf\\303\\251"'), { value: 'café', truncated: false });
  });

  test('not a string literal, or an unterminated one, is null', () => {
    assert.equal(decodeString('0x7ffd0000'), null);
    assert.equal(decodeString('"abc'), null);
  });
});

describe('decodeStringArray', () => {
  test('decodes an argv array', () => {
    assert.deepEqual(decodeStringArray('["./server", "8080", "a, b"]'), { values: ['./server', '8080', 'a, b'], truncated: false });
  });

  test('`, ...]` marks an array strace cut short; a truncated element marks it too', () => {
    assert.deepEqual(decodeStringArray('["a", "b", ...]'), { values: ['a', 'b'], truncated: true });
    assert.deepEqual(decodeStringArray('["a", "bbbb"...]'), { values: ['a', 'bbbb'], truncated: true });
  });

  test('an empty array, and things that are not arrays of strings', () => {
    assert.deepEqual(decodeStringArray('[]'), { values: [], truncated: false });
    assert.equal(decodeStringArray('0x7ffd0000'), null);
    assert.equal(decodeStringArray('[1, 2]'), null);
  });
});

describe('fieldValue', () => {
  test('reads a struct field, up to the next top-level comma', () => {
    const info = '{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4316, si_uid=0, si_status=0}';
    assert.equal(fieldValue(info, 'si_pid'), '4316');
    assert.equal(fieldValue(info, 'si_code'), 'CLD_EXITED');
    assert.equal(fieldValue('{sa_handler=0x5600, sa_mask=[CHLD, HUP], sa_flags=SA_RESTART, sa_restorer=0x7f00}', 'sa_mask'), '[CHLD, HUP]');
  });

  test('the last field of a struct ends at its closing brace', () => {
    assert.equal(fieldValue('{sa_handler=0x5600, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART}', 'sa_flags'), 'SA_RESTORER|SA_RESTART');
    assert.equal(fieldValue('{si_signo=SIGCHLD, si_pid=4316}', 'si_pid'), '4316');
  });

  test('matches whole keys only', () => {
    assert.equal(fieldValue('{xsi_pid=1, si_pid=2, si_uid=0}', 'si_pid'), '2');
    assert.equal(fieldValue('{xsi_pid=1, si_uid=0}', 'si_pid'), null);
  });

  test('reads flags from a clone argument list', () => {
    assert.equal(fieldValue('child_stack=NULL, flags=CLONE_PARENT|SIGCHLD, child_tidptr=0x7f00', 'flags'), 'CLONE_PARENT|SIGCHLD');
    assert.equal(fieldValue('{flags=CLONE_VM|CLONE_VFORK, exit_signal=SIGCHLD, stack=0x7f00}', 'flags'), 'CLONE_VM|CLONE_VFORK');
  });
});

describe('small readers', () => {
  test('flagSet splits on |', () => {
    assert.deepEqual([...flagSet('CLONE_VM|CLONE_VFORK|SIGCHLD')], ['CLONE_VM', 'CLONE_VFORK', 'SIGCHLD']);
    assert.deepEqual([...flagSet(null)], []);
  });

  test('hasFlag answers as flagSet does: whole flags only, spaced or not', () => {
    const texts = ['CLONE_VM|CLONE_VFORK|SIGCHLD', 'CLONE_PARENT_SETTID|SIGCHLD', 'SA_RESTORER | SA_RESTART', 'CLONE_THREAD', '', null];
    for (const text of texts) {
      for (const flag of ['CLONE_VM', 'CLONE_VFORK', 'CLONE_PARENT', 'CLONE_THREAD', 'SIGCHLD', 'SA_RESTART', 'SA_RESTORER', 'VM']) {
        assert.equal(hasFlag(text, flag), flagSet(text).has(flag), `${flag} in ${text}`);
      }
    }
    assert.equal(hasFlag('CLONE_PARENT_SETTID|SIGCHLD', 'CLONE_PARENT'), false);
  });

  test('basename', () => {
    assert.equal(basename('/usr/bin/srv'), 'srv');
    assert.equal(basename('srv'), 'srv');
    assert.equal(basename('examples/zombie_server'), 'zombie_server');
  });

  test('leadingInt reads the pid out of a -Y annotation', () => {
    assert.equal(leadingInt('4481<double_fork_dae>'), 4481);
    assert.equal(leadingInt('-1'), -1);
    assert.ok(Number.isNaN(leadingInt('SIGSEGV')));
    assert.ok(Number.isNaN(leadingInt('-')));
  });
});
