// V8's tiering for the CLI, set before any other module runs (main.ts imports this first).
// Node 20's V8 (11.x) optimizes a function after little feedback: the first 20,000 lines
// of a live trace went through optimizing, deoptimizing as each new kind of record first
// appeared, and optimizing again, and that compiling was most of what forktrace cost the
// traced program on a 2,000-connection run. Four times the interrupt budget lets the
// feedback fill first: that run's parsing and model took 0.28 s of CPU instead of 0.44 s,
// and a long log's steady state (analyze on 537,000 lines) costs the same. Newer V8 (Node
// 24's) waits longer by itself and has no such flag, so it is left alone.
import { setFlagsFromString } from 'node:v8';

/** Node 20's default budget is 66 KiB of bytecode (`node --v8-options`). */
const INTERRUPT_BUDGET = 4 * 66 * 1024;

if (process.versions.v8.startsWith('11.')) setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
