// `forktrace`: the same core as the extension, for terminals and CI.
import './tiering';
import type { StdioOptions } from 'node:child_process';
import type { SnapshotJson, WarningJson } from '../shared/schema';
import { buildPartialSnapshot } from '../core/snapshotBuilder';
import { basename } from 'node:path';
import { analyzeLog } from '../tracer/logReader';
import type { TraceSession } from '../core/session';
import { terminalProgress } from './progress';
import { LiveTrace, type LiveTraceOptions, type StackMode } from '../tracer/liveTrace';
import { createFixProvider } from '../fixes/provider';
import { SiteResolver } from '../sites';
import { TraceError } from '../tracer/strace';
import { DEFAULT_KEEP_REAPED } from '../core/folding';
import { renderPartialSnapshot, renderSnapshot } from './render';
import { renderZombieScan, scanZombies } from './zombies';
import { writeJson } from './jsonOut';
import { attachedResolver } from '../debug/pipedTrace';
import { timings } from '../tracer/timings';
import {
  checkReportTargets,
  defaultReportOptions,
  failOnStatus,
  failOnWords,
  REPORT_HELP,
  reportOnStdout,
  ReportError,
  takeReportOption,
  writeReports,
  type ReportOptions,
} from './reports';
import { checkAttach } from '../tracer/attachChecks';
import { attachedWords, attachEndWords } from '../shared/words';

const VERSION = '0.1.0';

const HELP = `forktrace ${VERSION}: see a program's fork tree, zombies and orphans, from strace.

Usage:
  forktrace trace [options] -- PROGRAM [ARGS...]   run PROGRAM under strace and report
  forktrace analyze [options] LOG_OR_DIR           report on a strace -f log (or a -ff directory)
  forktrace attach [options] PID                   attach to a running process and report;
                                                   stopping detaches: it keeps running
  forktrace zombies [--json FILE|-]                every zombie on this machine, by the process
                                                   holding it (from /proc, nothing is traced)

Options:
${REPORT_HELP}
  --log FILE           (trace, attach) keep strace's raw output in FILE
  --duration SECONDS   (trace, attach) stop after this long: snapshot, then kill the
                       whole tree (attach: detach, the process keeps running)
  --stack-mode MODE    (trace, attach) fast (default): source lines from the program's own call
                       sites, at ptrace's floor; precise: strace -k stacks on every call
  --linger SECONDS     report zombies reaped later than this (default 1)
  --keep N|all         reaped processes kept in full detail (trace: default 2000): older
                       uneventful ones are folded into counts per parent and fork site,
                       so a long trace runs in flat memory; all keeps every process
  --fold               (analyze) fold as a trace does (analyze keeps every process
                       unless --fold or --keep is given; --fold alone keeps 2000)
  --no-color           plain text output
  -h, --help           this help
  --version            print the version

Ctrl-C (or SIGTERM) stops a trace: the picture is taken first, then every process
of the trace is killed; an attached trace detaches instead, and nothing is killed.
Exit status: 0 done, 1 a finding at the --fail-on level, 2 usage or input error.
`;

class UsageError extends Error {}

interface Parsed {
  command: 'trace' | 'analyze' | 'zombies' | 'attach';
  reports: ReportOptions;
  log: string | null;
  duration: number | null;
  linger: number | undefined;
  /** Reaped processes kept in full detail; Infinity keeps all. */
  keep: number;
  stackMode: StackMode;
  color: boolean;
  positional: string[];
}

