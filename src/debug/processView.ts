// What the debug view says of one process: its thread name, the finding that explains a
// zombie and the names of its frames, in the shared words (src/shared/words.ts) the CLI
// and the panel use. Its Variables are in variables.ts.
import { StackFrame } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DiagnosticJson, ProcessJson } from '../shared/schema';
import { BEFORE_THE_TRACE, exitWords, processName } from '../shared/words';

/** Present before an attached trace began: the process itself, or its zombie. */
export function wasBefore(p: ProcessJson): boolean {
  return p.before === true || p.zombie?.before === true;
}

/**
 * "4 srv [zombie]"; "4 srv [zombie] (before the trace)" for what an attach found already
 * there; "5 srv [running] (untraced)" for a child strace never followed.
 */
export function threadName(p: ProcessJson): string {
  const note = p.untraced ? ' (untraced)' : wasBefore(p) ? ` (${BEFORE_THE_TRACE})` : '';
  return `${p.pid} ${p.command} [${p.state}]${note}`;
}

/** The frame of the line where the zombie's fix belongs, named for what happens there. */
export function findingFrameName(d: DiagnosticJson, p: ProcessJson, parentCoalesces: boolean): string {
  const parent = p.parentPid !== null ? `pid ${p.parentPid}` : 'its parent';
  const fn = d.location?.function ? ` in ${d.location.function}` : '';
  const sameAsFork = p.forkSite && d.location && p.forkSite.file === d.location.file && p.forkSite.line === d.location.line;
  switch (d.kind) {
    case 'zombie-leak':
      if (parentCoalesces) return `zombie leak — ${parent}'s SIGCHLD handler reaps one child per signal here${fn}; pid ${p.pid} is left behind`;
      return sameAsFork ? `zombie leak — ${parent} never waits: reap pid ${p.pid}${fn}` : `zombie leak — ${parent} waits here${fn}, never for pid ${p.pid}`;
    case 'sigchld-coalesced':
      return `SIGCHLD coalescing — ${parent}'s handler reaps one child per signal here${fn}`;
    case 'zombie-lingering':
      return `zombie lingering — reaped late here${fn}`;
    default:
      return `${d.kind}${fn}`;
  }
}

/** The zombie's stop reason: "srv (pid 4) exited with code 0 and is a zombie until its parent reaps it". */
export function zombieText(p: ProcessJson): string {
  return `${processName(p)} ${p.exit ? exitWords(p.exit) : 'exited'} and is a zombie until its parent reaps it`;
}

export function labelFrame(id: number, name: string): DebugProtocol.StackFrame {
  const frame = new StackFrame(id, name) as DebugProtocol.StackFrame;
  frame.presentationHint = 'label';
  return frame;
}

/** What a process diagnostic frame says, by kind; the most useful first. */
const ZOMBIE_FINDINGS: Array<DiagnosticJson['kind']> = [
  'zombie-leak',
  'sigchld-coalesced',
  'zombie-lingering',
  'eintr-no-restart',
  'fork-failed',
  'orphan-adopted',
];

/** The finding that explains this zombie: one where it is the child, not the parent, first. */
export function findingFor(p: ProcessJson, diagnostics: readonly DiagnosticJson[]): DiagnosticJson | null {
  const about = diagnostics
    .filter(
      (d) => d.pids.indexOf(p.pid) > 0 || (d.pids[0] === p.pid && d.kind !== 'zombie-leak' && d.kind !== 'sigchld-coalesced' && d.kind !== 'zombie-lingering'),
    )
    .sort((a, b) => ZOMBIE_FINDINGS.indexOf(a.kind) - ZOMBIE_FINDINGS.indexOf(b.kind));
  return about.find((d) => d.location) ?? about.find((d) => d.locationNote) ?? null;
}
