#!/usr/bin/env node
// What the README's two commands need from the distribution. Run as root (a fresh
// container, CI), the missing Debian packages are installed with apt-get, saying so;
// otherwise it stops (exit 2) with the exact one-line command that installs them.
//
//   node scripts/prereqs.mjs demo          before `npm run demo`
//   node scripts/prereqs.mjs test [--sudo] before `npm test` (--sudo: CI may use sudo)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const onPath = (command) => () => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const dpkgHas = (pkg) => () => spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('ok installed') ?? false;

/** One need: a Debian package, how to tell it is there, and what it is for. */
const need = (pkg, present, why) => ({ pkg, present, why });

const DEMO = [
  need('strace', onPath('strace'), 'the tracer'),
  need('gcc', onPath('gcc'), 'builds the example servers'),
  // gcc only recommends the C library's headers: a --no-install-recommends gcc cannot build <stdio.h>.
  need('libc6-dev', () => existsSync('/usr/include/stdio.h') || dpkgHas('libc6-dev')(), "the C library's headers"),
  need('make', onPath('make'), 'builds the examples'),
  need('binutils', () => onPath('objdump')() && onPath('addr2line')(), 'objdump and addr2line give fork sites their source lines'),
];

const TEST = [
  ...DEMO,
  need('g++', onPath('g++'), "builds code-server's native modules"),
  need('python3', onPath('python3'), "node-gyp, for code-server's native modules; the Python script tests"),
  need('perl', onPath('perl'), 'the Perl script tests'),
  need('libkrb5-dev', dpkgHas('libkrb5-dev'), "code-server's kerberos module"),
  need('chromium', () => existsSync('/usr/bin/chromium'), 'the browser tests and the real VS Code (code-server) test'),
  need('bsdutils', onPath('script'), "script(1): a terminal for the CLI's progress test"),
];
/** Tests of these skip, saying so, when they are missing. */
const TEST_OPTIONAL = [
  need('rustc', onPath('rustc'), 'the Rust fork-site tests'),
  need('golang-go', onPath('go'), 'the Go fork-site tests'),
  need('elfutils', onPath('eu-addr2line'), "the test of elfutils' addr2line output"),
];

export const NEEDS = { demo: { required: DEMO, optional: [] }, test: { required: TEST, optional: TEST_OPTIONAL } };

const say = (line) => console.error(`[prereqs] ${line}`);
const unique = (list) => [...new Set(list)];

/**
 * Checks what `job` needs and installs what is missing when it can. Returns 0 when all
 * required packages are there (now), 2 when the user has to install them.
 */
export function ensurePrerequisites(job, { sudo = false } = {}) {
  const { required, optional } = NEEDS[job];
  const missingRequired = required.filter((n) => !n.present());
  const missingOptional = optional.filter((n) => !n.present());
  const missing = [...missingRequired, ...missingOptional];
  if (missing.length === 0) return 0;
  const packages = unique(missing.map((n) => n.pkg));
  const describe = (list) => list.map((n) => `${n.pkg} (${n.why})`).join(', ');
  const root = process.getuid?.() === 0;
  const hasApt = onPath('apt-get')();
  const canSudo = sudo && !root && onPath('sudo')();
  if (hasApt && (root || canSudo)) {
    say(`installing ${packages.join(' ')} with apt-get (${root ? 'running as root' : 'with sudo'}): ${describe(missing)}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const apt = (args) => spawnSync(root ? 'apt-get' : 'sudo', root ? args : ['apt-get', ...args], { stdio: ['ignore', 'inherit', 'inherit'], env });
    const update = apt(['update', '-qq']);
    const install = update.status === 0 ? apt(['install', '-y', '-qq', '--no-install-recommends', ...packages]) : update;
    const still = required.filter((n) => !n.present());
    if (install.status === 0 && still.length === 0) return 0;
    say(
      `apt-get could not install ${packages.join(' ')} (status ${install.status ?? install.signal}); ${still.length ? `still missing: ${describe(still)}` : 'the required ones are there'}`,
    );
    return still.length ? 2 : 0;
  }
  const command = hasApt ? `sudo apt-get install -y ${packages.join(' ')}` : `install with your package manager: ${packages.join(' ')}`;
  if (missingRequired.length === 0) {
    say(`optional, their tests will be skipped: ${describe(missingOptional)}. To run them: ${command}`);
    return 0;
  }
  say(`missing: ${describe(missingRequired)}${missingOptional.length ? `; optional: ${describe(missingOptional)}` : ''}.`);
  say(`Install them, then run this again:\n  ${command}`);
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [job, ...flags] = process.argv.slice(2);
  if (!(job in NEEDS)) {
    console.error('usage: node scripts/prereqs.mjs demo | test [--sudo]');
    process.exit(2);
  }
  process.exit(ensurePrerequisites(job, { sudo: flags.includes('--sudo') }));
}
