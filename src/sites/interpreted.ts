// Interpreted programs: the trace shows the interpreter's own calls, never a line of the
// script, so the best there is are lines whose text looks like the call (candidates).
import { closeSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { SiteRole } from '../core/diagnostics';
import type { CallSite } from '../core/model';
import type { SourceLocation } from '../shared/schema';
import { interpreterOfName, type Language } from '../shared/interpreters';
import type { Answer } from './answer';
import type { BinaryFile } from './binaries';
import { blockingFunctionsFor } from './libcCalls';

export type { Language };

/** A line that may be the one, shown as a candidate and never as a fact. */
export interface CandidateLocation extends SourceLocation {
  certainty: 'candidate';
  /** Found by disassembling the binary, or by searching the workspace's text. */
  source: 'disassembly' | 'workspace-search';
  /** The matching source text (workspace search only). */
  text?: string;
}

/** The language an interpreter executable runs (`/usr/bin/python3.11` → python), by its name or the name its symlink resolves to, else null. */
export function interpreterLanguage(executable: string): Language | null {
  const named = interpreterOfName(executable);
  if (named) return named;
  try {
    return interpreterOfName(realpathSync(executable));
  } catch {
    return null; // not on this machine: the name alone decides
  }
}

/** The first bytes of a file: enough for a `#!` line. */
export function readHead(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, 256, 0);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/** `#!/usr/bin/env -S python3 -u` → python. */
export function shebangLanguage(line: string): Language | null {
  const words = line.split(/\s+/).filter(Boolean);
  let i = 0;
  if (words[0] && basename(words[0]) === 'env') {
    i = 1;
    while (words[i] && (words[i].startsWith('-') || words[i].includes('='))) i++;
  }
  return words[i] ? interpreterLanguage(words[i]) : null;
}

/** Arguments after which an interpreter runs code given inline or a module, not a script file. */
const INLINE_CODE = new Set(['-c', '-m', '-e', '-E', '-p', '-r', '--eval', '--print', '-']);

/**
 * The script an interpreter runs, read from its argv (`python3 -u server.py` →
 * server.py, made absolute against `cwd`): the first argument that is no option and
 * names a file. Null for code given inline (`-c`, `-e`, `-m MODULE`) or no such file.
 */
export function scriptOf(argv: readonly string[], cwd: string): string | null {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (INLINE_CODE.has(arg)) return null;
    if (arg.startsWith('-') && arg !== '--') continue;
    const path = resolve(cwd, arg === '--' ? (argv[++i] ?? '') : arg);
    try {
      if (statSync(path).isFile()) return path;
    } catch {
      // An option's value (`-W ignore`), not a file: the script comes later.
    }
    if (arg === '--') return null;
  }
  return null;
}

/** The path for calls made by an interpreter: a note, and the lines that look like the call. */
export class InterpretedPath {
  /** Candidates by script or workspace, language, role and syscall. */
  private readonly searched = new Map<string, CandidateLocation[]>();

  constructor(private readonly where: { cwd?: string; workspaceRoot?: string }) {}

  locate(exe: BinaryFile, lang: Language, site: CallSite, role: SiteRole): Answer {
    // A script run by name (`./server.py`), else the one the interpreter's argv names (`python3 server.py`).
    const script = exe.shebang !== null ? exe.real : scriptOf(site.argv ?? [], this.where.cwd ?? process.cwd());
    let candidates: CandidateLocation[] = [];
    const root = script ?? this.where.workspaceRoot;
    if (root) {
      // Searched once per file or workspace: a forking script makes the same calls thousands of times.
      const key = `${root}\0${lang}\0${role}\0${site.event.name}`;
      candidates =
        this.searched.get(key) ?? (script ? searchFiles([script], lang, role, site.event.name) : workspaceCandidates(root, lang, role, site.event.name));
      this.searched.set(key, candidates);
    }
    const name = script ? basename(script) : basename(exe.path);
    return {
      located: { location: null, note: interpretedNote(name, script !== null, lang, role, site.event.name, candidates) },
      candidates,
    };
  }

  clear(): void {
    this.searched.clear();
  }
}

