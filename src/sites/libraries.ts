// The program's own shared libraries: the ones it links against that are not the
// system's (a project's libworker.so next to its server). Their calls to fork and
// waitpid are the program's too, so the static path disassembles them beside the
// executable. Found the way the dynamic loader finds them (ld.so(8)): DT_RPATH,
// LD_LIBRARY_PATH, DT_RUNPATH, with $ORIGIN. Libraries found only through
// /etc/ld.so.cache or the default directories are the system's and are skipped, as are
// libraries loaded with dlopen(), which no header names.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readDynamic, readElf, type ElfDynamic, type ElfFile } from './elf';
import { isSystemObject } from './stackFrames';

export interface OwnLibrariesOptions {
  /** LD_LIBRARY_PATH of the traced program. */
  libraryPath?: string;
  /** Where a relative library path is resolved (the program's cwd). */
  cwd?: string;
  /** At most this many libraries (default 64). */
  max?: number;
}

interface Loaded {
  /** The path the loader opened it by ($ORIGIN is its directory). */
  path: string;
  dynamic: ElfDynamic;
}

/**
 * The real paths of the program's own libraries, nearest first. The executable's
 * ELF headers are given; libraries that cannot be read are skipped. Never throws.
 */
export function ownLibraries(executable: string, elf: ElfFile, options: OwnLibrariesOptions = {}): string[] {
  const max = options.max ?? 64;
  const ldPath = (options.libraryPath ?? '').split(/[:;]/).filter((d) => d !== '');
  let exeDynamic: ElfDynamic;
  try {
    exeDynamic = readDynamic(executable, elf);
  } catch {
    return [];
  }
  // $ORIGIN of the executable is the directory of its real path (the kernel's /proc/self/exe).
  const exe: Loaded = { path: safeRealpath(executable), dynamic: exeDynamic };
  const found: string[] = [];
  const seen = new Set<string>();
  const queue: Loaded[] = [exe];
  for (let i = 0; i < queue.length && found.length < max; i++) {
    const from = queue[i];
    for (const name of from.dynamic.needed) {
      const path = locate(name, from, exe, ldPath, options.cwd);
      if (!path || isSystemObject(path)) continue;
      const real = safeRealpath(path);
      if (seen.has(real) || isSystemObject(real)) continue;
      seen.add(real);
      try {
        const libElf = statSync(real).isFile() ? readElf(real) : null;
        if (!libElf) continue;
        found.push(real);
        queue.push({ path, dynamic: readDynamic(real, libElf) });
      } catch {
        // unreadable: the loader could not have used it either
      }
      if (found.length >= max) break;
    }
  }
  return found;
}

/** Where the loader would find this DT_NEEDED name for `from`; null when only the system's directories would have it. */
function locate(name: string, from: Loaded, exe: Loaded, ldPath: string[], cwd: string | undefined): string | null {
  if (name.includes('/')) {
    const p = isAbsolute(name) ? name : resolve(cwd ?? process.cwd(), name);
    return existsSync(p) ? p : null;
  }
  // RPATH applies when the object has no RUNPATH: its own, then the executable's.
  const rpath =
    from.dynamic.runpath.length > 0
      ? []
      : [...expand(from.dynamic.rpath, from), ...(from === exe || exe.dynamic.runpath.length > 0 ? [] : expand(exe.dynamic.rpath, exe))];
  for (const dir of [...rpath, ...ldPath, ...expand(from.dynamic.runpath, from)]) {
    const p = join(isAbsolute(dir) ? dir : resolve(cwd ?? process.cwd(), dir), name);
    if (existsSync(p)) return p;
  }
  return null;
}

/** $ORIGIN / ${ORIGIN} replaced; entries with $LIB or $PLATFORM (system multilib tricks) dropped. */
function expand(dirs: string[], obj: Loaded): string[] {
  const origin = dirname(obj.path);
  return dirs.filter((d) => !/\$\{?(LIB|PLATFORM)\}?/.test(d)).map((d) => d.replace(/\$\{ORIGIN\}|\$ORIGIN/g, origin));
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
