// Parser and model wired together: text in, snapshot out. What the CLI, the
// extension and the debug adapter each hold one of.
import type { ParseWarning, TraceEvent } from './events';
import { MODEL_CALLS, ProcessModel, type ModelOptions } from './model';
import { StraceParser, type ParserOptions } from './parser';
import { buildSnapshot } from './snapshotBuilder';
import type { FixProvider, SiteLocator } from './diagnostics';
import type { SnapshotJson } from '../shared/schema';

export class TraceSession {
  readonly model: ProcessModel;
  readonly parser: StraceParser;

  constructor(options: ModelOptions & ParserOptions = {}) {
    this.model = new ProcessModel(options);
    const model = this.model;
    this.parser = new StraceParser(
      {
        event: (e: TraceEvent) => model.apply(e),
        warning: (w: ParseWarning) => model.warn(w),
        wantsEveryCall: () => model.wantsEveryCall,
      },
      { interesting: MODEL_CALLS, ...options },
    );
    model.readsPast(this.parser.skippedCalls);
  }

  /** Feeds raw bytes (split anywhere, even inside a UTF-8 sequence) or text. */
  push(chunk: Uint8Array | string): void {
    this.parser.push(chunk);
  }

  /** End of input; returns the fatal error, if the input was not a strace log. */
  finish(): string | null {
    this.parser.finish();
    this.model.finish(this.parser.skippedCalls);
    return this.parser.fatal;
  }

  get fatal(): string | null {
    return this.parser.fatal;
  }

  snapshot(locate?: SiteLocator, fix?: FixProvider): SnapshotJson {
    return buildSnapshot(this.model, locate, fix);
  }
}
