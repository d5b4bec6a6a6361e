// `forktrace zombies`: no tracing, /proc alone: every zombie on the machine, by holder.
import type { ZombieScanJson } from '../shared/schema';
import { formatDuration, zombieHolderNote, zombieHolderWords, zombieScanSummary } from '../shared/words';
import { scanProcesses, uptime, zombieHolders } from '../tracer/procScan';

/** Zombies listed per holder in the text report (the JSON has them all). */
const MAX_LISTED = 20;

export function scanZombies(): ZombieScanJson {
  const up = uptime() ?? 0;
  const time = Date.now() / 1000;
  const holders = zombieHolders(scanProcesses());
  return { time, uptime: up, total: holders.reduce((n, h) => n + h.count, 0), holders };
}

/** The holders, biggest first, each with its zombies' pids and how long ago they started. */
export function renderZombieScan(scan: ZombieScanJson): string {
  const lines = [scan.total === 0 ? zombieScanSummary(0, 0) : `${zombieScanSummary(scan.total, scan.holders.length)}:`];
  for (const h of scan.holders) {
    lines.push('', zombieHolderWords(h));
    for (const z of h.zombies.slice(0, MAX_LISTED)) lines.push(`  ${z.pid}  ${z.command}  started ${formatDuration(scan.uptime - z.startTime)} ago`);
    if (h.count > MAX_LISTED) lines.push(`  … and ${h.count - MAX_LISTED} more (see --json)`);
    const note = zombieHolderNote(h);
    if (note) lines.push(`  ${note}`);
  }
  return lines.join('\n') + '\n';
}
