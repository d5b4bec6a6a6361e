// How a log was recorded, as far as its own records show it: strace options that leave
// out what the tree is built from. Without -f, the children's own records; with -qq (or
// -e quiet=exit), every `+++ exited` record; with -Z (or -e status=failed), every call
// that succeeded. The picture must say so, never quietly show what is not there.
import { FORK_CALLS, SIGACTION_CALLS, WAIT_CALLS } from './calls';
import type { ParseWarning, TraceEvent } from './events';
import type { SkippedCalls } from './textReader';

/** The command that records a log the model can read whole. */
export const RECORD_AGAIN = 'strace -f -ttt -o trace.log PROGRAM';

export interface RecordingVerdict {
  /** Limits of this log that the picture cannot make up for, first among the warnings. */
  warnings: ParseWarning[];
  /** The log cannot give a process tree at all: why, and how to record one that does. */
  unusable: string | null;
}

const FORKS_LEFT_OUT = { what: 'forks', calls: 'fork, vfork, clone and clone3', unknown: 'who forked whom' };
const WAITS_LEFT_OUT = { what: 'waits', calls: 'wait4, waitpid and waitid', unknown: 'which child was reaped, and when,' };

export class RecordingCheck {
  private prefixed = false;
  private unprefixed = false;
  /** `+++ exited with N +++` and `+++ killed by SIG +++` records; of those, the first (a process killed calls no exit). */
  private exitRecords = 0;
  private exitedRecords = 0;
  private exitCall = false;
  private forks = 0;
  private waits = 0;
  private succeeded = 0;
  private failed = 0;
  /** The first fork that returned a child. */
  private firstFork: TraceEvent | null = null;
  private signalRecords = 0;
  private sigaction = false;
  /** The first return from a signal handler after a sigaction call. */
  private firstSigreturn: TraceEvent | null = null;

  observe(event: TraceEvent): void {
    if (event.kind === 'message') return;
    if (event.pid === null) this.unprefixed = true;
    else this.prefixed = true;
    if (event.kind === 'signal') {
      this.signalRecords++;
    } else if (event.kind === 'exit') {
      this.exitRecords++;
      if (event.code !== null) this.exitedRecords++;
    } else if (event.kind === 'syscall') {
      const name = event.name;
      const fork = FORK_CALLS.has(name);
      if (fork) this.forks++;
      else if (WAIT_CALLS.has(name)) this.waits++;
      else if (name === 'exit_group' || name === 'exit') this.exitCall = true;
      else if (SIGACTION_CALLS.has(name)) this.sigaction = true;
      // A handler installed in the log: after an attach, one already running returns with no signal seen.
      else if (this.sigaction && (name === 'rt_sigreturn' || name === 'sigreturn')) this.firstSigreturn ??= event;
      if (event.result === '-1') this.failed++;
      else if (event.result !== '?') {
        this.succeeded++;
        if (fork && this.firstFork === null && Number(event.result) > 0) this.firstFork = event;
      }
    }
  }

  /**
   * At the end. `processes`: how many the log showed; `unseenExit`: the first wait that
   * reaped a process whose exit record never came, and how many such processes there were;
   * `skipped`: the outcomes of the calls that became no event.
   */
  verdict(processes: number, unseenExit: { event: TraceEvent; count: number } | null, skipped: SkippedCalls): RecordingVerdict {
    // Exits too (-Z keeps them): an attached pool whose only calls failed (EAGAIN) and that was detached has none.
    if (this.succeeded === 0 && !skipped.succeeded && (this.failed > 0 || skipped.failed) && this.exitRecords > 0 && processes >= 2) {
      return {
        warnings: [],
        unusable:
          'no call in it succeeded, only failed ones, and no process was seen being forked: it was recorded with -Z ' +
          '(--failed-only, or -e status=failed), which leaves out every fork, exec and wait that succeeded, so no process tree ' +
          `can be built from it. Record it again without that option: ${RECORD_AGAIN}`,
      };
    }
    // Processes exited, yet no exit or exit_group call is in the log: strace printed only the calls -e trace= named.
    const filtered = this.exitedRecords > 0 && !this.exitCall && !skipped.exit;
    const left = filtered && processes >= 2 && this.forks === 0 ? FORKS_LEFT_OUT : filtered && this.forks > 0 && this.waits === 0 ? WAITS_LEFT_OUT : null;
    if (left) {
      return {
        warnings: [],
        unusable:
          `it was recorded with -e trace= naming calls that leave out the ${left.what}: ${left.calls} are not in it ` +
          `(nor exit_group), so ${left.unknown} cannot be known. Record it again with every call, or with ` +
          `-e trace=%process,%signal: ${RECORD_AGAIN}`,
      };
    }
    const at = (event: TraceEvent, reason: string): ParseWarning =>
      event.file === undefined ? { line: event.line, reason, recording: true } : { line: event.line, reason, file: event.file, recording: true };
    const warnings: ParseWarning[] = [];
    if (!this.prefixed && this.unprefixed && this.firstFork) {
      warnings.push(
        at(
          this.firstFork,
          "this log follows one process only: strace ran without -f, so its children's own calls and exits are not in it " +
            "(a child's exit is known only from its parent's wait, and what the children forked is missing). " +
            `Record with -f to see them: ${RECORD_AGAIN}`,
        ),
      );
    } else if (this.exitRecords === 0 && unseenExit) {
      warnings.push(
        at(
          unseenExit.event,
          `this log has no exit records (+++ exited with N +++): strace ran with -qq (or -e quiet=exit), so ${unseenExit.count} ` +
            `process${unseenExit.count === 1 ? '' : 'es'} exited only as far as ${unseenExit.count === 1 ? 'its parent' : 'their parents'} ` +
            'waited, and a process nobody waited for shows as still running. ' +
            `Record without that option: ${RECORD_AGAIN}`,
        ),
      );
    }
    if (this.firstSigreturn && this.signalRecords === 0) {
      warnings.push(
        at(
          this.firstSigreturn,
          'this log has no signal records (--- SIGCHLD {...} ---), though signal handlers returned (rt_sigreturn): strace ran with ' +
            '-e signal=none, so which calls a SIGCHLD cut short, and how many exits one handler run covered, are not known: ' +
            'eintr-no-restart and sigchld-coalesced cannot be found in it. ' +
            `Record without that option: ${RECORD_AGAIN}`,
        ),
      );
    }
    return { warnings, unusable: null };
  }
}
