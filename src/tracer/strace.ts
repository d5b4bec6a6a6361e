// Finding strace and learning what it can do, on this machine, at run time.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, readlinkSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

/** A problem the user can fix; `message` says what happened and what to do. */
export class TraceError extends Error {
  constructor(
    message: string,
    readonly code:
      'not-linux' | 'no-strace' | 'ptrace-denied' | 'program-not-found' | 'program-not-executable' | 'strace-failed' | 'bad-log' | 'attach-refused',
  ) {
    super(message);
    this.name = 'TraceError';
  }
}

export interface StraceInfo {
  path: string;
  version: string;
  major: number;
  minor: number;
  seccompBpf: boolean;
  /** `-k` works (strace was built with libunwind or libdw). */
  stackTrace: boolean;
  /** `-kk`: frames with file:line, strace >= 6.7 built with libdw. */
  stackTraceLines: boolean;
}

const cache = new Map<string, StraceInfo>();

/** Looks a command up on PATH the way execvp would; null when it is not there. */
export function which(command: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (command.includes('/')) return isExecutableFile(command) ? resolve(command) : null;
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function requireLinux(platform: NodeJS.Platform = process.platform): void {
  if (platform !== 'linux') {
    throw new TraceError(
      `Fork Trace runs programs under strace, which exists only on Linux (this is ${platform}). Run it on a Linux machine, or in VS Code open the folder through Remote - WSL, Remote - SSH or Dev Containers.`,
      'not-linux',
    );
  }
}

/** Finds strace, reads its version and features, and checks that ptrace is allowed. */
export function detectStrace(straceCommand = 'strace'): StraceInfo {
  requireLinux();
  const path = which(straceCommand);
  if (!path) {
    throw new TraceError(
      `strace was not found${straceCommand === 'strace' ? ' on PATH' : ` at ${straceCommand}`}. Install it: sudo apt-get install strace (Debian, Ubuntu), sudo dnf install strace (Fedora), sudo apk add strace (Alpine).`,
      'no-strace',
    );
  }
  const known = cache.get(path);
  if (known) return known;
  // Each run used to start strace twice before the trace (-V, then the ptrace check):
  // what they said is kept on disk, for this binary and this machine's ptrace rules.
  const disk = new DetectionCache(path);
  const saved = disk.read();
  let text = saved?.versionText ?? '';
  if (!saved) {
    const v = spawnSync(path, ['-V'], { encoding: 'utf8', timeout: 10_000 });
    text = `${v.stdout ?? ''}${v.stderr ?? ''}`;
    if (!/version \d+\.\d+/.test(text))
      throw new TraceError(`${path} -V did not print a version (${text.trim().slice(0, 200) || v.error?.message}). Reinstall strace.`, 'strace-failed');
  }
  const m = /version (\d+)\.(\d+)(?:\.\d+)?/.exec(text) as RegExpExecArray;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const atLeast = (a: number, b: number): boolean => major > a || (major === a && minor >= b);
  const stackTrace = /stack-trace=/.test(text);
  const info: StraceInfo = {
    path,
    version: `${major}.${minor}`,
    major,
    minor,
    seccompBpf: atLeast(5, 3),
    stackTrace,
    stackTraceLines: stackTrace && /stack-trace=libdw/.test(text) && atLeast(6, 7),
  };
  if (!saved?.ptraceAllowed) {
    checkPtrace(info);
    disk.write({ versionText: text, ptraceAllowed: true });
  }
  cache.set(path, info);
  return info;
}

/**
 * What strace -V printed and that ptrace worked, per strace binary (path, size, mtime) and
 * per ptrace rules (boot, pid namespace, user, capabilities, Yama's scope): anything that
 * changes either checks again. A cache that cannot be read or written only costs the checks.
 */
class DetectionCache {
  private readonly file: string;
  private readonly key: string;

  constructor(path: string) {
    const dir = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
    this.file = join(dir, 'fork-trace', 'strace-detection.json');
    const read = (f: string): string => {
      try {
        return readFileSync(f, 'utf8').trim();
      } catch {
        return '';
      }
    };
    let binary = 'missing';
    try {
      const st = statSync(path);
      binary = `${st.size}:${st.mtimeMs}:${st.ino}`;
    } catch {
      /* checked again below */
    }
    let ns = '';
    try {
      ns = readlinkSync('/proc/self/ns/pid');
    } catch {
      /* no namespaces */
    }
    const caps = /^CapEff:\s*(\S+)/m.exec(read('/proc/self/status'))?.[1] ?? '';
    const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
    this.key = [path, binary, read('/proc/sys/kernel/random/boot_id'), ns, uid, caps, read('/proc/sys/kernel/yama/ptrace_scope')].join('|');
  }

  read(): { versionText: string; ptraceAllowed: boolean } | null {
    try {
      const all = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, { versionText: string; ptraceAllowed: boolean }>;
      const entry = all[this.key];
      return entry && typeof entry.versionText === 'string' ? entry : null;
    } catch {
      return null;
    }
  }

  write(entry: { versionText: string; ptraceAllowed: boolean }): void {
    try {
      let all: Record<string, unknown> = {};
      try {
        all = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, unknown>;
      } catch {
        /* a new cache */
      }
      // A few machines' worth: entries for binaries and boots long gone are dropped.
      const kept = Object.entries(all).slice(-15);
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify(Object.fromEntries([...kept, [this.key, entry]])));
      renameSync(tmp, this.file);
    } catch {
      /* no cache this time */
    }
  }
}

