// The FIFO reader on a real FIFO: every byte written arrives once and in order, in
// batches rather than one callback per write (a slow writer too), and it ends when the last writer closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FifoReader } from '../../src/tracer/fifoReader';

function fifo(): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-fifo-'));
  const path = join(dir, 'f');
  assert.equal(spawnSync('mkfifo', [path]).status, 0);
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('1,000 small writes arrive whole, in order, in far fewer chunks; the end comes with the last writer', async () => {
  const { path, cleanup } = fifo();
  try {
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    const chunks: Buffer[] = [];
    const reader = new FifoReader(readFd, (chunk) => chunks.push(Buffer.from(chunk)));
    const lines = Array.from({ length: 1000 }, (_, k) => `4242 1700000000.${String(k).padStart(6, '0')} getppid() = 1\n`);
    for (const line of lines) writeSync(writeFd, line);
    await new Promise((r) => setTimeout(r, 30));
    for (const line of lines.slice(0, 10)) writeSync(writeFd, line);
    closeSync(writeFd);
    await reader.done;
    assert.equal(Buffer.concat(chunks).toString(), lines.join('') + lines.slice(0, 10).join(''));
    assert.ok(chunks.length <= 20, `${chunks.length} chunks for 1,010 writes`);
  } finally {
    cleanup();
  }
});

test('lookNow reads what is left at once; finish stops reading and closes the FIFO', async () => {
  const { path, cleanup } = fifo();
  try {
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    let text = '';
    const reader = new FifoReader(readFd, (chunk) => (text += chunk.toString()));
    writeSync(writeFd, 'last words\n');
    closeSync(writeFd);
    reader.lookNow();
    assert.equal(text, 'last words\n', 'read without waiting for the next interval');
    await reader.done;
    reader.finish(); // a second end is harmless
    let target: string | null = null;
    try {
      target = readlinkSync(`/proc/self/fd/${readFd}`);
    } catch {
      /* closed, and the number not reused */
    }
    assert.notEqual(target, path, 'the read end was closed');
  } finally {
    cleanup();
  }
});

test('a writer that writes a record every 4 ms for 0.8 s is read in a few dozen looks, not one per record', async () => {
  const { path, cleanup } = fifo();
  try {
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    let chunks = 0;
    let text = '';
    const reader = new FifoReader(readFd, (chunk) => {
      chunks++;
      text += chunk.toString();
    });
    const line = (k: number): string => `4242 1700000000.${String(k).padStart(6, '0')} wait4(-1, NULL, WNOHANG, NULL) = 0\n`;
    for (let k = 0; k < 200; k++) {
      writeSync(writeFd, line(k));
      await new Promise((r) => setTimeout(r, 4));
    }
    closeSync(writeFd);
    await reader.done;
    assert.equal(text, Array.from({ length: 200 }, (_, k) => line(k)).join(''));
    // Looking every 5 ms found one record or two each time (about 150 chunks): every look is a wakeup.
    assert.ok(chunks <= 60, `${chunks} chunks for 200 records written 4 ms apart`);
  } finally {
    cleanup();
  }
});
