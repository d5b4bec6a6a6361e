// eintr-no-restart: a slow call that SIGCHLD interrupted: its handler lacks SA_RESTART, or the
// call is one the kernel never restarts after a handler (select, poll, epoll_wait, …).
import type { DiagnosticJson } from '../../shared/schema';
import { basename, count, processName } from '../../shared/words';
import { locationFields, type FindingContext } from './context';
import type { EintrRecord } from '../sigchld';

export function eintrNoRestart({ model, at, rel, fix: fixFor }: FindingContext): DiagnosticJson[] {
  const out: DiagnosticJson[] = [];
  for (const record of model.eintr.values()) {
    const where = at(record.site, 'interrupted');
    const sigactionAt = record.sigaction ? at(record.sigaction, 'sigaction').location : null;
    const sigactionWords = sigactionAt ? ` (sigaction at ${sigactionAt.file}:${sigactionAt.line})` : '';
    const { call, handlerRestart } = record;
    const python = retriesEintrItself(record.site.executable);
    out.push({
      kind: 'eintr-no-restart',
      // With SA_RESTART set, nothing in how the handler is installed is wrong: the call is one
      // the kernel never restarts. Python 3 retries the call itself: the script never sees EINTR.
      severity: handlerRestart === true || python ? 'info' : 'warning',
      pids: [record.process.pid],
      message: `${call} in ${processName(record.process)} was interrupted by SIGCHLD and failed with EINTR ("Interrupted system call") ${count(record.times, 'time', 'times')}: ${python ? pythonRetries(python) : eintrCause(record, sigactionWords)}`,
      ...locationFields(where),
      related: sigactionAt
        ? [{ message: `the handler is installed here ${handlerRestart === true ? 'with' : 'without'} SA_RESTART`, location: sigactionAt }]
        : [],
      time: rel(record.firstTime),
      ...fixFor({
        kind: 'eintr',
        call,
        interrupted: where.location,
        sigaction: sigactionAt,
        restartWouldHelp: record.restartWouldHelp,
        executable: record.site.executable,
      }),
    });
  }
  return out;
}

/** The Python 3 interpreter's name (`python3.11`, `pypy3`) when the call was its own, else null. */
function retriesEintrItself(executable: string | null): string | null {
  const name = executable === null ? '' : basename(executable);
  return /^(python|pypy)3(\.\d+)*$/.test(name) ? name : null;
}

function pythonRetries(interpreter: string): string {
  return `${interpreter} retries a call that fails with EINTR by itself once the handler has run (Python 3.5 and later, PEP 475), so the script does not see the EINTR unless its signal handler raises an exception. Nothing to fix.`;
}

/** Why the program saw EINTR, and what to do, as the trace showed the handler installed. */
function eintrCause({ call, restartWouldHelp, handlerRestart }: EintrRecord, sigactionWords: string): string {
  if (restartWouldHelp)
    return `the SIGCHLD handler was installed without SA_RESTART. Add SA_RESTART to sa_flags where the handler is installed${sigactionWords}, or retry ${call} when errno == EINTR.`;
  if (handlerRestart === false)
    return `the SIGCHLD handler was installed without SA_RESTART${sigactionWords}, and ${call} fails with EINTR even with it: retry ${call} when errno == EINTR.`;
  if (handlerRestart === true)
    return `the SIGCHLD handler has SA_RESTART${sigactionWords}, but the kernel never restarts ${call} after a signal handler ran: retry ${call} when errno == EINTR.`;
  return `${call} fails with EINTR after any signal handler ran, with SA_RESTART or without: retry ${call} when errno == EINTR.`;
}
