// A process's Variables in the debug view: what happened to it, and the folded groups of
// its children (older reaped ones kept as counts), in the words the panel and the CLI use.
import { Variable } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ProcessJson, SnapshotJson } from '../shared/schema';
import { adopterWords, atTime, describeExit, describeReap, describeZombie, foldedExitsWords, foldedGroupWords, foldedZombieWords } from '../shared/words';

/** What happened to a process, as Variables: the panel's details and the CLI's tree use the same words. */
export function lifeVariables(p: ProcessJson, snapshot: SnapshotJson | null): DebugProtocol.Variable[] {
  const vars: DebugProtocol.Variable[] = [];
  if (p.exit) vars.push(new Variable('exit', describeExit(p.exit)));
  if (p.zombie) vars.push(new Variable('zombie', describeZombie(p, snapshot?.duration ?? null)));
  if (p.reaped) vars.push(new Variable('reaped', describeReap(p.reaped, commandAt(snapshot?.processes ?? [], p.reaped.by, p.reaped.time))));
  for (const a of p.adoptedBy) vars.push(new Variable('adopted by', `${adopterWords(a)}${atTime(a.time)}`));
  return vars;
}

/** Its folded children, one Variable per group: "19,500 more reaped children of 1234, forked at server.c:70, …". */
export function foldedVariables(p: ProcessJson, snapshot: SnapshotJson | null): DebugProtocol.Variable[] {
  const vars: DebugProtocol.Variable[] = [];
  for (const g of snapshot?.folded ?? []) {
    if (g.parentId !== p.id) continue;
    const details = [foldedExitsWords(g), foldedZombieWords(g)].filter((x) => x).join('; ');
    vars.push(new Variable('folded children', `${foldedGroupWords(g)} (${details})`));
  }
  return vars;
}

/** The command of the process that had this pid at this time: the latest one started by then (pids are reused). */
function commandAt(processes: readonly ProcessJson[], pid: number | null, time: number | null): string | null {
  if (pid === null) return null;
  let found: ProcessJson | null = null;
  for (const q of processes) {
    if (q.pid === pid && (found === null || time === null || q.start === null || q.start <= time)) found = q;
  }
  return found?.command ?? null;
}
