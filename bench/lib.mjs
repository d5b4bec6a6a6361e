// Shared helpers for the benchmarks: building, starting and stopping servers, timing,
// statistics, and making sure no process of ours outlives the bench.
//
// Every process the bench starts carries FORKTRACE_BENCH_TAG in its environment, and
// so does everything those processes start (strace's tracees, the servers' children,
// orphans included): /proc/*/environ finds them all at the end, however they were
// reparented.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cliPath = join(root, 'dist', 'cli.js');
export const serverPath = join(root, 'examples', 'reap_loop_server');
export const pidReusePath = join(root, 'test', 'programs', 'pid_reuse');

const require = createRequire(import.meta.url);
export const { runClients } = require(join(root, 'examples', 'client.js'));

export const TAG_NAME = 'FORKTRACE_BENCH_TAG';
export const TAG = `${process.pid}-${randomBytes(4).toString('hex')}`;
export const benchEnv = { ...process.env, [TAG_NAME]: TAG };

/** A whole positive number from the environment, else the default. */
export function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number (got ${JSON.stringify(raw)})`);
  return n;
}

let built = false;
/** make the examples and test programs, bundle the CLI; once per process. */
export function build() {
  if (built) return;
  const steps = [
    ['make', ['-s', '-C', join(root, 'examples')]],
    ['make', ['-s', '-C', join(root, 'test', 'programs')]],
    [process.execPath, [join(root, 'esbuild.mjs')]],
  ];
  for (const [cmd, args] of steps) {
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
    if (r.error || r.status !== 0) throw new Error(`build step failed: ${cmd} ${args.join(' ')} (${r.error?.message ?? `exit ${r.status}`})`);
  }
  built = true;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `promise`'s value, or null after `ms`; the timer never outlives the race. */
export function within(promise, ms) {
  let timer;
  const timeout = new Promise((r) => (timer = setTimeout(() => r(null), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function stats(xs) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** A plain text table: first column left-aligned, the others right-aligned. */
export function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  const fmt = (r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

export function fmtRate(x) {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

/** strace's version and whether it has --seccomp-bpf (>= 5.3), as src/tracer/strace.ts decides. */
export function straceInfo() {
  const r = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  const m = /version (\d+)\.(\d+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (!m) throw new Error('strace -V printed no version: is strace installed?');
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return { version: `${major}.${minor}`, seccompBpf: major > 5 || (major === 5 && minor >= 3) };
}

/** TRACE_SET, read from src/tracer/strace.ts so (d) stays exactly the default mode's set. */
export function traceSet() {
  const text = readFileSync(join(root, 'src', 'tracer', 'strace.ts'), 'utf8');
  const m = /export const TRACE_SET\s*=\s*\[([\s\S]*?)\];/.exec(text);
  if (!m) throw new Error('TRACE_SET not found in src/tracer/strace.ts');
  const names = [...m[1].replace(/\/\/.*$/gm, '').matchAll(/'([^']+)'/g)].map((x) => x[1]);
  if (names.length === 0) throw new Error('TRACE_SET in src/tracer/strace.ts is empty');
  return names;
}

// --- processes ---------------------------------------------------------------------

/** Spawns with the bench tag in the environment. */
export function spawnTagged(cmd, args, options = {}) {
  const child = spawn(cmd, args, { cwd: root, ...options, env: { ...benchEnv, ...(options.env ?? {}) } });
  return child;
}

export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Starts a command whose stdout carries the server's "listening on 127.0.0.1:PORT";
 * resolves with the child and the port. Everything else it prints is kept in `out`.
 */
export async function startListening(cmd, args, { timeoutMs = 30_000, env = {} } = {}) {
  const child = spawnTagged(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const io = { out: '', err: '' };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (io.err = (io.err + d).slice(-20_000)));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening on" line from ${cmd} ${args.join(' ')} within ${timeoutMs} ms; stderr: ${io.err.trim().slice(-500)}`)),
      timeoutMs,
    );
    child.stdout.on('data', (d) => {
      if (io.out.length < 1_000_000) io.out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(io.out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code ?? signal}) before listening; stderr: ${io.err.trim().slice(-500)}`));
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  return { child, port, io };
}

/** The pids of `pid`'s children, from /proc. */
export function childrenOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILL. */
export async function stopChild(child, signal = 'SIGTERM', timeoutMs = 20_000) {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, killed: false };
  const done = exited(child);
  try {
    child.kill(signal);
  } catch {
    /* already gone */
  }
  const r = await within(done, timeoutMs);
  if (r) return { ...r, killed: false };
  try {
    child.kill('SIGKILL');
  } catch {
    /* already gone */
  }
  return { ...(await done), killed: true };
}

/** Processes (other than this one) whose environment carries our tag. */
export function taggedProcesses() {
  const needle = Buffer.from(`${TAG_NAME}=${TAG}\0`);
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    if (environ.indexOf(needle) < 0) continue;
    let cmd = '';
    let state = '?';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    } catch {
      /* it just went away */
    }
    found.push({ pid, state, cmd });
  }
  return found;
}

/** SIGKILLs every tagged process (only processes this bench started, and theirs). */
export async function killTagged() {
  for (let round = 0; round < 20; round++) {
    const left = taggedProcesses().filter((p) => p.state !== 'Z');
    if (left.length === 0) return;
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(50);
  }
}

/** The end-of-bench /proc check: a line to print and whether it passed. */
export async function procCheck() {
  // Give the kernel and init a moment to reap what was just killed.
  let left = [];
  for (let i = 0; i < 20; i++) {
    left = taggedProcesses();
    if (left.length === 0) break;
    await sleep(100);
  }
  if (left.length === 0) return { ok: true, line: `/proc check: no process left behind (none carries ${TAG_NAME}=${TAG})` };
  const list = left
    .slice(0, 10)
    .map((p) => `${p.pid} [${p.state}] ${p.cmd}`)
    .join('; ');
  return { ok: false, line: `/proc check: ${left.length} process(es) LEFT BEHIND: ${list}` };
}

export function now() {
  return performance.now();
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU seconds `pid` has used so far (null when it is gone). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** The first direct child of `pid` whose command line starts with `name` (e.g. strace). */
export function childNamed(pid, name) {
  for (const c of childrenOf(pid)) {
    try {
      const argv0 = readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0')[0];
      if (argv0 === name || argv0.endsWith(`/${name}`)) return c;
    } catch {
      /* gone */
    }
  }
  return null;
}

/** The end of a sub-bench: how long it took, and the leftover-process check when it ran alone. */
export async function finishBench(name, started, standalone) {
  console.log(`(${name} bench took ${((now() - started) / 1000).toFixed(0)} s)`);
  if (!standalone) return;
  const pc = await procCheck();
  console.log(pc.line);
  if (!pc.ok) process.exitCode = 1;
}

/** Runs `main` when `moduleUrl` is the script node was started with; cleans up on failure. */
export function runIfMain(moduleUrl, name, main) {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main().catch(async (e) => {
    console.error(`bench/${name}: ${e.stack ?? e}`);
    await killTagged();
    process.exitCode = 1;
  });
}
