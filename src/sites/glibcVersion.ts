// The C library this process runs on (major*1000+minor), read cheaply: the libc named in
// /proc/self/maps, its version from its file name (libc-2.31.so) or from the banner every
// glibc carries ("GNU C Library (…) stable release version 2.36."). Node's own answer,
// process.report.getReport(), took 20–50 ms: it was most of a live trace's first
// snapshot. That stays the fallback. SiteResolver.prepare() asks first, ahead of any snapshot.
import { readFileSync } from 'node:fs';

const BANNER = Buffer.from('release version ');

/** libc's path among the mappings of /proc/PID/maps text, or null (musl, static, not Linux). */
export function libcPathOf(maps: string): string | null {
  const m = /\s(\/\S*\/libc(?:\.so\.6|-\d+\.\d+\.so))$/m.exec(maps);
  return m ? m[1] : null;
}

/** The version in a libc's file name (libc-2.31.so) or its banner, or null. */
export function glibcVersionOf(path: string, bytes: () => Uint8Array): number | null {
  const named = /libc-(\d+)\.(\d+)\.so$/.exec(path);
  if (named) return Number(named[1]) * 1000 + Number(named[2]);
  const data = bytes();
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const at = buf.indexOf(BANNER);
  if (at < 0) return null;
  const m = /^(\d+)\.(\d+)/.exec(buf.toString('latin1', at + BANNER.length, at + BANNER.length + 16));
  return m ? Number(m[1]) * 1000 + Number(m[2]) : null;
}

function fromReport(): number | null {
  const report = process.report?.getReport() as unknown as { header?: { glibcVersionRuntime?: string } } | undefined;
  const m = /^(\d+)\.(\d+)/.exec(report?.header?.glibcVersionRuntime ?? '');
  return m ? Number(m[1]) * 1000 + Number(m[2]) : null;
}

let cached: number | null | undefined;
/** This machine's glibc (major*1000+minor), or null for another C library. Never throws. */
export function glibcVersion(): number | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const path = libcPathOf(readFileSync('/proc/self/maps', 'latin1'));
    cached = path ? glibcVersionOf(path, () => readFileSync(path)) : null;
    if (cached === null && path) cached = fromReport();
  } catch {
    try {
      cached = fromReport();
    } catch {
      // unknown: treated as a modern libc
    }
  }
  return cached;
}
