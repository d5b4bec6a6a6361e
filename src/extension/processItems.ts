// The rows of the process pickers, from a /proc scan: "Attach to Process…" (every
// process one can attach to, holders of zombies first) and "Find Zombies" (the holders).
// No vscode import: plain data in, plain rows out, so the ordering and the words are
// unit-tested without an editor.
import { count, pidList, zombieHolderNote } from '../shared/words';
import { childCounts, type ProcEntry, type ZombieHolder } from '../tracer/procScan';

/** What a QuickPickItem shows, and the pid it stands for. */
export interface ProcessPickItem {
  /** "1234  /usr/sbin/server --port 80": typing a pid or a word of the command line finds it. */
  label: string;
  /** The user, or how many zombies a holder holds. */
  description: string;
  /** Children and zombies held; pid 1's container fix. */
  detail: string;
  pid: number;
  /** Zombies it holds (0 for most). */
  zombies: number;
}

export interface AttachPickOptions {
  /** Our own extension host: attaching to it would trace the tracer. */
  ownPid: number;
}

/**
 * Every process one could attach to: not a kernel thread, not a zombie (it has exited),
 * not our own extension host. Holders of zombies first, the biggest first; then the most
 * recently started, which is usually the server the user just ran.
 */
export function attachPickItems(entries: readonly ProcEntry[], options: AttachPickOptions): ProcessPickItem[] {
  const counts = childCounts(entries);
  const zombiePids = new Map<number, number[]>();
  for (const e of entries) {
    if (e.state !== 'Z') continue;
    const list = zombiePids.get(e.ppid) ?? [];
    list.push(e.pid);
    zombiePids.set(e.ppid, list);
  }
  const candidates = entries.filter((e) => !e.kernelThread && e.state !== 'Z' && e.state !== 'X' && e.pid !== options.ownPid);
  const zombiesOf = (e: ProcEntry): number => counts.get(e.pid)?.zombies ?? 0;
  candidates.sort((a, b) => zombiesOf(b) - zombiesOf(a) || (zombiesOf(a) > 0 ? a.pid - b.pid : b.startTime - a.startTime || b.pid - a.pid));
  return candidates.map((e) => {
    const children = counts.get(e.pid)?.children ?? 0;
    const zombies = zombiesOf(e);
    const parts = [count(children, 'child', 'children')];
    if (e.threads > 1) parts.push(count(e.threads, 'thread'));
    parts.push(zombies > 0 ? `holds ${count(zombies, 'zombie')} (${pidList((zombiePids.get(e.pid) ?? []).map((pid) => ({ pid })))})` : 'no zombies');
    return {
      label: escapeIcons(`${e.pid}  ${e.command}`),
      description: escapeIcons(`user ${e.user}`),
      detail: escapeIcons(parts.join(' · ')),
      pid: e.pid,
      zombies,
    };
  });
}

/** The holders of zombies on the machine (zombieHolders' order: the biggest first), pid 1 with the container fix. */
export function zombiePickItems(holders: readonly ZombieHolder[]): ProcessPickItem[] {
  return holders.map((h) => {
    const note = zombieHolderNote(h);
    const zombies = pidList(h.zombies);
    return {
      label: escapeIcons(`${h.pid}  ${h.command}`),
      description: escapeIcons(`holds ${count(h.count, 'zombie')} · user ${h.user}`),
      detail: escapeIcons(note ? `${zombies}. ${note}` : `${zombies}. Choose it to attach and watch its zombies.`),
      pid: h.pid,
      zombies: h.count,
    };
  });
}

/**
 * A quick pick draws `$(name)` as an icon: a command line is text, so `$(` is escaped the
 * way VS Code's own escapeIcons does it (a backslash before the `$`).
 */
export function escapeIcons(text: string): string {
  return text.replace(/(\\)?\$\([a-z0-9-]+?(?:~[a-z0-9-]*?)?\)/gi, (match, escaped: string | undefined) => (escaped ? match : `\\${match}`));
}
