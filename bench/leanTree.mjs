#!/usr/bin/env node
// A yardstick, not part of Fork Trace: the leanest fork tree JavaScript can build from a
// `strace -f -ttt` log, to show what Node itself costs on the parser bench's log.
//
//   node bench/leanTree.mjs LOG
//
// It reads pids, clone results (finished or resumed), exits and reaping wait4s at byte
// level, and prints the tree with at most 200 children per parent, as `forktrace analyze`
// does. It knows nothing else: no times, zombie intervals, threads, execs, signals,
// source lines or findings, no damaged-line warnings, and a reused pid is simply a new
// node once the old one was reaped. Whatever forktrace adds to this costs time on top.
import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 1 << 20;
const SHOWN = 200;

/** The decimal number at the end of a `... = N` result, or 0. */
function result(buf, start, end) {
  const eq = buf.lastIndexOf(61, end); // '='
  if (eq < start || buf[end - 1] === 62) return 0; // '>': an unfinished call
  let n = 0;
  for (let q = eq + 2; q < end && buf[q] >= 48 && buf[q] <= 57; q++) n = n * 10 + buf[q] - 48;
  return n;
}

export function leanTree(path) {
  const roots = [];
  const live = new Map();
  const node = (pid) => {
    let p = live.get(pid);
    if (!p) {
      p = { pid, children: [], exit: null, reapedBy: 0, parented: false };
      live.set(pid, p);
      roots.push(p);
    }
    return p;
  };
  const forked = (parent, child) => {
    if (child <= 0) return;
    const c = node(child);
    c.parented = true;
    node(parent).children.push(c);
  };
  const reaped = (by, pid) => {
    const c = pid > 0 && live.get(pid);
    if (c) {
      c.reapedBy = by;
      live.delete(pid);
    }
  };
  const line = (buf, i, e) => {
    let pid = 0;
    let k = i;
    for (let c = buf[k]; c >= 48 && c <= 57; c = buf[++k]) pid = pid * 10 + c - 48;
    k = buf.indexOf(32, k + 1) + 1; // past the timestamp
    if (k <= 0 || k >= e) return;
    const a = buf[k];
    const b = buf[k + 1];
    if (a === 99 && b === 108 && buf[k + 2] === 111)
      forked(pid, result(buf, k, e)); // clone, clone3
    else if (a === 119 && b === 97 && buf[k + 2] === 105)
      reaped(pid, result(buf, k, e)); // wait4
    else if (a === 60 && b === 46) {
      // <... NAME resumed>
      if (buf[k + 5] === 99 && buf[k + 6] === 108) forked(pid, result(buf, k, e));
      else if (buf[k + 5] === 119 && buf[k + 6] === 97) reaped(pid, result(buf, k, e));
    } else if (a === 43 && b === 43) node(pid).exit = buf.latin1Slice(k + 4, e - 4); // +++ exited with N +++
  };

  const fd = openSync(path, 'r');
  let buf = Buffer.allocUnsafe(CHUNK);
  let held = 0;
  let lines = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, held, buf.length - held, null);
      const end = held + n;
      let i = 0;
      for (let j = buf.indexOf(10, 0); j >= 0 && j < end; j = buf.indexOf(10, i)) {
        line(buf, i, j);
        lines++;
        i = j + 1;
      }
      if (n === 0) {
        if (i < end) {
          line(buf, i, end);
          lines++;
        }
        break;
      }
      held = end - i;
      if (held === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      buf.copy(buf, 0, i, end);
    }
  } finally {
    closeSync(fd);
  }

  const out = [];
  const walk = (p, depth) => {
    out.push(`${'  '.repeat(depth)}${p.pid} ${p.exit ?? 'running'}${p.reapedBy ? ` reaped by ${p.reapedBy}` : ''}`);
    p.children.slice(0, SHOWN).forEach((c) => walk(c, depth + 1));
    if (p.children.length > SHOWN) out.push(`${'  '.repeat(depth + 1)}… ${p.children.length - SHOWN} more children`);
  };
  let processes = 0;
  for (const p of roots) {
    processes++;
    if (!p.parented) walk(p, 0);
  }
  return { text: `${out.join('\n')}\n`, lines, processes };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const { text, lines, processes } = leanTree(process.argv[2]);
  process.stdout.write(text);
  process.stderr.write(`${lines} lines, ${processes} processes\n`);
}
