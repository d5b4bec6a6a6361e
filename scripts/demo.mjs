#!/usr/bin/env node
// The README's main job: build the examples, trace the never-reaping server while a
// loopback client connects three times, then print the tree and the diagnostics.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrerequisites } from './prereqs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ready = ensurePrerequisites('demo');
if (ready !== 0) process.exit(ready);
const require = createRequire(import.meta.url);
const { runClients } = require(join(root, 'examples', 'client.js'));

const make = spawnSync('make', ['-s', '-C', join(root, 'examples')], { stdio: 'inherit' });
if (make.error || make.status !== 0) {
  console.error("Could not build the examples with make and gcc: see the compiler's message above.");
  process.exit(2);
}

console.log('$ forktrace trace --duration 3 -- examples/zombie_server   (3 clients connect)\n');
const cli = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'trace', '--duration', '3', '--', join(root, 'examples', 'zombie_server')], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let seen = '';
let started = false;
cli.stdout.on('data', async (chunk) => {
  process.stdout.write(chunk);
  seen += chunk;
  const m = /listening on 127\.0\.0\.1:(\d+)/.exec(seen);
  if (m && !started) {
    started = true;
    const result = await runClients({ port: Number(m[1]), count: 3 });
    console.log(`(client: ${result.ok} connections echoed; the server's children now wait to be reaped)`);
  }
});
cli.on('exit', (code) => process.exit(code ?? 1));
