// zombie-leak, the second fix: SIGCHLD set to SIG_IGN, so the kernel reaps children at once.
import type { FixJson, SourceLocation } from '../shared/schema';
import type { CSource } from './cScanner';
import { includeEdits, editAt } from './edits';
import { comment } from './placement';
import { installPoint } from './zombieLeak';

/** The second fix: SIGCHLD set to SIG_IGN, for a program that never needs its children's exit statuses. */
export function ignoreSigchldFix(forks: readonly SourceLocation[], src: CSource): FixJson[] | string {
  const at = installPoint(forks, src);
  if (typeof at === 'string') return at;
  const line = `${at.indent}signal(SIGCHLD, SIG_IGN); ${comment(src, 'the kernel reaps children at once; their exit statuses are lost')}\n`;
  return [
    {
      title: 'Ignore SIGCHLD so the kernel reaps children (when their exit statuses are not needed)',
      preferred: false,
      edits: [...includeEdits(at.file, src, ['signal.h']), editAt(at.file, src, at.offset, at.offset, line)],
    },
  ];
}
