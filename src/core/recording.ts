// How a log was recorded, as far as its own records show it: strace options that leave
// out what the tree is built from. Without -f, the children's own records; with -qq (or
// -e quiet=exit), every `+++ exited` record; with -Z (or -e status=failed), every call
// that succeeded. The picture must say so, never quietly show what is not there.
import { cloneFlagNames, EXEC_CALLS, FORK_CALLS, MODEL_CALLS, SIGACTION_CALLS, WAIT_CALLS } from './calls';
import type { ParseWarning, SyscallEvent, TraceEvent } from './events';
import type { SkippedCalls } from './textReader';
import { pidList } from '../shared/words';

/** The command that records a log the model can read whole. */
export const RECORD_AGAIN = 'strace -f -ttt -o trace.log PROGRAM';

export interface RecordingVerdict {
  /** Limits of this log that the picture cannot make up for, first among the warnings. */
  warnings: ParseWarning[];
  /** The log cannot give a process tree at all: why, and how to record one that does. */
  unusable: string | null;
}

const FORKS_LEFT_OUT = { what: 'forks', calls: 'fork, vfork, clone and clone3 are not in it', unknown: 'who forked whom' };
const WAITS_LEFT_OUT = { what: 'waits', calls: 'wait4, waitpid and waitid are not in it', unknown: 'which child was reaped, and when,' };

/** Processes that appear in a log with no fork that returned them (the model tells at the end). */
export interface UnforkedProcesses {
  /** The log's first record is no exec: strace attached to running processes (-p), the log's head is cut off, or -e trace= left execve out. */
  beganMidRun: boolean;
  /** The log holds only calls that make, run and reap processes: strace -e trace= named them (RecordingCheck.onlyProcessCalls). */
  narrowed: boolean;
  /** Their pids, the log's first process included when the log began mid-run. */
  pids: number[];
  /** The first record of the first of them. */
  first: TraceEvent | null;
}

const NO_UNFORKED: UnforkedProcesses = { beganMidRun: false, narrowed: false, pids: [], first: null };

/** "pids 12, 13 and 4 more", as the findings name a group of processes. */
function somePids(pids: readonly number[]): string {
  return pidList(pids.map((pid) => ({ pid })));
}

export class RecordingCheck {
  private prefixed = false;
  private unprefixed = false;
  /** `+++ exited with N +++` and `+++ killed by SIG +++` records; of those, the first (a process killed calls no exit). */
  private exitRecords = 0;
  private exitedRecords = 0;
  private exitCall = false;
  private forks = 0;
  private waits = 0;
  /** Execs that succeeded. */
  private execs = 0;
  private succeeded = 0;
  private failed = 0;
  /** The first fork that returned a child. */
  private firstFork: TraceEvent | null = null;
  private signalRecords = 0;
  /** Calls read that the model has no use for (read while a handler may be running): the log was not narrowed to process calls. */
  private otherCalls = false;
  /** A call cut short by strace detaching: the log is an attach's. */
  private detached = false;
  /** Any call at all: a log of none is no narrowed one. */
  private anyCall = false;
  /** Clones that made a task with flags the log does not hold (clone3's struct undecoded), and the first. */
  private flaglessClones = 0;
  private firstFlaglessClone: SyscallEvent | null = null;
  private sigaction = false;
  /** The first return from a signal handler after a sigaction call. */
  private firstSigreturn: TraceEvent | null = null;
  /** Any return from a signal handler. */
  private sigreturn = false;
  /** Who the last record, a SIGCHLD, went to: a WNOHANG wait it makes next is a handler's work. */
  private sigchldTo: number | null = null;
  /** The first such wait. */
  private firstHandlerWait: TraceEvent | null = null;

