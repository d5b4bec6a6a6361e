// What a finding needs to be fixed, as data: the kind of edit and where the trace says the
// calls are. The core never reads source; a FixProvider (src/fixes/provider.ts) reads the
// files and computes the edits, the way a SiteLocator maps calls to lines.
import type { FixJson, SourceLocation } from '../../shared/schema';

interface Built {
  /** The traced program's executable, to tell a source edited since the build. */
  executable: string | null;
}

export type FixRequest =
  /** Children nobody reaps, made by fork(): a SIGCHLD handler that reaps in a loop, or SIG_IGN. */
  | (Built & { kind: 'reap-children'; forks: SourceLocation[] })
  /** Children made by popen() and never pclose()d. */
  | (Built & { kind: 'pclose'; popens: SourceLocation[] })
  /** Children made by posix_spawn() whose pid nobody waits for. */
  | (Built & { kind: 'waitpid-spawned'; spawns: SourceLocation[] })
  /** A SIGCHLD handler's single waitpid, to become a loop. */
  | (Built & { kind: 'reap-loop'; wait: SourceLocation })
  /** A slow call SIGCHLD interrupted: SA_RESTART on the handler's sigaction, or a retry on EINTR. */
  | (Built & { kind: 'eintr'; call: string; interrupted: SourceLocation | null; sigaction: SourceLocation | null; restartWouldHelp: boolean })
  /** No edit can be computed; `reason` says why, in words a user can act on. */
  | { kind: 'none'; reason: string };

export interface FixAnswer {
  fixes: FixJson[];
  fixNote: string | null;
}

/** Computes a finding's fixes from the source; the CLI, the extension and the debug adapter pass one. */
export type FixProvider = (request: FixRequest) => FixAnswer;

/** No source is read: every finding has no fixes and no note (a log analysed without its sources, a unit test). */
export const NO_FIXES: FixProvider = () => ({ fixes: [], fixNote: null });
