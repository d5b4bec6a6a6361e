// eintr-no-restart: a slow call that SIGCHLD interrupted because its handler lacks SA_RESTART.
import type { DiagnosticJson } from '../../shared/schema';
import { count, processName } from '../../shared/words';
import { locationFields, type FindingContext } from './context';

export function eintrNoRestart({ model, at, rel, fix: fixFor }: FindingContext): DiagnosticJson[] {
  const out: DiagnosticJson[] = [];
  for (const record of model.eintr.values()) {
    const where = at(record.site, 'interrupted');
    const sigactionAt = record.sigaction ? at(record.sigaction, 'sigaction').location : null;
    const sigactionWords = sigactionAt ? ` (sigaction at ${sigactionAt.file}:${sigactionAt.line})` : '';
    const fix = record.restartWouldHelp
      ? `Add SA_RESTART to sa_flags where the handler is installed${sigactionWords}, or retry ${record.call} when errno == EINTR.`
      : `${record.call} fails with EINTR even with SA_RESTART: retry it when errno == EINTR${sigactionWords}.`;
    out.push({
      kind: 'eintr-no-restart',
      severity: 'warning',
      pids: [record.process.pid],
      message: `${record.call} in ${processName(record.process)} was interrupted by SIGCHLD and failed with EINTR ("Interrupted system call") ${count(record.times, 'time', 'times')}: the SIGCHLD handler was installed without SA_RESTART. ${fix}`,
      ...locationFields(where),
      related: record.sigaction ? [{ message: 'the handler is installed here without SA_RESTART', location: sigactionAt }] : [],
      time: rel(record.firstTime),
      ...fixFor({
        kind: 'eintr',
        call: record.call,
        interrupted: where.location,
        sigaction: sigactionAt,
        restartWouldHelp: record.restartWouldHelp,
        executable: record.site.executable,
      }),
    });
  }
  return out;
}
