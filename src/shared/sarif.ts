// SARIF 2.1.0 from a snapshot's findings: what GitHub code scanning and other CI viewers
// read. Pure: the caller gives the working directory that locations are made relative to.
import type { DiagnosticJson, DiagnosticKind, FixJson, Severity, SourceLocation, WarningJson } from './schema';
import { warningWords } from './words';

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifRule {
  id: DiagnosticKind;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  helpUri: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[] };
}

interface Message {
  text: string;
}

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

interface Region {
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}

export interface SarifLocation {
  id?: number;
  message?: Message;
  physicalLocation?: { artifactLocation: ArtifactLocation; region: Region };
  logicalLocations?: Array<{ name: string; kind: 'function' }>;
}

export interface SarifFix {
  description: Message;
  artifactChanges: Array<{
    artifactLocation: ArtifactLocation;
    replacements: Array<{ deletedRegion: Required<Region>; insertedContent: Message }>;
  }>;
}

export interface SarifResult {
  ruleId: DiagnosticKind;
  ruleIndex: number;
  level: SarifLevel;
  message: Message;
  locations: SarifLocation[];
  relatedLocations?: SarifLocation[];
  fixes?: SarifFix[];
  properties: { pids: number[]; time: number | null };
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: { driver: { name: string; version: string; semanticVersion: string; informationUri: string; rules: SarifRule[] } };
    originalUriBaseIds: Record<string, { uri: string; description: Message }>;
    columnKind: 'utf16CodeUnits';
    results: SarifResult[];
    /** How the log was recorded limits the findings (strace without -f, -qq…): said as tool notifications. */
    invocations?: Array<{
      executionSuccessful: true;
      toolExecutionNotifications: Array<{ level: 'warning'; message: Message; descriptor: { id: 'recording' } }>;
    }>;
  }>;
}

export interface SarifOptions {
  /** forktrace's version. */
  version: string;
  /** Absolute working directory: locations under it are written relative to it (uriBaseId SRCROOT). */
  cwd: string;
}

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INFORMATION_URI = 'https://github.com/fork-trace/fork-trace';
/** The uriBaseId of every location under the working directory. */
export const SRCROOT = 'SRCROOT';

/** SARIF's level for a finding's severity. */
export function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'info' ? 'note' : severity;
}

/** The levels `--fail-on` names, and whether a finding of `severity` reaches it. */
export type FailOn = 'error' | 'warning' | 'never';

export function failsOn(severity: Severity, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  return severity === 'error' || (failOn === 'warning' && severity === 'warning');
}

interface RuleText {
  name: string;
  short: string;
  full: string;
  help: string;
  level: SarifLevel;
}

// Every finding kind, in the order the views list them: the Record makes a new kind a compile error here.
const RULE_TEXT: Record<DiagnosticKind, RuleText> = {
  'zombie-leak': {
    name: 'ZombieLeak',
    short: 'A child process its parent never reaps',
    full: 'A child exited and its own parent never called wait(), waitpid() or waitid() for it: it stayed a zombie (an entry in the process table) until the trace ended or until the parent died and an adopter reaped it. A long-running server leaks one per connection until fork() fails with EAGAIN.',
    help: 'Reap every child: install a SIGCHLD handler that loops while (waitpid(-1, &status, WNOHANG) > 0) (saving and restoring errno), installed with sigaction() and SA_RESTART before the first fork; or, if exit statuses are not needed, set SIGCHLD to SIG_IGN and the kernel reaps them. A child of popen() is reaped by pclose(); a child of posix_spawn() by waitpid() on the pid it returned.',
    level: 'error',
  },
  'sigchld-coalesced': {
    name: 'SigchldCoalesced',
    short: 'A SIGCHLD handler that reaps one child per signal',
    full: 'Several children exited while one SIGCHLD was pending, and the handler called waitpid() once: signals of one kind do not queue, so the other children stayed zombies.',
    help: 'Loop in the handler until no child is left to reap: while (waitpid(-1, &status, WNOHANG) > 0) ;',
    level: 'warning',
  },
  'eintr-no-restart': {
    name: 'EintrNoRestart',
    short: 'A slow call interrupted by SIGCHLD fails with EINTR',
    full: 'A blocking call (accept, read, select, …) was interrupted by a signal whose handler was installed without SA_RESTART, or is one the kernel never restarts after a handler ran (select, poll, epoll_wait, pause, …, SA_RESTART or not): the program sees the call fail with EINTR ("Interrupted system call").',
    help: 'Add SA_RESTART to the sa_flags of that sigaction() (it helps accept, read, write and wait), or retry the interrupted call when it fails with errno == EINTR (always needed for select, poll and their kin).',
    level: 'warning',
  },
  'fork-failed': {
    name: 'ForkFailed',
    short: 'fork() failed',
    full: 'A fork, vfork or clone call failed (EAGAIN: the process limit was reached, often because of leaked zombies; ENOMEM: out of memory).',
    help: 'Check the result of fork() and handle the failure; if zombies are piling up, reap children (see zombie-leak). RLIMIT_NPROC and pid_max bound the number of processes.',
    level: 'warning',
  },
  'orphan-adopted': {
    name: 'OrphanAdopted',
    short: 'A process outlived its parent and was adopted',
    full: 'A process was orphaned when its parent exited, and init or a subreaper adopted it. On purpose (a double fork) this is how a daemon detaches; by accident, children outlive the program that should have waited for them.',
    help: 'If the orphan is not meant to outlive its parent, wait for it before the parent exits. In a container whose pid 1 is not an init (run it with docker run --init, or tini), orphans that exit stay zombies.',
    level: 'note',
  },
  'zombie-lingering': {
    name: 'ZombieLingering',
    short: 'Children reaped long after they exited',
    full: 'Children stayed zombies longer than the linger threshold before their parent reaped them: the parent reaps only now and then (e.g. in its main loop between connections).',
    help: 'Reap children as they exit: a SIGCHLD handler that loops while (waitpid(-1, &status, WNOHANG) > 0).',
    level: 'note',
  },
};