  observe(event: TraceEvent): void {
    if (event.kind === 'message') {
      // strace detaches only from processes it attached to (-p).
      if (event.inCall && event.text === 'detached') this.detached = true;
      return;
    }
    if (event.pid === null) this.unprefixed = true;
    else this.prefixed = true;
    if (event.kind === 'signal') {
      this.signalRecords++;
      this.sigchldTo = event.signal === 'SIGCHLD' ? event.pid : null;
    } else if (event.kind === 'exit') {
      this.exitRecords++;
      if (event.code !== null) this.exitedRecords++;
    } else if (event.kind === 'syscall') {
      const name = event.name;
      this.anyCall = true;
      if (this.sigchldTo === event.pid && WAIT_CALLS.has(name) && event.args.includes('WNOHANG')) this.firstHandlerWait ??= event;
      this.sigchldTo = null;
      if (!this.otherCalls && !MODEL_CALLS.has(name) && name !== 'exit_group' && name !== 'exit') this.otherCalls = true;
      const fork = FORK_CALLS.has(name);
      if (fork) this.forks++;
      else if (WAIT_CALLS.has(name)) this.waits++;
      else if (name === 'exit_group' || name === 'exit') this.exitCall = true;
      else if (SIGACTION_CALLS.has(name)) this.sigaction = true;
      // A handler installed in the log: after an attach, one already running returns with no signal seen.
      else if (name === 'rt_sigreturn' || name === 'sigreturn') {
        this.sigreturn = true;
        if (this.sigaction) this.firstSigreturn ??= event;
      }
      if (event.result === '-1') this.failed++;
      else if (event.result !== '?') {
        this.succeeded++;
        if (EXEC_CALLS.has(name)) this.execs++;
        if (fork && this.firstFork === null && Number(event.result) > 0) this.firstFork = event;
        if (fork && name.startsWith('clone') && Number(event.result) > 0 && cloneFlagNames(name, event.args) === null) {
          this.flaglessClones++;
          this.firstFlaglessClone ??= event;
        }
      }
    }
  }

  /**
   * Whether every call in the log is one that makes, runs or reaps processes: no read, mmap or
   * the like succeeded or failed, which every real program does. strace -e trace= named them.
   */
  onlyProcessCalls(skipped: SkippedCalls): boolean {
    return this.anyCall && !this.otherCalls && !skipped.succeeded && !skipped.failed && !this.detached;
  }

