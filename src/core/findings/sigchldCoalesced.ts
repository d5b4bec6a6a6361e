// sigchld-coalesced: a SIGCHLD handler that reaped one child while others had exited.
import type { DiagnosticJson, RelatedJson } from '../../shared/schema';
import { count, pidList, processName } from '../../shared/words';
import { locationFields, type FindingContext } from './context';
import { reapLoopRequest, reapLoopWords } from './zombieLeak';

export function sigchldCoalesced({ model, at, rel, fix }: FindingContext): DiagnosticJson[] {
  const out: DiagnosticJson[] = [];
  for (const [proc, record] of model.coalescing) {
    const where = at(record.handlerWait, 'wait');
    const left = [...record.leftBehind];
    const related: RelatedJson[] = [];
    if (proc.sigchld.site) related.push({ message: 'the SIGCHLD handler is installed here', location: at(proc.sigchld.site, 'sigaction').location });
    out.push({
      kind: 'sigchld-coalesced',
      severity: 'warning',
      pids: [proc.pid, ...left.map((c) => c.pid)],
      message: `The SIGCHLD handler of ${processName(proc)} reaped one child and returned ${count(record.times, 'time', 'times')} while other children had already exited (${pidList(left)} left as ${left.length === 1 ? 'a zombie' : 'zombies'}). Signals of one kind do not queue: one SIGCHLD can stand for several exits. Loop: ${reapLoopWords(proc)}`,
      ...locationFields(where),
      related,
      time: rel(record.firstTime),
      ...fix(reapLoopRequest(where, record.handlerWait?.executable ?? null)),
    });
  }
  return out;
}
