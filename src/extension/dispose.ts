// Who releases what: every panel, terminal, listener and timer the extension makes is
// registered with the object that owns it, and released when that owner is disposed.
// No vscode import (vscode.Disposable is only this shape), so it is unit-tested plainly.

export interface IDisposable {
  dispose(): unknown;
}

/** A timer, a callback or anything else with an end, as a disposable. */
export function toDisposable(release: () => void): IDisposable {
  return { dispose: release };
}

/** Disposes the last registered first: a later thing may use an earlier one until it goes. */
export function disposeAll(items: IDisposable[]): void {
  const errors: unknown[] = [];
  while (items.length > 0) {
    try {
      items.pop()?.dispose();
    } catch (e) {
      errors.push(e); // one failing dispose must not keep the rest alive
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'several disposables failed');
}

export abstract class Disposable implements IDisposable {
  private readonly registered: IDisposable[] = [];
  private released = false;

  /** Ties `item` to this object's lifetime; registered after the end, it is released at once. */
  protected _register<T extends IDisposable>(item: T): T {
    if (this.released) item.dispose();
    else this.registered.push(item);
    return item;
  }

  protected get isDisposed(): boolean {
    return this.released;
  }

  dispose(): void {
    if (this.released) return;
    this.released = true;
    disposeAll(this.registered);
  }
}

/**
 * Owned items that come and go (the runs of the extension, their terminals): each one
 * leaves the set when it ends on its own, and whatever is left is disposed with the set.
 */
export class DisposableSet<T extends IDisposable> extends Disposable implements Iterable<T> {
  private readonly items = new Set<T>();

  add(item: T): T {
    if (this.isDisposed) item.dispose();
    else this.items.add(item);
    return item;
  }

  /** Forgets `item` without disposing it (it ended, or someone else disposes it). */
  delete(item: T): void {
    this.items.delete(item);
  }

  get size(): number {
    return this.items.size;
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }

  dispose(): void {
    if (this.isDisposed) return;
    const items = [...this.items];
    this.items.clear();
    super.dispose();
    disposeAll(items);
  }
}
