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

/** "2.36…" as 2036 (major*1000+minor), or null. */
function versionNumber(text: string): number | null {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : null;
}

/** The version in a libc's file name (libc-2.31.so) or its banner, or null. */
export function glibcVersionOf(path: string, bytes: () => Buffer): number | null {
  const named = /libc-(\d+\.\d+)\.so$/.exec(path);
  if (named) return versionNumber(named[1]);
  const buf = bytes();
  const at = buf.indexOf(BANNER);
  return at < 0 ? null : versionNumber(buf.toString('latin1', at + BANNER.length, at + BANNER.length + 16));
}

function fromReport(): number | null {
  const report = process.report?.getReport() as unknown as { header?: { glibcVersionRuntime?: string } } | undefined;
  return versionNumber(report?.header?.glibcVersionRuntime ?? '');
}

let cached: number | null | undefined;
/** This machine's glibc (major*1000+minor), or null for another C library. Never throws. */
export function glibcVersion(): number | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const path = libcPathOf(readFileSync('/proc/self/maps', 'latin1'));
    if (!path) return cached; // musl, or no libc at all
    cached = glibcVersionOf(path, () => readFileSync(path));
  } catch {
    // /proc or libc unreadable: Node's report says
  }
  try {
    cached ??= fromReport();
  } catch {
    // unknown: treated as a modern libc
  }
  return cached;
}
