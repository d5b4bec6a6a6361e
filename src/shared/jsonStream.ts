// JSON written a piece at a time, byte for byte what JSON.stringify(value, null, indent)
// returns, so a 40 MB snapshot never exists as one string. The outer levels are walked
// here, following the standard's SerializeJSONProperty (toJSON with its key, boxed
// primitives, undefined and functions left out of objects and null in arrays, non-finite
// numbers as null); each value below `walkDepth` is handed to JSON.stringify whole and
// re-indented, which is exact because a JSON text holds no raw newline outside its layout.

/**
 * A list made only when it is written: each item is built, written and dropped in turn.
 * JSON.stringify sees its toJSON (the whole array), so both give the same text.
 */
export class JsonSequence<S, T = S> {
  constructor(
    readonly source: readonly S[],
    readonly map: (item: S) => T,
  ) {}

  get length(): number {
    return this.source.length;
  }

  toJSON(): T[] {
    return this.source.map((s) => this.map(s));
  }
}

/** Unwalked list items stringified in one call: about 45 KB of a snapshot's processes. At 256 (180 KB) each text went to V8's large-object space and peak RSS grew 16 MiB. */
const ITEMS_PER_BATCH = 64;

export interface JsonChunkOptions {
  /** Spaces per level, as JSON.stringify's third argument (0 to 10). */
  indent?: number;
  /** Levels walked here; deeper values are stringified whole (default 2: a snapshot's processes one by one). */
  walkDepth?: number;
}

/**
 * The pieces of JSON.stringify(value, null, indent), in order; nothing at all when
 * JSON.stringify would return undefined (a function, a symbol, undefined).
 */
export function* jsonChunks(value: unknown, options: JsonChunkOptions = {}): Generator<string, void, undefined> {
  const gap = ' '.repeat(Math.max(0, Math.min(10, Math.floor(options.indent ?? 2))));
  const walkDepth = options.walkDepth ?? 2;
  const stack: unknown[] = [];

  /** The value SerializeJSONProperty writes for holder[key]: toJSON applied, boxed primitives unboxed. */
  const prepare = (raw: unknown, key: string): unknown => {
    let v = raw;
    // A sequence is walked item by item; its toJSON is for JSON.stringify.
    if (v instanceof JsonSequence) return v;
    if ((typeof v === 'object' && v !== null) || typeof v === 'bigint') {
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') v = (toJSON as (k: string) => unknown).call(v, key);
    }
    if (typeof v === 'object' && v !== null) {
      if (v instanceof Number) v = Number(v);
      else if (v instanceof String) v = String(v);
      else if (v instanceof Boolean) v = v.valueOf();
      else if (v instanceof BigInt) v = v.valueOf();
    }
    return v;
  };

  /** A value with nothing left to call: JSON.stringify's own text for it, at this indentation. */
  const whole = (v: unknown, indentation: string): string | undefined => {
    if (indentation === '' || gap === '' || typeof v !== 'object' || v === null) return JSON.stringify(v, null, gap);
    // Nested in as many arrays as it is deep, JSON.stringify indents it as it stands here:
    // its text is a slice of that (no copy), where replacing each newline copied it again.
    // Its own toJSON, if any, was called already (the walk handles the rest: isWalked).
    let wrapped: unknown = v;
    let open = 0;
    let close = 0;
    for (let level = 0; level < indentation.length; level += gap.length) {
      wrapped = [wrapped];
      open += 2 + level + gap.length; // `[`, a newline, the next level's indentation
      close += 2 + level; // a newline, this level's indentation, `]`
    }
    const text = JSON.stringify(wrapped, null, gap);
    return text.slice(open, text.length - close);
  };

  // Walked: the outer levels, sequences, and a toJSON's result that has a toJSON of its own
  // (JSON.stringify would call that one too, where the standard calls one per value).
  const isWalked = (v: unknown, depth: number): boolean =>
    typeof v === 'object' && v !== null && (v instanceof JsonSequence || depth < walkDepth || typeof (v as { toJSON?: unknown }).toJSON === 'function');

  /** Writes a prepared value; returns false (writing nothing) where JSON.stringify leaves it out. */
  function* write(v: unknown, depth: number, indentation: string): Generator<string, boolean, undefined> {
    if (!isWalked(v, depth)) {
      const text = whole(v, indentation);
      if (text === undefined) return false;
      yield text;
      return true;
    }
    if (typeof v !== 'object' || v === null) return false;
    if (stack.includes(v)) throw new TypeError('Converting circular structure to JSON');
    stack.push(v);
    const inner = indentation + gap;
    const open = gap === '' ? '' : `\n${inner}`;
    const close = gap === '' ? '' : `\n${indentation}`;
    if (v instanceof JsonSequence || Array.isArray(v)) {
      const length = v.length;
      if (length === 0) yield '[]';
      else {
        // Items that need no walking go to JSON.stringify a batch at a time (a snapshot's
        // processes): one call and one piece per batch, not a generator step each. Each is
        // prepared here first, so a toJSON still gets its index in the whole list.
        const batch: unknown[] = [];
        const flush = (first: boolean): string => {
          const text = whole(batch, indentation) as string;
          batch.length = 0;
          // The batch's own brackets and layout come off: its items as they stand in this list.
          return `${first ? '[' : ','}${open}${text.slice(1 + open.length, text.length - close.length - 1)}`;
        };
        let any = false;
        for (let i = 0; i < length; i++) {
          const item = prepare(v instanceof JsonSequence ? v.map(v.source[i]) : (v as unknown[])[i], String(i));
          if (!isWalked(item, depth + 1)) {
            batch.push(item);
            if (batch.length === ITEMS_PER_BATCH) {
              yield flush(!any);
              any = true;
            }
            continue;
          }
          if (batch.length > 0) {
            yield flush(!any);
            any = true;
          }
          yield any ? `,${open}` : `[${open}`;
          any = true;
          if (!(yield* write(item, depth + 1, inner))) yield 'null';
        }
        if (batch.length > 0) yield flush(!any);
        yield `${close}]`;
      }
    } else {
      let first = true;
      const colon = gap === '' ? ':' : ': ';
      for (const key of Object.keys(v)) {
        const prepared = prepare((v as Record<string, unknown>)[key], key);
        // Left out as JSON.stringify leaves them out: decided before the key is written.
        if (prepared === undefined || typeof prepared === 'function' || typeof prepared === 'symbol') continue;
        yield `${first ? '{' : ','}${open}${JSON.stringify(key)}${colon}`;
        first = false;
        if (!(yield* write(prepared, depth + 1, inner))) yield 'null';
      }
      yield first ? '{}' : `${close}}`;
    }
    stack.pop();
    return true;
  }

  yield* write(prepare(value, ''), 0, '');
}
