// Helpers for system tests: real binaries, the real strace, real loopback clients.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createFixProvider } from '../../src/fixes/provider';
import { SiteResolver } from '../../src/sites';
import { LiveTrace, type LiveTraceOptions } from '../../src/tracer/liveTrace';
import { procState } from '../../src/tracer/procfs';
import type { ProcessJson, SnapshotJson } from '../../src/shared/schema';

export const ROOT = resolve(__dirname, '..', '..');
export const EXAMPLES = join(ROOT, 'examples');
export const PROGRAMS = join(ROOT, 'test', 'programs');

/** The 1-based line of `source` that matches `pattern`, or contains it when a string (exactly one must). */
export function lineOf(source: string, pattern: RegExp | string): number {
  const matches = (text: string): boolean => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
  const hits = readFileSync(source, 'utf8')
    .split('\n')
    .flatMap((text, i) => (matches(text) ? [i + 1] : []));
  assert.equal(hits.length, 1, `exactly one line of ${source} matches ${pattern}`);
  return hits[0];
}

let built = false;
/** Builds the examples and test programs with gcc -g -O0 (once per test process). */
export function buildPrograms(): void {
  if (built) return;
  execFileSync('make', ['-s', '-C', EXAMPLES], { stdio: 'inherit' });
  execFileSync('make', ['-s', '-C', PROGRAMS], { stdio: 'inherit' });
  built = true;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const client = require(join(ROOT, 'examples', 'client.js')) as {
  runClients(options: { port: number; count: number; parallel?: number; message?: string; holdMs?: number }): Promise<{ ok: number; failed: number }>;
};
export const runClients = client.runClients;

/** Resolves with the first match of `pattern` in what `stream` prints. */
export function waitForOutput(stream: Readable, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting for ${pattern} in output: ${JSON.stringify(text.slice(-500))}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolvePromise(m);
      }
    };
    stream.on('data', onData);
  });
}

/** LiveTrace.start the way `forktrace trace` starts it: with a SiteResolver for the program, disassembling while the trace runs. */
export function startTrace(options: Omit<LiveTraceOptions, 'locator'>): LiveTrace {
  const env = options.env ?? process.env;
  const resolver = new SiteResolver({ cwd: options.cwd ?? process.cwd(), program: options.program, libraryPath: env.LD_LIBRARY_PATH });
  const live = LiveTrace.start({ ...options, locator: resolver.locator(), fixer: createFixProvider() });
  void resolver.prepare([live.program]);
  return live;
}

export interface TracedServer {
  live: LiveTrace;
  port: number;
  stderr: () => string;
}

/** Starts an example server under a live trace, its stdout/stderr piped to the test. */
export async function traceServer(name: string, options: Partial<Omit<LiveTraceOptions, 'locator'>> = {}): Promise<TracedServer> {
  buildPrograms();
  const live = startTrace({ program: join(EXAMPLES, name), args: ['0'], stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let errText = '';
  live.strace.stderr?.on('data', (c: Buffer) => (errText += c.toString()));
  live.strace.stdout?.resume();
  const m = await waitForOutput(live.strace.stdout as Readable, /listening on 127\.0\.0\.1:(\d+)/);
  return { live, port: Number(m[1]), stderr: () => errText };
}

/**
 * test/programs/make_zombies holding `n` zombies (their pids, in fork order), once all are
 * zombies; SIGUSR1 makes it reap the oldest left. Killed when the test ends.
 */
export async function zombieHolder(t: { after: (fn: () => void) => void }, n: number): Promise<{ proc: ChildProcess; pid: number; zombies: number[] }> {
  const proc = spawn(join(PROGRAMS, 'make_zombies'), [String(n), '60'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => proc.kill('SIGKILL'));
  const m = await waitForOutput(proc.stdout as Readable, /holding \d+ zombies:([\d ]+)\n/);
  return { proc, pid: proc.pid as number, zombies: m[1].trim().split(' ').map(Number) };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` returns a value (not undefined/false) or the time is up. */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** `pid` and its start time (field 22 of /proc/PID/stat): a process identity that survives pid reuse. */
export function processIdentity(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${pid}:${fields[19]}`;
  } catch {
    return null;
  }
}

/**
 * Resolves once none of the given processes is alive any more. A killed orphan can
 * sit as a zombie of init for a moment (this machine's init reaps by polling), so a
 * zombie counts as gone only once init has reaped it too, within `timeoutMs`.
 */
export async function assertAllGone(identities: string[], timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = identities.filter((id) => processIdentity(Number(id.split(':')[0])) === id);
    const alive = left.filter((id) => procState(Number(id.split(':')[0])) !== 'Z');
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`processes of the trace still exist: ${left.join(', ')} (alive, not zombies: ${alive.join(', ') || 'none'})`);
    }
    await sleep(50);
  }
}

export function byPid(snapshot: SnapshotJson, pid: number): ProcessJson {
  const found = snapshot.processes.filter((p) => p.pid === pid);
  if (found.length !== 1) throw new Error(`expected one process with pid ${pid}, found ${found.length}`);
  return found[0];
}

export function childrenOf(snapshot: SnapshotJson, parent: ProcessJson): ProcessJson[] {
  return snapshot.processes.filter((p) => p.parentId === parent.id);
}
