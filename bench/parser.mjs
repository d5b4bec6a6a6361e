#!/usr/bin/env node
// Parser throughput and peak memory of `forktrace analyze` on a real strace log of at
// least 500,000 lines, side by side with the peer strace-process-tree when it is
// given; then a correctness comparison on a log where two processes share one pid.
//
//   node bench/parser.mjs     BENCH_RUNS (default 7), BENCH_PARSER_LINES (default 500000),
//                             STRACE_PROCESS_TREE=/path/to/strace_process_tree.py (the peer)
//
// The big log is recorded by the bench itself (examples/reap_loop_server under plain
// `strace -f -ttt`, every syscall, while a loopback client connects until the log is
// long enough) and cached in the temporary directory between runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  benchEnv,
  build,
  childrenOf,
  cliPath,
  envInt,
  exited,
  fmtRate,
  killTagged,
  now,
  pidReusePath,
  finishBench,
  runIfMain,
  root,
  runClients,
  serverPath,
  startListening,
  stats,
  stopChild,
  straceInfo,
  table,
  within,
} from './lib.mjs';

/** forktrace analyze --json (the JSON written) against the peer (issue 20). */
export const TARGET_SPEEDUP = 5;
const leanTreePath = join(root, 'bench', 'leanTree.mjs');
const CACHE_DIR = join(tmpdir(), 'forktrace-bench');

function countLines(file) {
  const r = spawnSync('wc', ['-l', file], { encoding: 'utf8' });
  return Number(r.stdout.trim().split(/\s+/)[0]) || 0;
}

/** The big log: cached by size (and strace version), recorded again when it does not match. */
async function bigLog(minLines) {
  mkdirSync(CACHE_DIR, { recursive: true });
  const log = join(CACHE_DIR, 'reap_loop_server-strace-full.log');
  const metaFile = `${log}.meta.json`;
  const version = straceInfo().version;
  try {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    if (meta.size === statSync(log).size && meta.lines >= minLines && meta.strace === version) {
      return { log, ...meta, cached: true };
    }
  } catch {
    /* no cache yet */
  }
  rmSync(metaFile, { force: true });
  const started = now();
  process.stdout.write(`   recording a log of >= ${minLines} lines: strace -f -ttt -o ${log} -- ${relative(root, serverPath)} ...`);
  const { child, port } = await startListening('strace', ['-f', '-ttt', '-o', log, '--', serverPath]);
  let connections = 0;
  try {
    const batch = 2000;
    // strace buffers a little: stop only once the file itself is long enough, with a margin.
    while (countLines(log) < minLines * 1.01) {
      const r = await runClients({ port, count: batch, parallel: 1 });
      if (r.failed > 0) throw new Error(`recording the log: ${r.failed} connections failed`);
      connections += batch;
    }
  } finally {
    const server = childrenOf(child.pid)[0];
    if (server) process.kill(server, 'SIGTERM');
    const r = await within(exited(child), 20_000);
    if (!r) await stopChild(child, 'SIGKILL', 5_000);
  }
  const lines = countLines(log);
  const size = statSync(log).size;
  const meta = { size, lines, connections, strace: version };
  writeFileSync(metaFile, `${JSON.stringify(meta)}\n`);
  process.stdout.write(` ${connections} connections, ${lines} lines, ${((now() - started) / 1000).toFixed(1)} s\n`);
  return { log, ...meta, cached: false };
}

const hasTime = existsSync('/usr/bin/time') && !process.env.BENCH_NO_TIME;

/**
 * Runs a command (stdout discarded), timing it and measuring its peak RSS: through
 * /usr/bin/time -f %M when present, else through a wrapper that asks the process itself.
 */
