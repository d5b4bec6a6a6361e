// Where clicking a process leads: the line where its fix belongs, from the host's own
// snapshot (the webview only names the process).
import type { DiagnosticJson, ProcessJson, SnapshotJson, SourceLocation } from '../shared/schema';

export type ProcessSource =
  | { kind: 'location'; location: SourceLocation; diagnostic: DiagnosticJson | null; process: ProcessJson }
  /** preciseWouldPin: a trace in the precise mode would give the line. */
  | { kind: 'none'; reason: string; preciseWouldPin: boolean; process: ProcessJson | null };

const PRIORITY: Array<DiagnosticJson['kind']> = ['zombie-leak', 'sigchld-coalesced', 'eintr-no-restart', 'fork-failed', 'zombie-lingering', 'orphan-adopted'];

export function sourceForProcess(snapshot: SnapshotJson, id: string): ProcessSource {
  const process = snapshot.processes.find((p) => p.id === id) ?? null;
  if (!process) return { kind: 'none', reason: 'That process is not in this trace.', preciseWouldPin: false, process: null };
  const about = snapshot.diagnostics.filter((d) => d.pids.includes(process.pid)).sort((a, b) => PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind));
  const located = about.find((d) => d.location !== null);
  if (located?.location) return { kind: 'location', location: located.location, diagnostic: located, process };
  if (process.forkSite) return { kind: 'location', location: process.forkSite, diagnostic: about[0] ?? null, process };
  const noted = about.find((d) => d.locationNote);
  const note = noted?.locationNote ?? process.forkSiteNote;
  return {
    kind: 'none',
    reason:
      note ??
      `No source line is known for ${process.command} (pid ${process.pid}): ${process.parentPid === null ? 'it is the traced program itself.' : 'its fork site was not resolved.'}`,
    preciseWouldPin: noted ? noted.locationPreciseWouldPin : process.forkSitePreciseWouldPin,
    process,
  };
}