function parseArgs(argv: string[]): Parsed | 'help' | 'version' {
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') return 'help';
  if (argv[0] === '--version') return 'version';
  const command = argv[0];
  if (command !== 'trace' && command !== 'analyze' && command !== 'zombies' && command !== 'attach')
    throw new UsageError(`unknown command "${command}" (expected trace, attach, analyze or zombies)`);
  const live = command === 'trace' || command === 'attach';
  const parsed: Parsed = {
    command,
    reports: defaultReportOptions(),
    log: null,
    duration: null,
    linger: undefined,
    keep: live ? DEFAULT_KEEP_REAPED : Infinity,
    stackMode: 'fast',
    color: process.stdout.isTTY === true,
    positional: [],
  };
  let k = 1;
  const value = (flag: string): string => {
    const v = argv[++k];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const seconds = (flag: string): number => {
    const v = Number(value(flag));
    if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${flag} takes a positive number of seconds`);
    return v;
  };
  for (; k < argv.length; k++) {
    const a = argv[k];
    if (a === '--') {
      parsed.positional.push(...argv.slice(k + 1));
      break;
    }
    if (parsed.positional.length > 0 && command === 'trace') {
      // The program's own arguments start at the program.
      parsed.positional.push(...argv.slice(k));
      break;
    }
    if (command === 'zombies' && a.startsWith('-') && a !== '--json' && a !== '-h' && a !== '--help' && a !== '--no-color')
      throw new UsageError(`zombies takes only --json FILE|-, not ${a}`);
    if (
      takeReportOption(
        parsed.reports,
        a,
        () => value(a),
        (m) => new UsageError(m),
      )
    )
      continue;
    if (a === '--log' && live) parsed.log = value(a);
    else if (a === '--duration' && live) parsed.duration = seconds(a);
    else if (a === '--linger') parsed.linger = seconds(a);
    else if (a === '--keep') parsed.keep = keepValue(value(a));
    else if (a === '--fold' && command === 'analyze') parsed.keep = Number.isFinite(parsed.keep) ? parsed.keep : DEFAULT_KEEP_REAPED;
    else if (a === '--stack-mode' && live) {
      const mode = value(a);
      if (mode !== 'fast' && mode !== 'precise') throw new UsageError('--stack-mode is fast or precise');
      parsed.stackMode = mode;
    } else if (a === '--no-color') parsed.color = false;
    else if (a === '-h' || a === '--help') return 'help';
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else parsed.positional.push(a);
  }
  if (command === 'zombies') {
    if (parsed.positional.length > 0) throw new UsageError('zombies takes no arguments (only --json FILE|-)');
    return parsed;
  }
  if (command === 'attach') {
    if (parsed.positional.length !== 1) throw new UsageError('attach takes one process id: forktrace attach [options] PID');
    return parsed;
  }
  if (parsed.positional.length === 0)
    throw new UsageError(command === 'trace' ? 'no program given: forktrace trace -- PROGRAM [ARGS...]' : 'no log given: forktrace analyze LOG_OR_DIR');
  if (command === 'analyze' && parsed.positional.length > 1) throw new UsageError('analyze takes one log file or -ff directory');
  checkReportTargets(parsed.reports, (m) => new UsageError(m));
  return parsed;
}

function keepValue(v: string): number {
  if (v === 'all') return Infinity;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError('--keep takes a number of processes (0 or more), or all');
  return n;
}

/** Writes --json and --sarif, then the human report; the exit status --fail-on asks for. */
function output(snapshot: SnapshotJson, parsed: Parsed): number {
  return finish(parsed, snapshot, () => renderSnapshot(snapshot, { color: parsed.color }));
}

function finish(parsed: Parsed, snapshot: Pick<SnapshotJson, 'diagnostics' | 'warnings'>, render: () => string): number {
  const t0 = timings.start();
  writeReports(parsed.reports, snapshot, { version: VERSION, cwd: process.cwd() });
  if (parsed.reports.json !== null) timings.stop('JSON write (streamed)', t0);
  const t1 = timings.start();
  const text = render();
  timings.stop('report', t1);
  report(text, snapshot.warnings, parsed);
  const status = failOnStatus(parsed.reports, snapshot.diagnostics);
  if (status !== 0) process.stderr.write(failOnWords(parsed.reports, snapshot.diagnostics));
  return status;
}

/** What the site resolver did (objdump runs in a child process, beside the trace). */
function siteFacts(resolver: SiteResolver): void {
  const s = resolver.stats;
  timings.fact(
    'sites',
    `${s.lookups} lookups (${s.cacheHits} cached), ${s.ms.toFixed(1)} ms resolving (tools included); objdump ${s.objdumpRuns} run(s) ready after ${s.objdumpMs.toFixed(1)} ms, addr2line ${s.addr2lineRuns} run(s) ready after ${s.addr2lineMs.toFixed(1)} ms (from the start to when this process saw the end: while the log is parsed, that waits for the parse)`,
  );
}

/** The human report and the trace's warnings. */
function report(human: string, warnings: WarningJson[], parsed: Parsed): void {
  // With a report on stdout the human report goes to stderr, so the JSON stays parseable.
  (reportOnStdout(parsed.reports) ? process.stderr : process.stdout).write(human);
  if (warnings.length > 0) {
    const shown = warnings.slice(0, 10);
    process.stderr.write(`${warnings.length} warning(s) while reading the trace:\n`);
    for (const w of shown) process.stderr.write(`  ${w.file ? `${w.file}:` : ''}line ${w.line}: ${w.reason}\n`);
    if (warnings.length > shown.length) process.stderr.write(`  … ${warnings.length - shown.length} more (see --json)\n`);
  }
}

async function analyze(parsed: Parsed): Promise<number> {
  // The log does not record the program's environment: this shell's LD_LIBRARY_PATH is the best guess.
  const resolver = new SiteResolver({ cwd: process.cwd(), libraryPath: process.env.LD_LIBRARY_PATH });
  // objdump disassembles the program on the other core while this one reads the log.
  let disassembling: Promise<void> = Promise.resolve();
  const locate = resolver.locator();
  const path = parsed.positional[0];
  const progress = terminalProgress(process.stderr, `reading ${basename(path)}`);
  let session: TraceSession;
  try {
    session = analyzeLog(path, {
      lingerThreshold: parsed.linger,
      onProgram: (exe) => (disassembling = resolver.prepare([exe])),
      // Folding names each folded process's fork site as it goes.
      keepReaped: parsed.keep,
      locate,
      progress: progress?.update,
    });
  } finally {
    progress?.done();
  }
  const waiting = timings.start();
  await disassembling;
  timings.stop('wait for objdump', waiting);
  // Each process becomes JSON only to be written (streamed, one at a time) or printed: the report shows 200 children per parent.
  const t0 = timings.start();
  const { snapshot, processes } = buildPartialSnapshot(session.model, locate, createFixProvider());
  timings.stop('snapshot (findings)', t0);
  const status = finish(parsed, snapshot, () => renderPartialSnapshot(snapshot, processes, { color: parsed.color }));
  siteFacts(resolver);
  timings.fact('processes', session.model.processes.length);
  return status;
}

function zombies(parsed: Parsed): void {
  const scan = scanZombies();
  const { json } = parsed.reports;
  if (json !== null) writeJson(json, scan);
  (json === '-' ? process.stderr : process.stdout).write(renderZombieScan(scan));
}

/** What `trace` and `attach` take alike from the command line: the log, the thresholds, the stack mode, the locator and fixes. */
function liveOptions(parsed: Parsed, resolver: SiteResolver): Omit<LiveTraceOptions, 'program'> {
  return {
    logFile: parsed.log ?? undefined,
    lingerThreshold: parsed.linger,
    keepReaped: parsed.keep,
    stackMode: parsed.stackMode,
    locator: resolver.locator(),
    fixer: createFixProvider(),
  };
}

async function trace(parsed: Parsed): Promise<number> {
  const [program, ...args] = parsed.positional;
  // With a report on stdout, what the program prints goes to stderr: it would make the report unreadable.
  const stdio: StdioOptions = reportOnStdout(parsed.reports) ? ['inherit', process.stderr, 'inherit'] : 'inherit';
  const resolver = new SiteResolver({ cwd: process.cwd(), program, libraryPath: process.env.LD_LIBRARY_PATH });
  return runLive(parsed, resolver, () => LiveTrace.start({ program, args, stdio, ...liveOptions(parsed, resolver) }));
}

/** `forktrace attach PID`: what is there at once, then traced until Ctrl-C, SIGTERM or --duration detaches. */
async function attach(parsed: Parsed): Promise<number> {
  const { pid } = checkAttach(parsed.positional[0]);
  // Rooted where the process runs: `perl srv.pl` names srv.pl in its own directory.
  const { resolver } = attachedResolver(pid, process.env.LD_LIBRARY_PATH);
  return runLive(parsed, resolver, () => LiveTrace.start({ program: '', attachPid: pid, ...liveOptions(parsed, resolver) }));
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Ctrl-C, SIGTERM and SIGHUP stop the trace (or detach). Listened for before strace starts:
 * the traced program runs (and may be told to stop) before the trace's start-up work is done,
 * and a signal then would end forktrace at once, leaving strace and its tree behind.
 */
class StopSignals {
  private live: LiveTrace | null = null;
  private asked = false;
  private readonly onSignal = (): void => {
    this.asked = true;
    if (this.live) void this.live.stop();
  };

  constructor() {
    for (const signal of STOP_SIGNALS) process.on(signal, this.onSignal);
  }

  /** The trace to stop; stopped at once when a signal came before it was known. */
  watch(live: LiveTrace): void {
    this.live = live;
    if (this.asked) void live.stop();
  }

  stopNow(): void {
    this.onSignal();
  }

  dispose(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.onSignal);
  }
}

/** Runs a live trace to its end: Ctrl-C, SIGTERM, SIGHUP and --duration stop it (or detach); then the report. */
async function runLive(parsed: Parsed, resolver: SiteResolver, start: () => LiveTrace): Promise<number> {
  const signals = new StopSignals();
  let timer: NodeJS.Timeout | null = null;
  try {
    const live = start();
    signals.watch(live);
    void resolver.prepare([live.program]); // objdump disassembles on the other core while the trace runs
    if (parsed.duration !== null) timer = setTimeout(() => signals.stopNow(), parsed.duration * 1000);
    if (live.attach) process.stderr.write(`forktrace: ${attachedWords(live.attach)}; Ctrl-C detaches.\n`);
    const end = await live.done;
    const refused = live.attach?.refused;
    if (refused) {
      // strace said it could not attach after all (the checks cannot see everything, e.g. a seccomp filter or an LSM).
      process.stderr.write(`forktrace: strace could not attach to pid ${live.attach?.pid}: ${refused}. Nothing was changed.\n`);
      return 2;
    }
    const status = output(end.snapshot, parsed);
    siteFacts(resolver);
    timings.fact('processes', end.snapshot.summary.processes);
    if (end.failure) process.stderr.write(`forktrace: ${end.failure}\n`);
    else if (end.snapshot.attach) process.stderr.write(`forktrace: ${attachEndWords(end.snapshot.attach)}\n`);
    return status;
  } finally {
    if (timer) clearTimeout(timer);
    signals.dispose();
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`forktrace: ${e.message}\nRun forktrace --help for usage.\n`);
      return 2;
    }
    throw e;
  }
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  try {
    if (parsed.command === 'zombies') {
      zombies(parsed);
      return 0;
    }
    if (parsed.command === 'attach') return await attach(parsed);
    return parsed.command === 'analyze' ? await analyze(parsed) : await trace(parsed);
  } catch (e) {
    if (e instanceof TraceError || e instanceof ReportError) {
      process.stderr.write(`forktrace: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

// A reader that went away (`forktrace trace -- PROG | head -1`) is not our error: the
// rest of the report has nowhere to go, and forktrace still ends normally (the --json
// file is written). Without this, Node throws EPIPE as an unhandled 'error' event.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    timings.report();
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`forktrace: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
