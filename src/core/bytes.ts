// Byte helpers for the parser: it reads strace's output as bytes, and decodes to text
// only the records the model keeps. Node's Buffer methods are used when present (they
// are native and much faster than a loop); a plain Uint8Array fallback keeps the core
// free of Node imports.

interface NodeBufferProto {
  utf8Slice(this: Uint8Array, start: number, end: number): string;
  latin1Slice(this: Uint8Array, start: number, end: number): string;
  indexOf(this: Uint8Array, value: number | Uint8Array, from: number): number;
}

const nodeBuffer = (globalThis as { Buffer?: { prototype: NodeBufferProto } }).Buffer?.prototype ?? null;
const textDecoder = new TextDecoder('utf-8');
const textEncoder = new TextEncoder();

/** The UTF-8 text of bytes[start, end). */
export const decodeUtf8: (bytes: Uint8Array, start: number, end: number) => string = nodeBuffer
  ? (bytes, start, end) => nodeBuffer.utf8Slice.call(bytes, start, end)
  : (bytes, start, end) => textDecoder.decode(bytes.subarray(start, end));

/** bytes[start, end) as one character per byte: for names already known to be ASCII. */
export const decodeAscii: (bytes: Uint8Array, start: number, end: number) => string = nodeBuffer
  ? (bytes, start, end) => nodeBuffer.latin1Slice.call(bytes, start, end)
  : (bytes, start, end) => String.fromCharCode(...bytes.subarray(start, end));

export function encodeUtf8(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** The first index of `value` at or after `from`, or -1. */
export const indexOfByte: (bytes: Uint8Array, value: number, from: number) => number = nodeBuffer
  ? (bytes, value, from) => nodeBuffer.indexOf.call(bytes, value, from)
  : (bytes, value, from) => bytes.indexOf(value, from);

/** The first index of the byte string `needle` at or after `from`, or -1. */
export const indexOfBytes: (bytes: Uint8Array, needle: Uint8Array, from: number) => number = nodeBuffer
  ? (bytes, needle, from) => (from >= bytes.length ? -1 : nodeBuffer.indexOf.call(bytes, needle, from))
  : (bytes, needle, from) => {
      const first = needle[0];
      for (let at = bytes.indexOf(first, from); at >= 0 && at + needle.length <= bytes.length; at = bytes.indexOf(first, at + 1)) {
        if (startsWithBytes(bytes, at, needle)) return at;
      }
      return -1;
    };

/** `needle` lying wholly within bytes[from, to), or -1: a plain loop, for short windows. */
export function indexOfBytesWithin(bytes: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const last = to - needle.length;
  for (let at = from; at <= last; at++) if (bytes[at] === needle[0] && startsWithBytes(bytes, at, needle)) return at;
  return -1;
}

export function startsWithBytes(bytes: Uint8Array, at: number, needle: Uint8Array): boolean {
  if (at < 0 || at + needle.length > bytes.length) return false;
  for (let k = 0; k < needle.length; k++) if (bytes[at + k] !== needle[k]) return false;
  return true;
}

/** Whether bytes[start, end) spells `text` (ASCII). */
export function bytesEqual(bytes: Uint8Array, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let k = 0; k < text.length; k++) if (bytes[start + k] !== text.charCodeAt(k)) return false;
  return true;
}

/** A copy: the reader reuses its buffer, so bytes kept past one push must be copied. */
export function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

export function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * The last few texts decoded, handed out again for the same bytes: a log repeats its
 * argument lists, results, errno and signal names, and one shared string each is less
 * to allocate and less for the model to keep.
 */
export class RecentTexts {
  private readonly texts: string[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  /** bytes[start, end) as UTF-8 text: a recent string when it spells the same, else a new one that replaces the oldest. */
  text(bytes: Uint8Array, start: number, end: number): string {
    const texts = this.texts;
    // Equal char codes over equal lengths means ASCII bytes: any other byte decodes to fewer or other characters.
    for (let k = 0; k < texts.length; k++) if (bytesEqual(bytes, start, end, texts[k])) return texts[k];
    const text = decodeUtf8(bytes, start, end);
    texts[this.next] = text;
    this.next = (this.next + 1) % this.size;
    return text;
  }
}
