// strace `-k` frames: what one frame says, and whether it is in the program's own code
// (the precise path looks for the innermost frame that is).
import { basename } from 'node:path';

export interface StackFrame {
  /** The object the frame is in, as strace printed it (absolute for mapped files). */
  binary: string;
  symbol: string | null;
  /** Offset from `symbol`. */
  symbolOffset: number | null;
  /** The bracketed value: file offset (libunwind) or link-time address (libdw). */
  value: number;
  /** `-kk` (strace >= 6.7 with libdw) appends the source position. */
  source: { file: string; line: number } | null;
}

/** Parses one `-k` frame: `/bin/server(main+0x92) [0x126b]` (a leading ` > ` is allowed). */
export function parseStackFrame(text: string): StackFrame | null {
  const m = /^(?: > )?([^\s(][^(]*?)\((.*)\) \[0x([0-9a-fA-F]+)\](?: (.+):(\d+))?\s*$/.exec(text);
  if (!m) return null;
  const inner = m[2];
  const so = /^(.*)\+0x([0-9a-fA-F]+)$/.exec(inner);
  return {
    binary: m[1],
    symbol: so ? so[1] : inner || null,
    symbolOffset: so ? parseInt(so[2], 16) : null,
    value: parseInt(m[3], 16),
    source: m[4] !== undefined ? { file: m[4], line: Number(m[5]) } : null,
  };
}

const SYSTEM_LIB_DIRS = [
  '/lib/',
  '/lib32/',
  '/lib64/',
  '/libx32/',
  '/usr/lib/',
  '/usr/lib32/',
  '/usr/lib64/',
  '/usr/libx32/',
  '/usr/local/lib/',
  '/usr/local/lib64/',
];
const RUNTIME_OBJECT =
  /^(ld-linux.*|ld64\.so.*|ld-musl.*|ld\.so.*|libc\.so.*|libc-[\d.]+\.so|libc\.musl.*|libpthread[.-].*|libdl[.-].*|librt[.-].*|libm[.-].*|libgcc_s.*|libstdc\+\+.*|libc\+\+.*|libc\+\+abi.*|libunwind.*|libasan.*|libtsan.*|liblsan.*|libubsan.*|libhwasan.*|libresolv[.-].*|libnss_.*|libutil[.-].*)$/;

/** True for libc, ld.so and anything else that is not the program's own code. */
export function isSystemObject(path: string): boolean {
  if (!path.startsWith('/')) return true; // [vdso], errors, "BUG IN …"
  if (SYSTEM_LIB_DIRS.some((d) => path.startsWith(d))) return true;
  return RUNTIME_OBJECT.test(basename(path));
}