const KINDS = Object.keys(RULE_TEXT) as DiagnosticKind[];

/** tool.driver.rules: one rule per finding kind, whether or not this run found one. */
export function sarifRules(): SarifRule[] {
  return KINDS.map((id) => {
    const r = RULE_TEXT[id];
    return {
      id,
      name: r.name,
      shortDescription: { text: r.short },
      fullDescription: { text: r.full },
      help: { text: r.help },
      helpUri: `${INFORMATION_URI}#what-it-reports`,
      defaultConfiguration: { level: r.level },
      properties: { tags: ['reliability', 'processes'] },
    };
  });
}

/**
 * The SARIF 2.1.0 log of these findings. `warnings`: the snapshot's; those about how the log
 * was recorded (strace without -f, -qq…) become the invocation's tool notifications.
 */
export function toSarif(diagnostics: readonly DiagnosticJson[], options: SarifOptions, warnings: readonly WarningJson[] = []): SarifLog {
  const base = withSlash(options.cwd);
  const artifact = (file: string): ArtifactLocation =>
    file.startsWith(base) ? { uri: encodePath(file.slice(base.length)), uriBaseId: SRCROOT } : { uri: fileUri(file) };
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'forktrace', version: options.version, semanticVersion: options.version, informationUri: INFORMATION_URI, rules: sarifRules() },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: fileUri(base), description: { text: 'The directory forktrace ran in.' } } },
        columnKind: 'utf16CodeUnits',
        results: diagnostics.map((d) => result(d, artifact)),
        ...recordingNotifications(warnings),
      },
    ],
  };
}

function recordingNotifications(warnings: readonly WarningJson[]): Pick<SarifLog['runs'][number], 'invocations'> {
  const notes = warnings.filter((w) => w.recording);
  if (notes.length === 0) return {};
  return {
    invocations: [
      {
        executionSuccessful: true,
        toolExecutionNotifications: notes.map((w) => ({
          level: 'warning',
          message: { text: warningWords(w) },
          descriptor: { id: 'recording' },
        })),
      },
    ],
  };
}

function result(d: DiagnosticJson, artifact: (file: string) => ArtifactLocation): SarifResult {
  const located = (loc: SourceLocation): SarifLocation => ({
    physicalLocation: { artifactLocation: artifact(loc.file), region: { startLine: loc.line } },
    ...(loc.function ? { logicalLocations: [{ name: loc.function, kind: 'function' as const }] } : {}),
  });
  // Why there is no line or no fix: a reader of the SARIF alone has only the message.
  const notes = [d.location === null && d.locationNote ? `No source line: ${d.locationNote}` : null, d.fixNote ? `No fix offered: ${d.fixNote}` : null];
  const related = d.related.flatMap((r, i) => (r.location ? [{ id: i + 1, message: { text: r.message }, ...located(r.location) }] : []));
  const fixes = d.fixes.map((f) => sarifFix(f, artifact));
  return {
    ruleId: d.kind,
    ruleIndex: KINDS.indexOf(d.kind),
    level: sarifLevel(d.severity),
    message: { text: [d.message, ...notes.filter((n): n is string => n !== null)].join(' ') },
    locations: d.location ? [located(d.location)] : [],
    ...(related.length > 0 ? { relatedLocations: related } : {}),
    ...(fixes.length > 0 ? { fixes } : {}),
    properties: { pids: d.pids, time: d.time },
  };
}

/** One artifactChange per file, its replacements in the order of the edits. */
function sarifFix(fix: FixJson, artifact: (file: string) => ArtifactLocation): SarifFix {
  const byFile = new Map<string, SarifFix['artifactChanges'][number]['replacements']>();
  for (const e of fix.edits) {
    let list = byFile.get(e.file);
    if (!list) byFile.set(e.file, (list = []));
    list.push({
      deletedRegion: { startLine: e.startLine, startColumn: e.startColumn, endLine: e.endLine, endColumn: e.endColumn },
      insertedContent: { text: e.newText },
    });
  }
  return {
    description: { text: fix.title },
    artifactChanges: [...byFile].map(([file, replacements]) => ({ artifactLocation: artifact(file), replacements })),
  };
}

function withSlash(dir: string): string {
  return dir.endsWith('/') ? dir : `${dir}/`;
}

/** A relative path as a URI reference: each segment percent-encoded, the slashes kept. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** An absolute path as a file: URI. */
function fileUri(path: string): string {
  return `file://${encodePath(path)}`;
}
