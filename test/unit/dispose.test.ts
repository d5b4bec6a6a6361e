// The extension host's ownership rules: whatever an owner registered is released with
// it, exactly once, last registered first, even when one release fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Disposable, DisposableSet, disposeAll, toDisposable, type IDisposable } from '../../src/extension/dispose';

class Owner extends Disposable {
  register<T extends IDisposable>(item: T): T {
    return this._register(item);
  }
  get ended(): boolean {
    return this.isDisposed;
  }
}

function recorder(log: string[], name: string): IDisposable {
  return toDisposable(() => log.push(name));
}

test('an owner releases what it registered once, the last registered first', () => {
  const log: string[] = [];
  const owner = new Owner();
  owner.register(recorder(log, 'panel listener'));
  owner.register(recorder(log, 'problems timer'));
  assert.equal(owner.ended, false);
  owner.dispose();
  owner.dispose();
  assert.deepEqual(log, ['problems timer', 'panel listener']);
  assert.equal(owner.ended, true);
});

test('a thing registered with an owner that already ended is released at once', () => {
  const log: string[] = [];
  const owner = new Owner();
  owner.dispose();
  const late = owner.register(recorder(log, 'late listener'));
  assert.deepEqual(log, ['late listener']);
  assert.ok(late, '_register returns what it was given');
});

test('one release that throws does not keep the others alive; the error still surfaces', () => {
  const log: string[] = [];
  const items = [
    recorder(log, 'terminal'),
    toDisposable(() => {
      throw new Error('panel already gone');
    }),
    recorder(log, 'timer'),
  ];
  assert.throws(() => disposeAll(items), /panel already gone/);
  assert.deepEqual(log, ['timer', 'terminal']);
  assert.equal(items.length, 0);
  const two = [
    toDisposable(() => {
      throw new Error('a');
    }),
    toDisposable(() => {
      throw new Error('b');
    }),
  ];
  assert.throws(
    () => disposeAll(two),
    (e: unknown) => e instanceof AggregateError && e.errors.length === 2,
  );
});

test('a set releases what is left in it; what left it on its own is not released again', () => {
  const log: string[] = [];
  const runs = new DisposableSet<IDisposable>();
  const first = runs.add(recorder(log, 'run 1'));
  runs.add(recorder(log, 'run 2'));
  runs.delete(first); // its panel was closed: it ended by itself
  assert.equal(runs.size, 1);
  assert.equal([...runs].length, 1);
  runs.dispose();
  assert.deepEqual(log, ['run 2']);
  assert.equal(runs.size, 0);
  runs.add(recorder(log, 'run 3'));
  assert.deepEqual(log, ['run 2', 'run 3'], 'added after the end: released at once');
});
