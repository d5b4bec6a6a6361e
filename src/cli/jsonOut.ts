// Writes a snapshot's JSON as it is made, a batch at a time: a 50,000-process trace is
// about 40 MB of text that never has to exist as one string.
import { closeSync, openSync, writeSync } from 'node:fs';
import { jsonChunks } from '../shared/jsonStream';

/** Text gathered before each write. */
const BATCH_CHARS = 1 << 20;

/** JSON.stringify(value, null, 2) + '\n', streamed to `target`: a file, or `-` for standard output. */
export function writeJson(target: string, value: unknown): void {
  const toStdout = target === '-';
  const fd = toStdout ? -1 : openSync(target, 'w');
  // Standard output through its stream: synchronous for files and pipes on Linux, and ordered with the rest.
  const put = (text: string): void => {
    if (toStdout) process.stdout.write(text);
    else for (let buf = Buffer.from(text), at = 0; at < buf.length;) at += writeSync(fd, buf, at);
  };
  try {
    let batch = '';
    for (const chunk of jsonChunks(value, { indent: 2 })) {
      batch += chunk;
      if (batch.length >= BATCH_CHARS) {
        put(batch);
        batch = '';
      }
    }
    put(`${batch}\n`);
  } finally {
    if (!toStdout) closeSync(fd);
  }
}