  /**
   * At the end. `processes`: how many the log showed; `unseenExit`: the first wait that
   * reaped a process whose exit record never came, and how many such processes there were;
   * `skipped`: the outcomes of the calls that became no event.
   */
  verdict(
    processes: number,
    unseenExit: { event: TraceEvent; count: number } | null,
    skipped: SkippedCalls,
    unforked: UnforkedProcesses = NO_UNFORKED,
  ): RecordingVerdict {
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
    // strace started the program, yet others appear with no fork at all: -e trace= without clone (exit_group kept).
    // The log's first process, when it began mid-run, came with no fork too; the others are strangers.
    // Narrowed by -e trace=, which of them strace started is not known: all are named.
    const strangers = unforked.beganMidRun && (!unforked.narrowed || unforked.pids.length < 2) ? unforked.pids.slice(1) : unforked.pids;
    const forksFiltered = this.forks === 0 && strangers.length > 0 && (!unforked.beganMidRun || unforked.narrowed);
    const left =
      (filtered && processes >= 2 && this.forks === 0) || forksFiltered
        ? FORKS_LEFT_OUT
        : filtered && this.forks > 0 && this.waits === 0
          ? WAITS_LEFT_OUT
          : null;
    if (left) {
      const missing = filtered ? `${left.calls} (nor exit_group)` : `${left.calls}, though ${somePids(strangers)} appear in it`;
      return {
        warnings: [],
        unusable:
          `it was recorded with -e trace= naming calls that leave out the ${left.what}: ${missing}, ` +
          `so ${left.unknown} cannot be known. Record it again with every call, or with ` +
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
    const one = strangers.length === 1;
    const drawnAsRoots =
      `${one ? 'it is' : 'they are'} drawn as ${one ? 'a root' : 'roots'}, as who forked ${one ? 'it' : 'them'} is not known, ` +
      "and a zombie left by one is not counted as its parent's.";
    if (unforked.first && unforked.narrowed && strangers.length > 0) {
      warnings.push(
        at(
          unforked.first,
          'this log holds only calls that make, run and reap processes (strace -e trace= named them), ' +
            `and ${somePids(strangers)} ${one ? 'appears' : 'appear'} in it with no fork that made ${one ? 'it' : 'them'}` +
            `${unforked.beganMidRun && !one ? ' (the program strace started among them: no execve is in the log either)' : ''}: ` +
            `the fork was left out (clone3, which posix_spawn and system() use, or clone or vfork): ${drawnAsRoots} ` +
            `Record with -e trace=%process,%signal, or every call: ${RECORD_AGAIN}`,
        ),
      );
    } else if (unforked.first && unforked.beganMidRun && strangers.length > 0) {
      // About the log's start: its first line, whichever record the model read first.
      warnings.push(
        at(
          { ...unforked.first, line: 1 },
          "this log begins mid-run: its first record is no exec, so strace attached to running processes (-p), or the log's start is cut off. " +
            `${unforked.pids.length} processes appear in it with no fork that made them (${somePids(unforked.pids)}): who forked ` +
            'them, what they did before their first record, and which of them are threads of one process are not in the log. ' +
            'forktrace attach PID (Fork Trace: Attach to Process… in VS Code) reads those from /proc as it attaches.',
        ),
      );
    } else if (unforked.first && !unforked.beganMidRun && strangers.length > 0) {
      warnings.push(
        at(
          unforked.first,
          `${somePids(strangers)} ${one ? 'appears' : 'appear'} in this log with no fork that made ${one ? 'it' : 'them'}: ${drawnAsRoots} ` +
            `strace run with -e trace= that leaves out clone or clone3 records such a log: record it again with every call: ${RECORD_AGAIN}`,
        ),
      );
    }
    if (skipped.programStart > 0 && this.execs === 0) {
      warnings.push({
        line: skipped.programStart,
        reason:
          "this log has no execve: it begins with brk(NULL), a program's first call, so strace started the program, but -e trace= " +
          'left execve out: which programs ran is not known (their commands show as ?), nor the source line of any fork. ' +
          `Record with execve in the trace (-e trace=%process,%signal, or every call): ${RECORD_AGAIN}`,
        recording: true,
      });
    }
    if (this.firstFlaglessClone) {
      const n = this.flaglessClones;
      warnings.push(
        at(
          this.firstFlaglessClone,
          `${this.firstFlaglessClone.name}'s arguments are not decoded in this log (strace -e verbose=none, or -e raw=${this.firstFlaglessClone.name} or raw=all), ` +
            `so its flags are not known: the ${n === 1 ? 'task it made is' : `${n} tasks it made are`} drawn as ${n === 1 ? 'a process' : 'processes'}, ` +
            `though ${n === 1 ? 'it may be a thread' : 'threads may be among them'} (pthread_create calls clone3 too), ` +
            'and a thread looks like a zombie nobody reaped: a zombie-leak naming one may be false. ' +
            `Record without that option: ${RECORD_AGAIN}`,
        ),
      );
    }
    // Without rt_sigaction and rt_sigreturn in the log, a handler shows only in what it does: a WNOHANG wait right after SIGCHLD.
    if (this.firstHandlerWait && !this.sigaction && !this.sigreturn && this.onlyProcessCalls(skipped)) {
      warnings.push(
        at(
          this.firstHandlerWait,
          'a SIGCHLD handler seems to reap here (a WNOHANG wait right after SIGCHLD), but this log holds only the process calls ' +
            '(strace -e trace=%process, or a list without rt_sigaction and rt_sigreturn): the handler is not in it, so eintr-no-restart ' +
            `and sigchld-coalesced cannot be found. Record with -e trace=%process,%signal, or every call: ${RECORD_AGAIN}`,
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
