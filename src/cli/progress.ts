// How far a long read has come, on one terminal line of stderr that is rewritten in
// place and cleared at the end: `forktrace: reading trace.log: 212 of 576 MiB (37%)`.
// Only on a terminal (a pipe or a file gets nothing), and only once the read has taken a
// moment: a log read in a blink shows no line at all.
import { readWords } from '../shared/words';

/** What progress needs of stderr: its TTY flag and write (a fake in unit tests). */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Nothing is shown before this much time has gone by (ms). */
  delayMs?: number;
  /** The line is rewritten at most this often (ms). */
  everyMs?: number;
  now?: () => number;
}

export interface TerminalProgress {
  /** Bytes read so far, of total. */
  update(read: number, total: number): void;
  /** Clears the line, if one was shown; the report follows on a clean line. */
  done(): void;
}

const ERASE_LINE = '\r\x1b[K';

/** null when the stream is no terminal: nothing to show, and the reader need not stop to tell. */
export function terminalProgress(stream: ProgressStream, label: string, options: ProgressOptions = {}): TerminalProgress | null {
  if (stream.isTTY !== true) return null;
  const { delayMs = 500, everyMs = 100, now = Date.now } = options;
  const started = now();
  let shownAt = -Infinity;
  let shown = false;
  return {
    update(read, total) {
      const t = now();
      if (t - started < delayMs || t - shownAt < everyMs) return;
      shownAt = t;
      shown = true;
      const percent = total > 0 ? ` (${Math.min(100, Math.floor((100 * read) / total))}%)` : '';
      stream.write(`${ERASE_LINE}forktrace: ${label}: ${readWords(read, total)}${percent}`);
    },
    done() {
      if (shown) stream.write(ERASE_LINE);
      shown = false;
    },
  };
}
