// The @vscode/test-electron suite: mocha inside a real VS Code's extension host, at
// the API level. It needs VS Code downloaded (or FORKTRACE_VSCODE_EXECUTABLE); where
// that is impossible (no network, as on our build machines) it prints SKIPPED and
// exits 0: the code-server end-to-end test (test/e2e) is the real VS Code there.
//
//   node --import tsx test/electron/runTest.ts
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, 'out', 'electron-suite');
const DOWNLOAD_TIMEOUT_MS = 120_000;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** VS Code to run in: a given executable, or a download; null when it cannot be had. */
async function vscodeExecutable(): Promise<{ path: string } | { skipped: string }> {
  const given = process.env.FORKTRACE_VSCODE_EXECUTABLE;
  if (given) return { path: given };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const download = downloadAndUnzipVSCode({ version: process.env.FORKTRACE_VSCODE_VERSION ?? 'stable', timeout: 30_000 });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${DOWNLOAD_TIMEOUT_MS / 1000} s`)), DOWNLOAD_TIMEOUT_MS);
    });
    return { path: await Promise.race([download, timeout]) };
  } catch (e) {
    return { skipped: e instanceof Error ? e.message : String(e) };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The suite's files, bundled for the extension host (which runs JavaScript only). */
async function buildSuite(): Promise<string> {
  rmSync(OUT, { recursive: true, force: true });
  const suiteDir = join(__dirname, 'suite');
  const entryPoints = readdirSync(suiteDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(suiteDir, f));
  await esbuild.build({
    entryPoints,
    outdir: OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(OUT, 'index.js');
}

/** A copy of examples/ with the servers built, and settings naming the zombie server. */
function prepareWorkspace(port: number): string {
  const work = mkdtempSync(join(tmpdir(), 'forktrace-electron-'));
  const folder = join(work, 'examples');
  const binaries = new Set(
    readFileSync(join(ROOT, 'examples', '.gitignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
  cpSync(join(ROOT, 'examples'), folder, { recursive: true, filter: (src) => !binaries.has(src.split('/').pop() ?? '') });
  execFileSync('make', ['-s', '-C', folder], { stdio: 'inherit' });
  mkdirSync(join(folder, '.vscode'));
  writeFileSync(
    join(folder, '.vscode', 'settings.json'),
    JSON.stringify({ 'forkTrace.program': '${workspaceFolder}/zombie_server', 'forkTrace.args': [String(port)] }, null, 2),
  );
  return folder;
}

async function main(): Promise<number> {
  const started = Date.now();
  const vscode = await vscodeExecutable();
  if ('skipped' in vscode) {
    console.log(`SKIPPED: @vscode/test-electron suite: VS Code could not be downloaded (${vscode.skipped}).`);
    console.log('         Set FORKTRACE_VSCODE_EXECUTABLE to a VS Code binary to run it; test/e2e (code-server) is the real VS Code test here.');
    return 0;
  }
  execFileSync('node', ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const extensionTestsPath = await buildSuite();
  const port = await freePort();
  const folder = prepareWorkspace(port);
  try {
    const code = await runTests({
      vscodeExecutablePath: vscode.path,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath,
      extensionTestsEnv: { FORKTRACE_TEST_PORT: String(port), FORKTRACE_TEST_FOLDER: folder },
      launchArgs: [folder, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
    console.log(`@vscode/test-electron suite: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return code;
  } finally {
    rmSync(join(folder, '..'), { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
