// Writes a snapshot's JSON as it is made, a batch at a time: a 50,000-process trace is
// about 40 MB of text that never has to exist as one string.
import { closeSync, openSync, writeSync } from 'node:fs';
import { jsonChunks } from '../shared/jsonStream';

/** Bytes gathered before each write. */
const BATCH_BYTES = 1 << 20;
/** The most UTF-8 bytes one UTF-16 code unit becomes (a surrogate pair is 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3;

/** JSON.stringify(value, null, 2) + '\n', streamed to `target`: a file, or `-` for standard output. */
export function writeJson(target: string, value: unknown): void {
  const toStdout = target === '-';
  const fd = toStdout ? -1 : openSync(target, 'w');
  // Standard output through its stream (synchronous for files and pipes on Linux, and ordered
  // with the rest), given its own copy: the batch's buffer is reused.
  const batch = new ByteBatch(toStdout ? (bytes) => process.stdout.write(Buffer.from(bytes)) : (bytes) => writeAll(fd, bytes));
  try {
    for (const chunk of jsonChunks(value, { indent: 2 })) batch.add(chunk);
    batch.add('\n');
    batch.flush();
  } finally {
    if (!toStdout) closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at);
}

/**
 * Text encoded straight into one reused buffer. Gathering a batch as a string instead
 * (`batch += chunk`, then Buffer.from) built a rope of thousands of pieces and flattened
 * it: half of the time --json took. A chunk never splits a surrogate pair (JSON.stringify
 * escapes lone surrogates), so encoding chunks one by one gives the same bytes.
 */
class ByteBatch {
  private readonly buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;

  constructor(private readonly flushTo: (bytes: Uint8Array) => void) {}

  add(text: string): void {
    if (this.used + text.length * MAX_BYTES_PER_UNIT > this.buffer.length) {
      this.flush();
      if (text.length * MAX_BYTES_PER_UNIT > this.buffer.length) {
        this.flushTo(Buffer.from(text));
        return;
      }
    }
    this.used += this.buffer.write(text, this.used);
  }

  flush(): void {
    if (this.used === 0) return;
    this.flushTo(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}
