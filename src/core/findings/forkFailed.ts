// fork-failed: fork calls that made no child, with the errno in words.
import type { DiagnosticJson } from '../../shared/schema';
import { count, processName } from '../../shared/words';
import { locationFields, type FindingContext } from './context';

export function forkFailed({ model, at, rel }: FindingContext): DiagnosticJson[] {
  const out: DiagnosticJson[] = [];
  for (const [proc, record] of model.forkFailures) {
    const where = at(record.site, 'fork');
    const why =
      record.errno === 'EAGAIN'
        ? "EAGAIN: the process limit was reached (RLIMIT_NPROC, the pids cgroup, or the system's pid_max), often because exited children were never reaped and still count"
        : record.errno === 'ENOMEM'
          ? 'ENOMEM: the kernel could not allocate the new process'
          : record.errno;
    out.push({
      kind: 'fork-failed',
      severity: 'warning',
      pids: [proc.pid],
      message: `fork failed ${count(record.times, 'time', 'times')} in ${processName(proc)} with ${why}. No child was created: check fork()'s return value, back off and retry, and reap children so they stop counting against the limit.`,
      ...locationFields(where),
      related: [],
      time: rel(record.firstTime),
      fixes: [],
      fixNote: null,
    });
  }
  return out;
}
