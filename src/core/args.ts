// Reading the few argument shapes the model needs out of strace's argument text.
// Linear scans only: no regular expression here can backtrack on hostile input.

/** Splits `a, {b, c}, "d, e", [f]` at top-level commas. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (inString) {
      if (c === 92 /* \ */) k++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91 || c === 40) depth++;
    else if (c === 125 || c === 93 || c === 41) depth--;
    else if (c === 44 && depth === 0) {
      out.push(text.slice(start, k).trim());
      start = k + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last.length > 0 || out.length > 0) out.push(last);
  return out;
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/**
 * Decodes one C string literal as strace prints it; `"abc"...` is a truncated string.
 * strace escapes non-ASCII bytes (`\303\251`), so escapes are bytes and the whole
 * is decoded as UTF-8 at the end.
 */
export function decodeString(literal: string): { value: string; truncated: boolean } | null {
  const text = literal.trim();
  if (text.charCodeAt(0) !== 34) return null;
  const bytes: number[] = [];
  let sawByteEscape = false;
  let plain = '';
  const flushPlain = (): void => {
    if (plain) {
      for (const b of utf8Encoder.encode(plain)) bytes.push(b);
      plain = '';
    }
  };
  const byte = (b: number): void => {
    flushPlain();
    bytes.push(b & 0xff);
    sawByteEscape = true;
  };
  let k = 1;
  for (; k < text.length; k++) {
    const c = text[k];
    if (c === '"') break;
    if (c !== '\\') {
      plain += c;
      continue;
    }
    const e = text[++k];
    switch (e) {
      case 'n':
        plain += '\n';
        break;
      case 't':
        plain += '\t';
        break;
      case 'r':
        plain += '\r';
        break;
      case 'v':
        plain += '\v';
        break;
      case 'f':
        plain += '\f';
        break;
      case 'a':
        plain += '\x07';
        break;
      case 'b':
        plain += '\b';
        break;
      case 'x': {
        let hex = '';
        while (hex.length < 2 && /[0-9a-fA-F]/.test(text[k + 1] ?? '')) hex += text[++k];
        byte(parseInt(hex || '0', 16));
        break;
      }
      default:
        if (e !== undefined && e >= '0' && e <= '7') {
          let oct = e;
          while (oct.length < 3 && text[k + 1] >= '0' && text[k + 1] <= '7') oct += text[++k];
          byte(parseInt(oct, 8));
        } else if (e !== undefined) {
          plain += e;
        }
    }
  }
  if (k >= text.length) return null;
  let value: string;
  if (sawByteEscape) {
    flushPlain();
    value = utf8.decode(new Uint8Array(bytes));
  } else {
    value = plain;
  }
  return { value, truncated: text.slice(k + 1).startsWith('...') };
}

/** `["./server", "8080"]` or `["a", ...]` (strace dropped the rest). */
export function decodeStringArray(text: string): { values: string[]; truncated: boolean } | null {
  const t = text.trim();
  if (t.charCodeAt(0) !== 91 || t.charCodeAt(t.length - 1) !== 93) return null;
  const values: string[] = [];
  let truncated = false;
  for (const item of splitArgs(t.slice(1, -1))) {
    if (item === '...') {
      truncated = true;
      continue;
    }
    const s = decodeString(item);
    if (!s) return null;
    values.push(s.value);
    if (s.truncated) truncated = true;
  }
  return { values, truncated };
}

/** Value of `key=` inside a `{key=value, …}` struct or a flags argument. */
export function fieldValue(text: string, key: string): string | null {
  let from = 0;
  for (;;) {
    const at = text.indexOf(key + '=', from);
    if (at < 0) return null;
    const before = at === 0 ? 32 : text.charCodeAt(at - 1);
    // Whole key only: `si_pid=` must not match inside `xsi_pid=`.
    if (before === 32 || before === 123 || before === 44 || before === 40) {
      return valueAt(text, at + key.length + 1);
    }
    from = at + key.length;
  }
}

/** The value starting at `start`: up to a top-level comma or the bracket that closes its struct. */
function valueAt(text: string, start: number): string {
  let depth = 0;
  let inString = false;
  let k = start;
  for (; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (inString) {
      if (c === 92) k++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91 || c === 40) depth++;
    else if (c === 125 || c === 93 || c === 41) {
      if (depth === 0) break;
      depth--;
    } else if (c === 44 && depth === 0) break;
  }
  return text.slice(start, k).trim();
}

/** `CLONE_VM|CLONE_VFORK|SIGCHLD` → the set of names. */
export function flagSet(text: string | null): Set<string> {
  if (!text) return new Set();
  return new Set(text.split('|').map((f) => f.trim()));
}

/** `flagSet(flags).has(flag)` for strace's `A|B` and `A | B`, without building the set: the model asks once per fork. */
export function hasFlag(flags: string | null, flag: string): boolean {
  if (!flags) return false;
  for (let at = flags.indexOf(flag); at >= 0; at = flags.indexOf(flag, at + 1)) {
    const end = at + flag.length;
    if (
      (at === 0 || flags.charCodeAt(at - 1) === 124 || flags.charCodeAt(at - 1) === 32) &&
      (end === flags.length || flags.charCodeAt(end) === 124 || flags.charCodeAt(end) === 32)
    )
      return true;
  }
  return false;
}

/** The items once each, in first-seen order. */
export function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** `4481` from `4481<server>` (a -Y annotation) or `4481`; NaN when there is no number. */
export function leadingInt(text: string): number {
  let k = text.charCodeAt(0) === 45 ? 1 : 0;
  while (k < text.length && text.charCodeAt(k) >= 48 && text.charCodeAt(k) <= 57) k++;
  return k === 0 || (k === 1 && text.charCodeAt(0) === 45) ? NaN : Number(text.slice(0, k));
}
