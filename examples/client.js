#!/usr/bin/env node
// Loopback client for the teaching servers: opens N connections, each sends
// one line, waits for the echo, optionally holds the connection, then closes.
// With --parallel P the connections run in batches of P that close together,
// so P server children exit at nearly the same moment: that is what exposes
// SIGCHLD coalescing in reap_once_server.
//
//   node examples/client.js PORT [--count N] [--parallel P] [--message TEXT]
//                                [--hold MS] [--host ADDR] [--timeout MS]
//
// Prints "connections N ok K failed F"; exit status 1 if any failed.
// From Node: const { runClients } = require('./client.js');
//            await runClients({ port, count, parallel, message, holdMs });
'use strict';

const net = require('net');

// One connection up to the point where its echo came back; close() ends it.
function openAndEcho(host, port, message, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const expected = message + '\n';
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(expected));
    socket.on('data', (chunk) => {
      received += chunk;
      if (received.length >= expected.length) {
        clearTimeout(timer);
        socket.removeAllListeners('data');
        if (received === expected) resolve(socket);
        else {
          socket.destroy();
          reject(new Error(`bad echo ${JSON.stringify(received)}`));
        }
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error('closed before the echo'));
    });
  });
}

// Half-close (the server child sees EOF and exits), then wait for its close.
function closeGracefully(socket, timeoutMs) {
  return new Promise((resolve) => {
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
    socket.on('error', () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, timeoutMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.resume(); // drain, so the server's FIN is read and 'close' fires
    socket.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `count` connections against host:port, at most `parallel` at once.
 * Each batch connects, waits until every member has its echo, holds for
 * `holdMs`, then closes all members in the same tick.
 * @returns {Promise<{ok: number, failed: number, errors: string[]}>}
 */
async function runClients({ port, host = '127.0.0.1', count = 1, parallel = 1, message = 'hello', holdMs = 0, timeoutMs = 5000 } = {}) {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new RangeError(`bad port ${port}`);
  }
  const batchSize = Math.max(1, Math.floor(parallel));
  let ok = 0;
  let failed = 0;
  const errors = [];
  for (let started = 0; started < count; started += batchSize) {
    const size = Math.min(batchSize, count - started);
    const results = await Promise.allSettled(Array.from({ length: size }, () => openAndEcho(host, port, message, timeoutMs)));
    if (holdMs > 0) await sleep(holdMs);
    // All ends are issued in one tick: the children see EOF together.
    const closes = results.map((r) => (r.status === 'fulfilled' ? closeGracefully(r.value, timeoutMs) : Promise.resolve(false)));
    const closed = await Promise.all(closes);
    results.forEach((r, i) => {
      if (r.status === 'fulfilled' && closed[i]) ok++;
      else {
        failed++;
        errors.push(r.status === 'rejected' ? String(r.reason.message) : 'close timed out');
      }
    });
  }
  return { ok, failed, errors };
}

function parseArgs(argv) {
  const usage = 'usage: client.js PORT [--count N] [--parallel P] [--message TEXT] [--hold MS]' + ' [--host ADDR] [--timeout MS]';
  const opts = { count: 1, parallel: 1, message: 'hello', holdMs: 0 };
  const numeric = { '--count': 'count', '--parallel': 'parallel', '--hold': 'holdMs', '--timeout': 'timeoutMs' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg in numeric || arg === '--message' || arg === '--host') {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value\n${usage}`);
      const value = argv[++i];
      if (arg === '--message') opts.message = value;
      else if (arg === '--host') opts.host = value;
      else {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw new Error(`${arg} wants a whole number\n${usage}`);
        opts[numeric[arg]] = n;
      }
    } else if (opts.port === undefined && /^\d+$/.test(arg)) {
      opts.port = Number(arg);
    } else {
      throw new Error(`unexpected argument ${JSON.stringify(arg)}\n${usage}`);
    }
  }
  if (opts.port === undefined) throw new Error(usage);
  if (opts.message.includes('\n')) throw new Error('--message must be one line');
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
  const { ok, failed, errors } = await runClients(opts);
  for (const e of new Set(errors)) console.error(`client: ${e}`);
  console.log(`connections ${ok + failed} ok ${ok} failed ${failed}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

module.exports = { runClients };

if (require.main === module) {
  main().catch((err) => {
    console.error(err.stack || String(err));
    process.exit(1);
  });
}
