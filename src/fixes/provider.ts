// The FixProvider the CLI, the extension and the debug adapter pass to the core: reads the
// source files a finding points at (cached by path and modification time) and computes
// the fixes with the pure builders of src/fixes. The only file of src/fixes that reads files.
import { readFileSync, statSync } from 'node:fs';
import type { FixAnswer, FixProvider, FixRequest } from '../core/diagnostics';
import { computeFixes, type SourceFile } from './index';
import { basename } from '../shared/words';

interface Cached {
  mtimeMs: number;
  size: number;
  text: string;
}

function mtime(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/** Files in the request, for the answer cache's key. */
function filesOf(request: FixRequest): string[] {
  switch (request.kind) {
    case 'reap-children':
      return request.forks.map((l) => l.file);
    case 'pclose':
      return request.popens.map((l) => l.file);
    case 'waitpid-spawned':
      return request.spawns.map((l) => l.file);
    case 'reap-loop':
      return [request.wait.file];
    case 'eintr':
      return [request.interrupted?.file, request.sigaction?.file].filter((f): f is string => !!f);
    case 'none':
      return [];
  }
}

export function createFixProvider(): FixProvider {
  const texts = new Map<string, Cached>();
  const answers = new Map<string, { stamp: string; answer: FixAnswer }>();

  const read = (file: string, executable: string | null): SourceFile => {
    let stat;
    try {
      stat = statSync(file);
    } catch {
      return { problem: `${file} is not on this machine (or not readable), so no edit can be computed.` };
    }
    const built = executable ? mtime(executable) : null;
    if (built !== null && stat.mtimeMs > built)
      return {
        problem: `${basename(file)} changed after ${basename(executable ?? '')} was built, so the traced lines may not be the file's lines any more. Rebuild and trace again for a fix.`,
      };
    const cached = texts.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return { text: cached.text };
    try {
      const text = readFileSync(file, 'utf8');
      texts.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, text });
      return { text };
    } catch {
      return { problem: `${file} could not be read, so no edit can be computed.` };
    }
  };

  return (request) => {
    if (request.kind === 'none') return computeFixes(request, () => ({ problem: '' }));
    // Live views ask on every update: the same request over unchanged files is answered from the cache.
    const files = filesOf(request);
    const stamp = [...files, request.executable ?? ''].map((f) => `${f}@${mtime(f) ?? 'none'}`).join('|');
    const key = JSON.stringify(request);
    const hit = answers.get(key);
    if (hit && hit.stamp === stamp) return hit.answer;
    const answer = computeFixes(request, (file) => read(file, request.executable));
    if (answers.size > 1000) answers.clear();
    answers.set(key, { stamp, answer });
    return answer;
  };
}
