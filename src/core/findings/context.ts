// What every finding needs: where a traced call is in the source, the trace's clock,
// and who adopted an orphan.
import type { CallSite, ProcessModel, ProcessNode } from '../model';
import type { DiagnosticJson, RelatedJson, SourceLocation } from '../../shared/schema';
import type { AdopterFacts } from '../../shared/words';
import type { FixAnswer, FixRequest } from './fixRequest';

export type SiteRole = 'fork' | 'wait' | 'sigaction' | 'interrupted';

/**
 * The three ways to ask for the precise mode: the setting, a launch configuration, the
 * CLI. Every note that says the precise mode would pin the line ends with it, and its
 * Located says so as data (preciseWouldPin), which views read to offer that trace.
 */
export const PRECISE_HOW = '(strace -k: the forkTrace.stackMode setting, "stackMode": "precise" in a launch configuration, or forktrace --stack-mode precise)';

export interface Located {
  location: SourceLocation | null;
  /** Why there is no location, when there is none. */
  note: string | null;
  /** True when there is no location and a trace in the precise mode (strace -k) would give it. */
  preciseWouldPin?: boolean;
  /**
   * The library functions the call may have gone through (`popen`, `posix_spawn`,
   * `fork`, …): the one at the line, or every candidate's. Absent: not known.
   */
  via?: readonly string[];
  /**
   * Set when the location was not seen but inferred, saying how: a process forked before
   * an attach has the line of the only call that makes processes in its parent's program.
   */
  inferred?: string;
  /**
   * The language that built the program that made the call, when it is Go or Rust: its
   * advice is in that language's words, and the Go runtime carries on after an EINTR by itself.
   */
  runtime?: 'go' | 'rust';
}

/** Maps a traced call to its source line; the tracer supplies one that knows binaries. */
export type SiteLocator = (site: CallSite, role: SiteRole) => Located;

export const NO_LOCATOR: SiteLocator = () => ({
  location: null,
  note: 'no source locations were resolved for this trace',
});

/** Where a call is; a call that was not in the trace has no line. */
export type At = (site: CallSite | null, role: SiteRole) => Located;

/** What each finding kind reads besides its own records. */
export interface FindingContext {
  model: ProcessModel;
  at: At;
  /** Seconds since the first event, or null when the log has no timestamps. */
  rel: (t: number) => number | null;
  /** A finding's fixes, from the FixProvider the caller passed (none by default). */
  fix: (request: FixRequest) => FixAnswer;
}

/** A finding's location fields: the line, or why there is none. */
export function locationFields(where: Located): Pick<DiagnosticJson, 'location' | 'locationNote' | 'locationPreciseWouldPin'> {
  return {
    location: where.location,
    locationNote: where.location ? (where.inferred ?? null) : where.note,
    locationPreciseWouldPin: !where.location && where.preciseWouldPin === true,
  };
}

export function relatedForkSite(p: ProcessNode, at: At): RelatedJson[] {
  if (!p.forkSite) return [];
  const location = at(p.forkSite, 'fork').location;
  return location ? [{ message: `pid ${p.pid} was forked here`, location }] : [];
}

/** The last adopter of a process, for adopterWords(): the model knows whether it is in the trace. */
export function lastAdopter(p: ProcessNode): AdopterFacts | undefined {
  const a = p.adoptions[p.adoptions.length - 1];
  if (!a) return undefined;
  return a.adopter ? { pid: a.adopter.pid, command: a.adopter.command, inTrace: true } : { pid: a.pid, command: a.command, inTrace: false };
}