/** Traces `true` once: the only way to know ptrace is allowed here is to try. */
function checkPtrace(info: StraceInfo): void {
  const trueCmd = which('true') ?? '/bin/true';
  const r = spawnSync(info.path, ['-f', '-o', '/dev/null', '-e', 'trace=none', trueCmd], { encoding: 'utf8', timeout: 20_000 });
  if (r.status === 0) return;
  const err = (r.stderr ?? '').trim();
  if (/Operation not permitted|EPERM/.test(err)) {
    let scope = '';
    try {
      scope = spawnSync('cat', ['/proc/sys/kernel/yama/ptrace_scope'], { encoding: 'utf8' }).stdout.trim();
    } catch {
      /* no Yama */
    }
    const yama =
      scope && scope !== '0' && scope !== '1' ? ` kernel.yama.ptrace_scope is ${scope}, which forbids it: run sudo sysctl kernel.yama.ptrace_scope=1.` : '';
    throw new TraceError(
      `strace may not use ptrace here (${err.split('\n')[0]}).${yama} In a container, start it with --cap-add=SYS_PTRACE (and a seccomp profile that allows ptrace), or run Fork Trace outside the container.`,
      'ptrace-denied',
    );
  }
  throw new TraceError(`strace could not trace a test program: ${err.split('\n')[0] || `exit ${r.status}`}`, 'strace-failed');
}

/** Resolves the program as execvp would, with a clear error when it cannot run. */
export function resolveProgram(program: string, cwd: string, env: NodeJS.ProcessEnv): string {
  const candidate = program.includes('/') ? (isAbsolute(program) ? program : resolve(cwd, program)) : which(program, env);
  if (!candidate) {
    throw new TraceError(`Program "${program}" was not found on PATH. Give a path (./server) or check the name.`, 'program-not-found');
  }
  let isFile: boolean;
  try {
    isFile = statSync(candidate).isFile();
  } catch {
    throw new TraceError(`Program ${candidate} does not exist. Build it first (for the examples: make -C examples).`, 'program-not-found');
  }
  if (!isFile) throw new TraceError(`${candidate} is not a file that can be run.`, 'program-not-executable');
  try {
    accessSync(candidate, constants.X_OK);
  } catch {
    throw new TraceError(`${candidate} is not executable. Run chmod +x ${candidate}, or build it again.`, 'program-not-executable');
  }
  return candidate;
}

/** What the default mode traces: the process calls, plus what the diagnostics read. */
export const TRACE_SET = [
  '%process',
  'rt_sigaction',
  'rt_sigreturn',
  'prctl',
  'getppid',
  'setsid',
  // Slow calls a SIGCHLD can interrupt (EINTR without SA_RESTART).
  'accept',
  'accept4',
  'connect',
  'select',
  'pselect6',
  'poll',
  'ppoll',
  'epoll_wait',
  'epoll_pwait',
  'pause',
  'nanosleep',
  'clock_nanosleep',
];

/**
 * What precise mode traces besides: glibc's posix_spawn restores the signal mask right
 * after its clone3, and those frames stand in for clone3's, which strace cannot unwind.
 */
export const PRECISE_EXTRA_TRACE = ['rt_sigprocmask'];

/**
 * What every trace asks of strace, started or attached: follow children, absolute times,
 * strings in full (strace cuts them at 32 characters by default), the trace set (and -k
 * in precise mode), into `output`. `seccompBpf` only where strace allows it (not with -p).
 */
export function traceArgs(output: string, mode: 'fast' | 'precise', seccompBpf: boolean): string[] {
  return [
    '-f',
    '-ttt',
    '-q',
    '-s',
    '4096',
    ...(seccompBpf ? ['--seccomp-bpf'] : []),
    '-e',
    `trace=${(mode === 'precise' ? [...TRACE_SET, ...PRECISE_EXTRA_TRACE] : TRACE_SET).join(',')}`,
    ...(mode === 'precise' ? ['-k'] : []),
    '-o',
    output,
  ];
}

export function straceArgs(info: StraceInfo, output: string, program: string, args: string[], mode: 'fast' | 'precise' = 'fast'): string[] {
  return [...traceArgs(output, mode, info.seccompBpf), '--', program, ...args];
}
