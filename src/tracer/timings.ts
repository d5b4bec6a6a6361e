// Where forktrace's own time goes, stage by stage, when FORKTRACE_TIMINGS is set: `1`
// prints a table on standard error at the end, a file name also writes it there as JSON
// (what `npm run bench` reads). Unset, every call below returns at once.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface TimingsJson {
  /** From the first stage to the report. */
  wallMs: number;
  /** This process's CPU over the same span. */
  cpuUserMs: number;
  cpuSystemMs: number;
  stages: Array<{ stage: string; ms: number; calls: number }>;
  /** Facts of the run: the strace command line, bytes read, processes… */
  facts: Record<string, unknown>;
}

export class Timings {
  readonly on: boolean;
  private readonly ms = new Map<string, number>();
  private readonly calls = new Map<string, number>();
  private readonly facts: Record<string, unknown> = {};
  private readonly began = performance.now();
  private readonly cpu0 = process.cpuUsage();

  constructor(private readonly target: string | undefined) {
    this.on = target !== undefined && target !== '' && target !== '0';
  }

  /** A start time for stop(); 0 when timings are off. */
  start(): number {
    return this.on ? performance.now() : 0;
  }

  /** Adds the time since `t0` to `stage`. */
  stop(stage: string, t0: number): void {
    if (!this.on) return;
    this.add(stage, performance.now() - t0);
  }

  add(stage: string, ms: number, calls = 1): void {
    if (!this.on) return;
    this.ms.set(stage, (this.ms.get(stage) ?? 0) + ms);
    this.calls.set(stage, (this.calls.get(stage) ?? 0) + calls);
  }

  fact(name: string, value: unknown): void {
    if (this.on) this.facts[name] = value;
  }

  json(): TimingsJson {
    const cpu = process.cpuUsage(this.cpu0);
    return {
      wallMs: performance.now() - this.began,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      stages: [...this.ms].map(([stage, ms]) => ({ stage, ms, calls: this.calls.get(stage) ?? 0 })),
      facts: this.facts,
    };
  }

  /** The table on stderr, and the JSON file when one was named. */
  report(): void {
    if (!this.on) return;
    const j = this.json();
    const busy = j.stages.reduce((sum, s) => sum + s.ms, 0);
    const rows = [...j.stages.map((s) => [s.stage, s.ms.toFixed(1), String(s.calls)]), ['(the rest: Node, waiting, idle)', (j.wallMs - busy).toFixed(1), '']];
    const width = Math.max(...rows.map((r) => r[0].length));
    const lines = [
      `forktrace timings: wall ${(j.wallMs / 1000).toFixed(3)} s, CPU ${((j.cpuUserMs + j.cpuSystemMs) / 1000).toFixed(3)} s (user ${(j.cpuUserMs / 1000).toFixed(3)}, system ${(j.cpuSystemMs / 1000).toFixed(3)})`,
      ...rows.map(([a, b, c]) => `  ${a.padEnd(width)}  ${b.padStart(9)} ms  ${c.padStart(8)}${c ? ' calls' : ''}`),
      ...Object.entries(j.facts).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`),
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
    if (this.target !== '1') writeFileSync(this.target as string, `${JSON.stringify(j, null, 2)}\n`);
  }
}

/** The one stopwatch of this process (the CLI's). */
export const timings = new Timings(process.env.FORKTRACE_TIMINGS);

/** Times a session's pushes as `parse` and its model's events as `model` (the parse time without them). */
export function timeSession(session: { push(chunk: Uint8Array | string): void; model: { apply(e: never): void } }): void {
  if (!timings.on) return;
  const model = session.model as { apply(e: unknown): void };
  const apply = model.apply.bind(model);
  let modelMs = 0;
  let events = 0;
  model.apply = (e: unknown) => {
    const t0 = performance.now();
    apply(e);
    modelMs += performance.now() - t0;
    events++;
  };
  const push = session.push.bind(session);
  session.push = (chunk) => {
    const before = modelMs;
    const t0 = performance.now();
    push(chunk);
    timings.add('parse', performance.now() - t0 - (modelMs - before));
  };
  const finish = timings.report.bind(timings);
  timings.report = () => {
    timings.add('model', modelMs, events);
    finish();
  };
}