/** Why an interpreter's call has no source line, and which lines look like it. */
export function interpretedNote(program: string, isScript: boolean, lang: Language, role: SiteRole, syscall: string, candidates: CandidateLocation[]): string {
  const where = isScript ? 'in the script' : 'in the workspace';
  const langName = lang === 'other' ? '' : lang === 'javascript' ? 'JavaScript ' : lang === 'php' ? 'PHP ' : `${lang[0].toUpperCase()}${lang.slice(1)} `;
  const found =
    candidates.length > 0
      ? ` ${candidates.length} ${candidates.length === 1 ? 'line' : 'lines'} ${where} look${candidates.length === 1 ? 's' : ''} like ${roleWords(role)} (candidates, not facts): ${candidates
          .slice(0, 3)
          .map((c) => `${basename(c.file)}:${c.line}`)
          .join(', ')}${candidates.length > 3 ? ` and ${candidates.length - 3} more` : ''}.`
      : '';
  const what = isScript
    ? `${program} is a ${langName}script: the trace shows its interpreter's own ${syscall}, not a line of the script`
    : `This process runs ${program}, an interpreter: the trace shows the interpreter's own ${syscall}, not a line of the ${langName}program it runs`;
  return `${what}, so no source line is known.${found}`;
}

function roleWords(role: SiteRole): string {
  switch (role) {
    case 'fork':
      return 'process creation';
    case 'wait':
      return 'waiting for a child';
    case 'sigaction':
      return 'a SIGCHLD handler';
    default:
      return 'that call';
  }
}

// --- interpreted programs: workspace search ------------------------------------------

const EXTENSIONS: Record<Language, string[]> = {
  python: ['.py', '.pyw'],
  javascript: ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.jsx', '.tsx'],
  shell: ['.sh', '.bash', '.zsh', '.ksh'],
  perl: ['.pl', '.pm'],
  ruby: ['.rb'],
  php: ['.php'],
  other: [],
};

