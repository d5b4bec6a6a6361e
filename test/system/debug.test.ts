// The `forktrace` debug adapter as VS Code drives it: DAP over stdio (DebugClient), the
// built dist/debugAdapter.js, the real strace, the example servers and real clients.
import { afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import {
  ATTACH_PROPERTIES,
  CONFIGURATION_SNIPPETS,
  DEBUG_TYPE,
  DEBUGGER_VARIABLES,
  INITIAL_CONFIGURATIONS,
  LAUNCH_PROPERTIES,
  type AttachAttribute,
  type ForkTraceLaunchArgs,
  type LaunchAttribute,
} from '../../src/debug/launchArgs';
import { childrenOf as procChildren, procState, readProcStatus } from '../../src/tracer/procfs';
import { assertAllGone, buildPrograms, eventually, EXAMPLES, lineOf, processIdentity, PROGRAMS, ROOT, runClients, waitForOutput } from '../support/system';

const ADAPTER = join(ROOT, 'dist', 'debugAdapter.js');
const ZOMBIE_SERVER_C = join(EXAMPLES, 'zombie_server.c');

let dc: DebugClient;
let output = '';

before(() => {
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  buildPrograms();
});

/** The adapter's process, and its exit. */
let adapter: ChildProcess;
let adapterExited: Promise<void>;

beforeEach(async () => {
  // The adapter's stderr in the test's output: a crash there otherwise shows only as a request never answered.
  dc = new DebugClient('node', ADAPTER, DEBUG_TYPE, undefined, true);
  dc.defaultTimeout = 15_000;
  output = '';
  dc.on('output', (e: DebugProtocol.OutputEvent) => (output += e.body.output));
  await dc.start();
  adapter = (dc as unknown as { _adapterProcess: ChildProcess })._adapterProcess;
  adapterExited = new Promise((resolve) => adapter.once('exit', () => resolve()));
});

afterEach(async () => {
  // A test that disconnected ends its adapter 100 ms later (DebugSession.shutdown): a disconnect
  // sent after that is never answered, and with nothing else pending the test was cancelled
  // (CI, once: the attach test's cleanup killed 1,500 processes first).
  await Promise.race([dc.stop().catch(() => undefined), adapterExited]);
  if (adapter.exitCode === null && adapter.signalCode === null) adapter.kill();
});

function launchArgs(name: string, args: string[] = ['0'], extra: Partial<ForkTraceLaunchArgs> = {}): ForkTraceLaunchArgs {
  return { program: join(EXAMPLES, name), args, cwd: EXAMPLES, ...extra };
}

async function threads(): Promise<DebugProtocol.Thread[]> {
  return (await dc.threadsRequest()).body.threads;
}

function pidOf(thread: DebugProtocol.Thread): number {
  return Number(/^(\d+) /.exec(thread.name)?.[1]);
}

async function waitForPort(): Promise<number> {
  const m = await eventually(() => /listening on 127\.0\.0\.1:(\d+)/.exec(output) ?? undefined, 10_000, '"listening on" in the output events');
  return Number(m[1]);
}

test('the launch and attach schemas in package.json are exactly the typed arguments', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  type Schema = { properties: object; required: string[] };
  const debuggers = pkg.contributes.debuggers as Array<Record<string, unknown> & { configurationAttributes: { launch: Schema; attach: Schema } }>;
  assert.equal(debuggers.length, 1);
  const contribution = debuggers[0];
  assert.equal(contribution.type, 'forktrace');
  assert.equal(contribution.label, 'Fork Trace');
  assert.deepEqual(contribution.languages, ['c', 'cpp']);
  // Every key of ForkTraceLaunchArgs (beyond the protocol's): this object fails to compile when one is added or removed.
  const attributes: Record<LaunchAttribute, true> = {
    program: true,
    args: true,
    cwd: true,
    env: true,
    stackMode: true,
    console: true,
    lingerThreshold: true,
    keepReaped: true,
  };
  const schema = contribution.configurationAttributes.launch;
  assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(attributes).sort());
  assert.deepEqual(schema.properties, JSON.parse(JSON.stringify(LAUNCH_PROPERTIES)), 'package.json holds the schema written in launchArgs.ts');
  assert.deepEqual(schema.required, ['program']);
  const attachAttributes: Record<AttachAttribute, true> = { processId: true, stackMode: true, lingerThreshold: true, keepReaped: true };
  const attach = contribution.configurationAttributes.attach;
  assert.deepEqual(Object.keys(attach.properties).sort(), Object.keys(attachAttributes).sort());
  assert.deepEqual(attach.properties, JSON.parse(JSON.stringify(ATTACH_PROPERTIES)), 'package.json holds the attach schema written in launchArgs.ts');
  assert.deepEqual(attach.required, ['processId']);
  // ${command:pickProcess} runs a command this extension registers, and the palette hides it.
  assert.deepEqual(contribution.variables, DEBUGGER_VARIABLES);
  const commands = (pkg.contributes.commands as Array<{ command: string }>).map((c) => c.command);
  assert.ok(commands.includes(DEBUGGER_VARIABLES.pickProcess));
  assert.deepEqual(contribution.initialConfigurations, INITIAL_CONFIGURATIONS);
  assert.deepEqual(contribution.configurationSnippets, CONFIGURATION_SNIPPETS);
  const known = {
    launch: new Set(['type', 'request', 'name', ...Object.keys(attributes)]),
    attach: new Set(['type', 'request', 'name', ...Object.keys(attachAttributes)]),
  };
  const configs = [...INITIAL_CONFIGURATIONS, ...CONFIGURATION_SNIPPETS.map((s) => s.body)];
  assert.deepEqual([...new Set(configs.map((c) => c.request))].sort(), ['attach', 'launch'], 'a launch and an attach configuration are offered');
  for (const config of configs) {
    for (const key of Object.keys(config)) assert.ok(known[config.request as 'launch' | 'attach'].has(key), `${key} is a ${config.request} attribute`);
  }
});

