// eintr-no-restart: a slow call that SIGCHLD interrupted: its handler lacks SA_RESTART, or the
// call is one the kernel never restarts after a handler (select, poll, epoll_wait, …).
import type { DiagnosticJson } from '../../shared/schema';
import { basename, count, processName } from '../../shared/words';
import { locationFields, type FindingContext, type Located } from './context';
import { deferredHandlerLanguage, type EintrRecord } from '../sigchld';

export function eintrNoRestart({ model, at, rel, fix: fixFor }: FindingContext): DiagnosticJson[] {
  const out: DiagnosticJson[] = [];
  for (const record of model.eintr.values()) {
    const where = at(record.site, 'interrupted');
    const sigactionAt = record.sigaction ? at(record.sigaction, 'sigaction').location : null;
    const sigactionWords = sigactionAt ? ` (sigaction at ${sigactionAt.file}:${sigactionAt.line})` : '';
    const { call, handlerRestart } = record;
    const retried = retriedForTheProgram(record, where);
    out.push({
      kind: 'eintr-no-restart',
      // With SA_RESTART set, nothing in how the handler is installed is wrong: the call is one
      // the kernel never restarts. Python 3 and the Go runtime retry the call themselves.
      severity: handlerRestart === true || retried ? 'info' : 'warning',
      pids: [record.process.pid],
      message: `${call} in ${processName(record.process)} was interrupted by SIGCHLD and failed with EINTR ("Interrupted system call") ${count(record.times, 'time', 'times')}: ${retried ?? eintrCause(record, sigactionWords)}`,
      ...locationFields(retried && !where.location && where.runtime === 'go' ? { location: null, note: goNoLine(call, record.site.executable) } : where),
      related: sigactionAt
        ? [{ message: `the handler is installed here ${handlerRestart === true ? 'with' : 'without'} SA_RESTART`, location: sigactionAt }]
        : [],
      time: rel(record.firstTime),
      ...fixFor(
        retried
          ? { kind: 'none', reason: 'the program does not see this EINTR, so there is nothing to fix.' }
          : {
              kind: 'eintr',
              call,
              interrupted: where.location,
              sigaction: sigactionAt,
              restartWouldHelp: record.restartWouldHelp,
              executable: record.site.executable,
            },
      ),
    });
  }
  return out;
}

/**
 * Why the program never saw the EINTR, when its runtime retried the call for it (Python 3,
 * Go); null when the program itself sees it.
 */
function retriedForTheProgram(record: EintrRecord, where: Located): string | null {
  const name = record.site.executable === null ? '' : basename(record.site.executable);
  if (/^(python|pypy)3(\.\d+)*$/.test(name))
    return `${name} retries a call that fails with EINTR by itself once the handler has run (Python 3.5 and later, PEP 475), so the script does not see the EINTR unless its signal handler raises an exception. Nothing to fix.`;
  if (where.runtime === 'go')
    return `${name || 'the program'} is a Go program: the Go runtime installs its SIGCHLD handler with SA_RESTART, carries on after an interrupted sleep, poll or futex wait of its own, and its os, net and os/exec packages retry a call that fails with EINTR (Go 1.14 and later), so the program does not see this EINTR unless it makes the call through the syscall package itself. Nothing to fix.`;
  return null;
}

function goNoLine(call: string, executable: string | null): string {
  return `${call} was made through the Go runtime, whose calls the disassembly of ${executable ? basename(executable) : 'the program'} does not map to a line of the program.`;
}

/** The Perl function a script calls for a slow call strace names (perl makes accept4, pselect6 …). */
const PERL_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['accept', 'accept'],
  ['accept4', 'accept'],
  ['connect', 'connect'],
  ['select', 'select'],
  ['pselect6', 'select'],
  ['wait4', 'waitpid'],
  ['nanosleep', 'sleep'],
  ['clock_nanosleep', 'sleep'],
  ['pause', 'POSIX::pause'],
  ['read', 'sysread'],
  ['recvfrom', 'recv'],
]);

/** Why the program saw EINTR, and what to do, as the trace showed the handler installed. */
function eintrCause(record: EintrRecord, sigactionWords: string): string {
  const { call, restartWouldHelp, handlerRestart } = record;
  // A Perl script gets the EINTR itself ($!), and %SIG installs handlers without SA_RESTART.
  const perl = deferredHandlerLanguage(record.process.executable) === 'perl';
  const perlName = perl ? PERL_FUNCTIONS.get(call) : undefined;
  const retry = perl
    ? `retry ${perlName ? `${perlName} (${call} in the trace)` : call} when $!{EINTR} is set (perl hands the EINTR to the script)`
    : `retry ${call} when errno == EINTR`;
  const addRestart = perl
    ? `Install the handler with POSIX::sigaction and SA_RESTART in its flags (%SIG installs it without)${sigactionWords}`
    : `Add SA_RESTART to sa_flags where the handler is installed${sigactionWords}`;
  if (restartWouldHelp) return `the SIGCHLD handler was installed without SA_RESTART. ${addRestart}, or ${retry}.`;
  if (handlerRestart === false)
    return `the SIGCHLD handler was installed without SA_RESTART${sigactionWords}, and ${call} fails with EINTR even with it: ${retry}.`;
  if (handlerRestart === true)
    return `the SIGCHLD handler has SA_RESTART${sigactionWords}, but the kernel never restarts ${call} after a signal handler ran: ${retry}.`;
  return `${call} fails with EINTR after any signal handler ran, with SA_RESTART or without: ${retry}.`;
}