const PATTERNS: Record<Exclude<Language, 'other'>, Partial<Record<SiteRole, RegExp>>> = {
  python: {
    fork: /\bos\.(fork|forkpty|spawn[lv]p?e?|posix_spawnp?|system|popen)\s*\(|\bsubprocess\.(Popen|run|call|check_call|check_output|getoutput|getstatusoutput)\s*\(|\bpty\.fork\s*\(|\b(multiprocessing\.)?Process\s*\(|\b(ProcessPoolExecutor|Pool)\s*\(|\bForking(TCP|UDP|UnixStream|UnixDatagram)Server\s*\(|\bForkingMixIn\b|(^|[^.\w])(fork|Popen)\s*\(/,
    wait: /\bos\.wait(pid|3|4|id)?\s*\(|\.wait\s*\(|\.communicate\s*\(|(^|[^.\w])wait(pid)?\s*\(/,
    sigaction: /\bSIGCHLD\b/,
  },
  javascript: {
    fork: /\b(child_process|childProcess|cp)\.(fork|spawn|spawnSync|exec|execSync|execFile|execFileSync)\s*\(|\bcluster\.fork\s*\(|(^|[^.\w])(fork|spawn|spawnSync|exec|execSync|execFile|execFileSync)\s*\(/,
    wait: /\.(on|once)\s*\(\s*['"](exit|close)['"]/,
    sigaction: /['"]SIGCHLD['"]/,
  },
  shell: {
    fork: /(^|[^&>|])&\s*($|;|\)|#)|\b(coproc|nohup|setsid)\b/,
    wait: /(^|[\s;&|(])wait(\s|$|;)/,
    sigaction: /\btrap\b.*\b(SIG)?CHLD\b/,
  },
  perl: {
    // fork as a call (`fork;`, `fork()`, `= fork)`, `fork or die`, `fork // die`), not the word in a message.
    fork: /\bfork\s*([();?]|$|or\b|and\b|\/\/|\|\|)|\bsystem\s*\(|\bopen\s*\(.*\|/,
    wait: /\bwait(pid)?\b/,
    sigaction: /\$SIG\{\s*['"]?CHLD/,
  },
  ruby: {
    fork: /\b(Process\.)?fork\b|\bProcess\.spawn\b|(^|[^.\w])spawn\s*\(|\bsystem\s*\(|\bIO\.popen\b|\bOpen3\./,
    wait: /\bProcess\.(wait|waitpid|wait2|waitall|detach)\b|(^|[^.\w])wait\b/,
    sigaction: /\btrap\s*\(\s*['"](SIG)?CHLD/,
  },
  php: {
    fork: /\bpcntl_fork\s*\(|\bproc_open\s*\(|\bexec\s*\(|\bshell_exec\s*\(|\bsystem\s*\(|\bpopen\s*\(/,
    wait: /\bpcntl_wait(pid)?\s*\(|\bproc_close\s*\(|\bpclose\s*\(/,
    sigaction: /\bpcntl_signal\s*\(\s*SIGCHLD/,
  },
};

const COMMENT: Record<Language, RegExp> = {
  python: /^\s*#/,
  shell: /^\s*#/,
  perl: /^\s*#/,
  ruby: /^\s*#/,
  javascript: /^\s*(\/\/|\*|\/\*)/,
  php: /^\s*(\/\/|#|\*|\/\*)/,
  other: /^$/,
};

const SKIP_DIRS = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  'dist',
  'out',
  'build',
  'target',
  '.cache',
  '.vscode-test',
  'site-packages',
]);
const MAX_FILES = 5000;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_RESULTS = 200;

function patternFor(language: Language, role: SiteRole | undefined, syscall: string | undefined): RegExp | null {
  if (language === 'other') return null;
  const p = PATTERNS[language];
  if (role === 'interrupted') {
    const names = syscall ? blockingFunctionsFor(syscall) : [];
    return names.length > 0 ? new RegExp(`(^|[^\\w])(${names.map(escapeRe).join('|')})\\s*\\(`) : null;
  }
  if (role && p[role]) return p[role] as RegExp;
  const all = [p.fork, p.wait].filter((r): r is RegExp => !!r).map((r) => `(?:${r.source})`);
  return all.length > 0 ? new RegExp(all.join('|')) : null;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Lines in the workspace that look like the language's fork/wait calls (`os.fork`,
 * `os.waitpid`, `subprocess.Popen`, `child_process.fork`, `&` and `wait` in shell, …).
 * Candidates only: text search cannot know which of them ran. Without a role: fork and
 * wait calls. Never throws; stops after 5000 files or 200 matches.
 */
export function workspaceCandidates(rootDir: string, language: Language, role?: SiteRole, syscall?: string): CandidateLocation[] {
  const files: string[] = [];
  const exts = new Set(EXTENSIONS[language]);
  const walk = (dir: string, depth: number): void => {
    if (files.length >= MAX_FILES || depth > 20) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (files.length >= MAX_FILES) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(p, depth + 1);
      } else if (e.isFile()) {
        const ext = extname(e.name);
        if (exts.has(ext) || (language === 'shell' && ext === '' && isShellScript(p))) files.push(p);
      }
    }
  };
  walk(resolve(rootDir), 0);
  return searchFiles(files, language, role, syscall);
}

function isShellScript(path: string): boolean {
  try {
    const head = readHead(path);
    return head.startsWith('#!') && shebangLanguage(head.slice(2).split('\n')[0]) === 'shell';
  } catch {
    return false;
  }
}

export function searchFiles(files: string[], language: Language, role: SiteRole | undefined, syscall: string | undefined): CandidateLocation[] {
  const re = patternFor(language, role, syscall);
  if (!re) return [];
  const comment = COMMENT[language];
  const out: CandidateLocation[] = [];
  for (const file of files) {
    let text: string;
    try {
      if (statSync(file).size > MAX_FILE_BYTES) continue;
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    let real = file;
    try {
      real = realpathSync(file);
    } catch {
      // keep the path
    }
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (i === 0 && line.startsWith('#!')) continue;
      if (comment.test(line) || !re.test(line)) continue;
      out.push({ file: real, line: i + 1, function: null, certainty: 'candidate', source: 'workspace-search', text: line.trim().slice(0, 200) });
      if (out.length >= MAX_RESULTS) return out;
    }
  }
  return out;
}
