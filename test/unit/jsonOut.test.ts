// The --json writer: what it puts in the file is byte for byte JSON.stringify(value, null, 2)
// and a newline, also when the text is several times its 1 MiB batch and full of
// characters that take 2, 3 and 4 bytes, and when one piece is larger than a batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJson } from '../../src/cli/jsonOut';
import { JsonSequence } from '../../src/shared/jsonStream';

function written(value: unknown): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'forktrace-jsonout-'));
  try {
    const file = join(dir, 'out.json');
    writeJson(file, value);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('3 MB of processes with é, 中 and 🧟 in their names, across many batches, are written as JSON.stringify writes them', () => {
  const names = ['é-server', '中'.repeat(300), '🧟-zombie', 'plain', 'quote " and \\ and \n', 'lone \ud800 surrogate'];
  const processes = Array.from({ length: 20_000 }, (_, k) => ({
    id: String(k),
    command: names[k % names.length].repeat(1 + (k % 7)),
    argv: [names[(k + 1) % names.length]],
  }));
  const value = { schema: 2, processes: new JsonSequence(processes, (p) => ({ ...p, pid: Number(p.id) })) };
  const bytes = written(value);
  assert.ok(bytes.length > 3 * 1024 * 1024, `${bytes.length} bytes: several batches`);
  assert.ok(bytes.equals(Buffer.from(`${JSON.stringify(value, null, 2)}\n`)));
});

test('one string longer than a batch is written whole', () => {
  const value = { output: '🧟'.repeat(400_000) + 'é'.repeat(300_000), after: [1, 2, 3] };
  assert.ok(written(value).equals(Buffer.from(`${JSON.stringify(value, null, 2)}\n`)));
});