async function measure(kind, args, tmp) {
  let cmd;
  let argv;
  const rssFile = join(tmp, 'rss.txt');
  rmSync(rssFile, { force: true });
  const base = kind === 'node' ? [process.execPath, args] : ['python3', args];
  if (hasTime) {
    cmd = '/usr/bin/time';
    argv = ['-f', '%M', '-o', rssFile, base[0], ...base[1]];
  } else if (kind === 'node' && args[0] !== cliPath) {
    // A yardstick: timed only (the wrapper loads CommonJS scripts such as dist/cli.js).
    cmd = process.execPath;
    argv = args;
  } else if (kind === 'node') {
    cmd = process.execPath;
    argv = [join(root, 'bench', 'rss-wrapper.mjs'), ...args];
  } else {
    cmd = 'python3';
    const code = [
      'import atexit, resource, runpy, sys',
      'sys.argv = sys.argv[1:]',
      "atexit.register(lambda: sys.stderr.write('\\nFORKTRACE_BENCH_MAXRSS_KB %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))",
      "runpy.run_path(sys.argv[0], run_name='__main__')",
    ].join('\n');
    argv = ['-c', code, ...args];
  }
  const t0 = now();
  const child = spawn(cmd, argv, { cwd: root, env: benchEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (err = (err + d).slice(-50_000)));
  const { code, signal } = await exited(child);
  const seconds = (now() - t0) / 1000;
  let rssKb;
  if (hasTime) {
    const text = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n') : [];
    rssKb = Number(text[text.length - 1]) || null;
  } else {
    const m = [...err.matchAll(/FORKTRACE_BENCH_MAXRSS_KB (\d+)/g)].pop();
    rssKb = m ? Number(m[1]) : null;
  }
  return { seconds, rssKb, code: code ?? signal, err };
}

/** Runs a command to completion and returns its stdout (for the untimed correctness runs). */
function capture(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, env: { ...benchEnv, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Records test/programs/pid_reuse; resolves with the log and the reused pid, or a reason to skip. */
function pidReuseLog(tmp) {
  const log = join(tmp, 'pid_reuse.log');
  for (let attempt = 1; attempt <= 5; attempt++) {
    const r = capture('strace', ['-f', '-ttt', '-o', log, '--', pidReusePath]);
    const m = /same pid (\d+)/.exec(r.stdout);
    if (r.code === 0 && m) return { log, pid: Number(m[1]) };
    if (/cannot write/.test(r.stdout)) return { skip: r.stdout.trim() };
  }
  return { skip: 'pid_reuse never got its pid back in 5 attempts (a busy machine)' };
}

export async function main({ runs = envInt('BENCH_RUNS', 7), minLines = envInt('BENCH_PARSER_LINES', 500_000), standalone = true } = {}) {
  build();
  const started = now();
  const peer = process.env.STRACE_PROCESS_TREE || null;
  const tmp = mkdtempSync(join(tmpdir(), 'forktrace-bench-parser-'));
  const result = { runs };
  try {
    console.log(`\n== Parser throughput: forktrace analyze on a real strace -f -ttt log (every syscall), ${runs} runs, interleaved with the peer`);
    const big = await bigLog(minLines);
    const mb = big.size / 1e6;
    console.log(`   log: ${big.log} (${big.cached ? 'cached' : 'recorded now'}): ${big.lines} lines, ${mb.toFixed(1)} MB, ${big.connections} connections`);
    console.log(`   peak RSS via ${hasTime ? '/usr/bin/time -f %M' : 'bench/rss-wrapper.mjs (process.resourceUsage().maxRSS) / Python resource.getrusage'}`);
    if (peer && !existsSync(peer)) throw new Error(`STRACE_PROCESS_TREE=${peer} does not exist`);

    const ours = [];
    const oursJson = [];
    // BENCH_BASELINE_CLI=/path/to/an/older/dist/cli.js: its analyze --json too, for a before/after under one load.
    const baseline = process.env.BENCH_BASELINE_CLI || null;
    const baselineJson = [];
    const theirs = [];
    // Yardsticks, interleaved too: what Node costs before any work, and the leanest tree
    // JavaScript can build from this log (bench/leanTree.mjs: pids, exits and reaps only).
    const starts = [];
    const leans = [];
    for (let r = 0; r < runs; r++) {
      starts.push(await measure('node', ['-e', '0'], tmp));
      leans.push(await measure('node', [leanTreePath, big.log], tmp));
      // Both tools print their process tree: the same job, side by side.
      const o = await measure('node', [cliPath, 'analyze', '--no-color', big.log], tmp);
      if (o.code !== 0) throw new Error(`forktrace analyze exited with ${o.code}: ${o.err.trim().slice(-500)}`);
      ours.push(o);
      const jsonFile = join(tmp, 'run.json');
      const oj = await measure('node', [cliPath, 'analyze', '--no-color', '--json', jsonFile, big.log], tmp);
      if (oj.code !== 0) throw new Error(`forktrace analyze --json exited with ${oj.code}: ${oj.err.trim().slice(-500)}`);
      rmSync(jsonFile, { force: true });
      oursJson.push(oj);
      if (baseline) {
        const b = await measure('node', [baseline, 'analyze', '--no-color', '--json', jsonFile, big.log], tmp);
        rmSync(jsonFile, { force: true });
        baselineJson.push(b);
      }
      let line = `   run ${r + 1}/${runs} forktrace ${o.seconds.toFixed(3)} s ${o.rssKb ? `${(o.rssKb / 1024).toFixed(0)} MiB` : ''}, --json ${oj.seconds.toFixed(3)} s ${oj.rssKb ? `${(oj.rssKb / 1024).toFixed(0)} MiB` : ''}`;
      if (peer) {
        const p = await measure('python', [peer, big.log], tmp);
        theirs.push(p);
        line += `   peer ${p.seconds.toFixed(3)} s ${p.rssKb ? `${(p.rssKb / 1024).toFixed(0)} MiB` : ''}${p.code !== 0 ? ` (exit ${p.code}: ${p.err.trim().split('\n').pop()})` : ''}`;
      }
      console.log(line);
    }

    const row = (name, xs) => {
      const st = stats(xs.map((x) => x.seconds));
      const rss = xs.map((x) => x.rssKb).filter(Boolean);
      const rssMiB = rss.length ? Math.max(...rss) / 1024 : null;
      return { name, ...st, linesPerSec: big.lines / st.median, mbPerSec: mb / st.median, rssMiB };
    };
    const o = row('forktrace analyze', ours);
    result.ours = o;
    const oj = row('forktrace analyze --json FILE', oursJson);
    result.oursJson = oj;
    const rows = [o, oj];
    if (baseline) {
      result.baselineJson = row('analyze --json, BENCH_BASELINE_CLI', baselineJson);
      rows.push(result.baselineJson);
    }
    let peerFailed = false;
    if (peer) {
      peerFailed = theirs.some((x) => x.code !== 0);
      result.peer = row('peer strace-process-tree', theirs);
      rows.push(result.peer);
    }
    rows.push({ ...row('yardstick: node -e 0', starts), readsLog: false }, row('yardstick: bench/leanTree.mjs', leans));
    console.log(`\n${big.lines} lines, ${mb.toFixed(1)} MB:`);
    console.log(
      table(
        ['tool', 'median s', 'min s', 'max s', 'lines/s', 'MB/s', 'peak RSS MiB'],
        rows.map((x) => [
          x.name,
          x.median.toFixed(3),
          x.min.toFixed(3),
          x.max.toFixed(3),
          x.readsLog === false ? '-' : fmtRate(x.linesPerSec),
          x.readsLog === false ? '-' : x.mbPerSec.toFixed(1),
          x.rssMiB === null ? '-' : x.rssMiB.toFixed(0),
        ]),
      ),
    );

    // What each tool made of the big log (untimed).
    const json = join(tmp, 'big.json');
    capture(process.execPath, [cliPath, 'analyze', '--no-color', '--json', json, big.log]);
    const snap = JSON.parse(readFileSync(json, 'utf8'));
    console.log(
      `   forktrace: ${snap.processes.length} processes (${snap.summary.processes} seen; the log's server took ${big.connections} connections: ${big.connections + 1} expected), ${snap.warnings.length} warning(s)`,
    );
    result.processes = snap.summary.processes;
    rmSync(json, { force: true });

    // Where the time goes: one more run, with FORKTRACE_TIMINGS (src/tracer/timings.ts).
    const timingsFile = join(tmp, 'timings.json');
    capture(process.execPath, [cliPath, 'analyze', '--no-color', '--json', json, big.log], { FORKTRACE_TIMINGS: timingsFile });
    rmSync(json, { force: true });
    const t = JSON.parse(readFileSync(timingsFile, 'utf8'));
    const busy = t.stages.reduce((sum, x) => sum + x.ms, 0);
    console.log(
      `\nWhere analyze --json's time goes (one more run, FORKTRACE_TIMINGS; wall ${(t.wallMs / 1000).toFixed(3)} s after Node started, CPU ${((t.cpuUserMs + t.cpuSystemMs) / 1000).toFixed(3)} s):`,
    );
    console.log(
      table(
        ['stage', 'ms', 'calls'],
        [...t.stages.sort((x, y) => y.ms - x.ms).map((x) => [x.stage, x.ms.toFixed(1), String(x.calls)]), ['(the rest)', (t.wallMs - busy).toFixed(1), '']],
      ),
    );
    result.breakdown = t;

    if (peer) {
      result.ratioNoJson = result.peer.median / o.median;
      const ratio = result.peer.median / oj.median;
      result.ratio = ratio;
      result.targetMet = !peerFailed && ratio >= TARGET_SPEEDUP;
      result.targetLine = `target: peer/forktrace analyze --json = ${ratio.toFixed(2)}x >= ${TARGET_SPEEDUP}x: ${result.targetMet ? 'MET' : 'MISSED'} (without --json ${result.ratioNoJson.toFixed(2)}x)${peerFailed ? ' (the peer failed on this log)' : ''}`;
      const out = capture('python3', [peer, '-A', '-C', big.log]);
      result.peerProcesses = out.stdout.split('\n').filter(Boolean).length;
      console.log(
        `   peer: ${result.peerProcesses} processes in its tree (one per pid: a reused pid's processes are merged)${out.code !== 0 ? `, exit ${out.code}` : ''}`,
      );
      console.log(result.targetLine);
      const lean = rows.find((x) => x.name === 'yardstick: bench/leanTree.mjs');
      result.leanRatio = result.peer.median / lean.median;
      result.leanLine = `yardstick: the leanest JavaScript tree of this log (no times, zombies, lines or findings) is ${result.leanRatio.toFixed(1)}x the peer; Node starts in ${rows.find((x) => x.name === 'yardstick: node -e 0').median.toFixed(3)} s`;
      console.log(result.leanLine);
    } else {
      result.targetLine = 'peer: skipped (set STRACE_PROCESS_TREE=/path/to/strace_process_tree.py)';
      console.log(result.targetLine);
    }

    // Correctness: two processes with one pid.
    console.log('\n== Correctness: pid reuse (test/programs/pid_reuse under strace -f -ttt)');
    const reuse = pidReuseLog(tmp);
    if (reuse.skip) {
      result.pidReuseLine = `pid reuse: skipped (${reuse.skip})`;
      console.log(result.pidReuseLine);
    } else {
      const j = join(tmp, 'pid_reuse.json');
      capture(process.execPath, [cliPath, 'analyze', '--no-color', '--json', j, reuse.log]);
      const procs = JSON.parse(readFileSync(j, 'utf8')).processes.filter((p) => p.pid === reuse.pid);
      const oursLine = `forktrace: ${procs.length} process(es) with pid ${reuse.pid} (ids ${procs.map((p) => `${p.id} exit ${p.exit?.code ?? '?'}`).join(', ')})`;
      let peerLine = 'peer: skipped';
      if (peer) {
        const out = capture('python3', [peer, '-A', '-C', reuse.log]);
        const mention = new RegExp(`(^|[^\\d.])${reuse.pid}([^\\d.]|$)`);
        const lines = out.stdout.split('\n').filter((l) => mention.test(l));
        peerLine = `peer: ${lines.length} line(s) mention pid ${reuse.pid}${lines.length === 1 ? ' (the two processes merged into one)' : ''}${out.code !== 0 ? ` (exit ${out.code})` : ''}`;
        console.log(
          out.stdout
            .trimEnd()
            .split('\n')
            .map((l) => `   peer| ${l}`)
            .join('\n'),
        );
        result.pidReusePeer = lines.length;
      }
      result.pidReuseOurs = procs.length;
      result.pidReuseLine = `pid reuse (expected 2): ${oursLine}; ${peerLine}`;
      console.log(`${oursLine}\n${peerLine}`);
    }
  } finally {
    await killTagged();
    rmSync(tmp, { recursive: true, force: true });
  }
  await finishBench('parser', started, standalone);
  return result;
}

runIfMain(import.meta.url, 'parser', main);