test('the zombie server: processes are threads, zombies say so and point at the fork, pause is refused, terminate leaves nothing', async () => {
  await dc.launch(launchArgs('zombie_server'));
  const port = await waitForPort();
  const serverThread = await pollThreads((list) => list.find((t) => /^\d+ zombie_server \[running\]$/.test(t.name)), 'a threads request listing the server');
  const serverPid = pidOf(serverThread);
  assert.equal(procState(serverPid), 'S', 'the thread names the real server process');

  const stopped: DebugProtocol.StoppedEvent[] = [];
  dc.on('stopped', (e: DebugProtocol.StoppedEvent) => stopped.push(e));
  assert.equal((await runClients({ port, count: 2 })).ok, 2);
  const zombies = await pollThreads((list) => {
    const z = list.filter((t) => / zombie_server \[zombie\]$/.test(t.name));
    return z.length === 2 ? z : undefined;
  }, 'two [zombie] threads');
  for (const z of zombies) {
    assert.notEqual(z.id, pidOf(z), 'thread ids are not pids');
    assert.equal(procState(pidOf(z)), 'Z', `/proc says pid ${pidOf(z)} is a zombie`);
  }
  await eventually(() => (stopped.length >= 2 ? true : undefined), 5_000, 'a stopped event for each zombie');
  assert.ok(stopped.every((e) => e.body.reason === 'zombie' && e.body.preserveFocusHint === true && e.body.allThreadsStopped === false));

  const frames = (await dc.stackTraceRequest({ threadId: zombies[0].id })).body.stackFrames;
  const forkLine = lineOf(ZOMBIE_SERVER_C, 'pid_t pid = fork();');
  const forkFrame = frames.find((f) => f.source?.path === ZOMBIE_SERVER_C && f.line === forkLine && /^fork\(\)/.test(f.name));
  assert.ok(forkFrame, `a fork() frame at zombie_server.c:${forkLine}; got ${JSON.stringify(frames.map((f) => [f.name, f.source?.path, f.line]))}`);
  assert.match(forkFrame.name, new RegExp(`created pid ${pidOf(zombies[0])}`));
  // The server never waits: the finding's line is the fork too, and it comes first.
  assert.match(frames[0].name, /zombie leak/);
  assert.equal(frames[0].line, forkLine);
  const vars = (await dc.variablesRequest({ variablesReference: (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes[0].variablesReference })).body
    .variables;
  assert.match(vars.find((v) => v.name === 'finding')?.value ?? '', /never calls wait/);
  const serverFrames = (await dc.stackTraceRequest({ threadId: serverThread.id })).body.stackFrames;
  assert.equal(serverFrames.length, 1);
  assert.equal(serverFrames[0].source, undefined);
  assert.match(serverFrames[0].name, /traced program itself/);

  await assert.rejects(dc.pauseRequest({ threadId: serverThread.id }), /Fork Trace cannot pause a traced program/);
  await assert.rejects(dc.nextRequest({ threadId: serverThread.id }), /cannot step/);
  await assert.rejects(dc.continueRequest({ threadId: zombies[0].id }), /is a zombie/);

  const named = [serverThread, ...zombies].map(pidOf);
  const identities = named.map(processIdentity).filter((x): x is string => x !== null);
  assert.equal(identities.length, 3);
  const terminated = dc.waitForEvent('terminated');
  await dc.terminateRequest({});
  await terminated;
  assert.match(output, /Stopped: .* 3 processes, \d+ running, 2 zombies at end/);
  assert.match(output, new RegExp(`zombie-leak ${ZOMBIE_SERVER_C.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${forkLine}`));
  await assertAllGone(identities, 5_000);
});

test('a program that ends on its own ends the session: exited, then terminated, with the summary', async () => {
  const exited = dc.waitForEvent('exited', 20_000);
  const terminated = dc.waitForEvent('terminated', 20_000);
  const started: number[] = [];
  const gone: number[] = [];
  dc.on('thread', (e: DebugProtocol.ThreadEvent) => (e.body.reason === 'started' ? started : gone).push(e.body.threadId));
  await dc.launch(launchArgs('double_fork_daemon', ['0.3']));
  const exit = (await exited) as DebugProtocol.ExitedEvent;
  await terminated;
  assert.equal(exit.body.exitCode, 0);
  assert.match(output, /parent reaped child/);
  assert.match(output, /double_fork_daemon exited with code 0; the trace is over\. 3 processes/);
  assert.match(output, /info orphan-adopted/);
  assert.ok(started.length >= 1, 'processes appeared as threads');
  // The daemon leaves the list once reaped; an init that reaps late still holds its zombie at the end.
  assert.ok(gone.length >= 1 || /ZOMBIE|is still a zombie/.test(output), 'reaped processes left the thread list');
});

test("a double fork's daemon, in the default mode, has the second fork's line as its Call Stack frame", async () => {
  await dc.launch(launchArgs('double_fork_daemon', ['3']));
  const pid = Number((await eventually(() => /daemon pid (\d+)/.exec(output) ?? undefined, 10_000, 'the daemon to start'))[1]);
  const daemon = await pollThreads((list) => list.find((t) => pidOf(t) === pid), 'the daemon in the thread list');
  const source = join(EXAMPLES, 'double_fork_daemon.c');
  // Both forks are in main: following main's flow from the child's start singles out the second.
  const frames = (await dc.stackTraceRequest({ threadId: daemon.id })).body.stackFrames;
  const fork = frames.find((f) => f.name.startsWith('fork()'));
  assert.ok(fork, `a fork() frame; got ${JSON.stringify(frames.map((f) => f.name))}`);
  assert.equal(fork?.name, `fork() in main — created pid ${pid}`);
  assert.equal(fork?.source?.path, source);
  assert.equal(fork?.line, lineOf(source, 'second fork: the daemon'));
  const terminated = dc.waitForEvent('terminated');
  await dc.terminateRequest({});
  await terminated;
});

test('restart stops the whole tree and launches the same program again', async () => {
  await dc.launch(launchArgs('zombie_server'));
  await waitForPort();
  const first = await pollThreads((list) => list.find((t) => / zombie_server \[running\]$/.test(t.name)), 'the first server');
  const firstIdentity = processIdentity(pidOf(first));
  assert.ok(firstIdentity);
  output = '';
  await dc.restartRequest({});
  await waitForPort();
  const second = await pollThreads((list) => list.find((t) => / zombie_server \[running\]$/.test(t.name) && t.id !== first.id), 'the restarted server');
  assert.notEqual(pidOf(second), pidOf(first));
  await assertAllGone([firstIdentity], 5_000);
  assert.ok(!(await threads()).some((t) => t.id === first.id), 'the old server left the thread list');
});

test("a line typed in the Debug Console goes to the program's stdin", async () => {
  await dc.launch({ program: 'cat', cwd: EXAMPLES } satisfies ForkTraceLaunchArgs);
  await pollThreads((list) => list.find((t) => / cat \[running\]$/.test(t.name)), 'cat');
  await dc.evaluateRequest({ expression: 'hello from the console', context: 'repl' });
  await eventually(() => (output.includes('hello from the console\n') ? true : undefined), 5_000, 'the echo from cat');
  await assert.rejects(dc.evaluateRequest({ expression: 'x', context: 'watch' }), /no expressions/);
});

test('launching a missing program is an error response that says it was not found', async () => {
  await assert.rejects(dc.launch(launchArgs('no_such_program')), /not found/);
  await assert.rejects(dc.launch({ program: 'no-such-program-anywhere' }), /not found on PATH/);
});

test('stopOnEntry is refused with the reason', async () => {
  await assert.rejects(dc.launch({ ...launchArgs('zombie_server'), stopOnEntry: true }), /cannot stop on entry/);
});

test('attach to a running zombie_server with 3 zombies: they show at once, marked before the trace; disconnect detaches and it still serves', async () => {
  // Started untraced, by the test: a server that was already running, full of zombies.
  const server = spawn(join(EXAMPLES, 'zombie_server'), ['0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const serverPid = server.pid!;
  try {
    const port = Number((await waitForOutput(server.stdout!, /listening on 127\.0\.0\.1:(\d+)/))[1]);
    assert.equal((await runClients({ port, count: 3 })).ok, 3);
    const zombiePids = await eventually(
      () => {
        const z = [...(procChildren(serverPid) ?? [])].filter((pid) => procState(pid) === 'Z');
        return z.length === 3 ? z.sort((a, b) => a - b) : undefined;
      },
      5_000,
      '3 zombies of the server in /proc',
    );
    assert.equal(readProcStatus(serverPid)?.tracerPid, 0, 'untraced before the attach');

    await dc.initializeRequest();
    // As ${command:pickProcess} gives it: a string.
    await dc.attachRequest({ processId: String(serverPid) } as DebugProtocol.AttachRequestArguments);
    assert.match(output, new RegExp(`Attached to pid ${serverPid} with strace`));
    // At once, from /proc: the server and its 3 zombies, each marked as there before the trace.
    const before = await pollThreads((list) => {
      const z = list.filter((t) => / \[zombie\] \(before the trace\)$/.test(t.name));
      return z.length === 3 ? z : undefined;
    }, 'three [zombie] (before the trace) threads');
    assert.deepEqual(
      before.map(pidOf).sort((a, b) => a - b),
      zombiePids,
      'the zombies /proc shows',
    );
    const serverThread = (await threads()).find((t) => pidOf(t) === serverPid);
    assert.match(serverThread?.name ?? '', new RegExp(`^${serverPid} .*zombie_server.* \\[running\\] \\(before the trace\\)$`));
    assert.equal(readProcStatus(serverPid)?.tracerPid !== 0, true, 'traced while attached');

    // The Variables of a zombie from before: marked, its exit time unknown.
    const frames = (await dc.stackTraceRequest({ threadId: before[0].id })).body.stackFrames;
    const scope = (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes[0];
    const vars = (await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
    assert.match(vars.find((v) => v.name === 'before')?.value ?? '', /before the trace/);
    assert.match(vars.find((v) => v.name === 'zombie')?.value ?? '', /zombie since before the trace \(its exit time is unknown\)/);
    // zombie_server has one fork(): the fork it made before the trace is that line, inferred.
    const forkFrame = frames.find((f) => f.name.startsWith('fork()'));
    assert.equal(forkFrame?.name, `fork() in main — created pid ${pidOf(before[0])} before the trace (inferred: the only call that makes processes)`);
    assert.equal(forkFrame?.line, lineOf(ZOMBIE_SERVER_C, 'pid_t pid = fork();'));

    // The toolbar's Stop on an attach: disconnect. It detaches; nothing is killed.
    const terminated = dc.waitForEvent('terminated');
    await dc.disconnectRequest({});
    await terminated;
    assert.match(output, new RegExp(`Detaching from pid ${serverPid}: it keeps running, untraced`));
    assert.match(output, /Detached from .*: the picture was taken, and it keeps running, untraced\./);
    await eventually(() => readProcStatus(serverPid)?.tracerPid === 0 || undefined, 5_000, 'TracerPid 0 after the detach');
    assert.equal(procState(serverPid) !== 'Z' && procState(serverPid) !== null, true, 'the server still runs');
    assert.equal((await runClients({ port, count: 1 })).ok, 1, 'and still serves a new connection');
  } finally {
    server.kill('SIGKILL');
  }
});

test('attached while it forks: a child strace never followed is a thread named (untraced), with an untraced variable that says why', async () => {
  buildPrograms();
  await dc.initializeRequest();
  // A child every 2 ms for 3 s or more: still forking when the adapter gets to attach.
  const proc = spawn(join(PROGRAMS, 'steady_forks'), ['1500'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const pid = proc.pid!;
  try {
    const forked = waitForOutput(proc.stdout!, /forked 1500\n/, 60_000);
    await dc.attachRequest({ processId: String(pid) } as DebugProtocol.AttachRequestArguments);
    await forked;
    const untraced = await pollThreads((list) => {
      const u = list.filter((t) => / \[running\] \(untraced\)$/.test(t.name));
      return u.length > 0 ? u : undefined;
    }, 'a [running] (untraced) thread');
    for (const t of untraced) assert.equal(readProcStatus(pidOf(t))?.tracerPid, 0, `strace does not follow ${pidOf(t)}`);
    const frames = (await dc.stackTraceRequest({ threadId: untraced[0].id })).body.stackFrames;
    const scope = (await dc.scopesRequest({ frameId: frames[0].id })).body.scopes[0];
    const vars = (await dc.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
    assert.match(vars.find((v) => v.name === 'untraced')?.value ?? '', /^not traced: forked as strace attached/);
    assert.equal(
      vars.some((v) => v.name === 'before'),
      false,
    );
    const terminated = dc.waitForEvent('terminated');
    await dc.disconnectRequest({});
    await terminated;
  } finally {
    try {
      process.kill(-pid, 'SIGKILL'); // its children too: they wait in pause()
    } catch {
      /* gone */
    }
  }
});

async function pollThreads<T>(pick: (list: DebugProtocol.Thread[]) => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = pick(await threads());
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; threads: ${JSON.stringify(await threads())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
