// The machine-readable reports every command that ends with a snapshot writes (trace,
// analyze, attach): `--json`, `--sarif` and the `--fail-on` exit status, parsed and
// written here once so each command handles them alike.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DiagnosticJson, SnapshotJson } from '../shared/schema';
import { writeJson } from './jsonOut';
import { failsOn, toSarif, type FailOn } from '../shared/sarif';

export interface ReportOptions {
  /** `--json FILE|-`: the snapshot (schema 2); `-` is standard output. */
  json: string | null;
  /** `--sarif FILE|-`: the findings as SARIF 2.1.0. */
  sarif: string | null;
  /** `--fail-on LEVEL`: exit 1 when a finding of at least this level exists (after every report is written). */
  failOn: FailOn;
}

export const REPORT_HELP = `  --json FILE|-        also write the snapshot as JSON (schema 2); - is standard output
                       (then the traced program's own output goes to standard error)
  --sarif FILE|-       also write the findings as SARIF 2.1.0, for GitHub code scanning
                       and other CI viewers; - is standard output
  --fail-on LEVEL      error, warning or never (default): exit 1 when a finding of at
                       least LEVEL exists, for gating a pipeline`;

export function defaultReportOptions(): ReportOptions {
  return { json: null, sarif: null, failOn: 'never' };
}

/**
 * Takes `flag` if it is a report option, reading its value with `value()`; false when
 * the flag is not one. Throws `usage(message)` for a bad value.
 */
export function takeReportOption(options: ReportOptions, flag: string, value: () => string, usage: (message: string) => Error): boolean {
  switch (flag) {
    case '--json':
      options.json = value();
      break;
    case '--sarif':
      options.sarif = value();
      break;
    case '--fail-on': {
      const level = value();
      if (level !== 'error' && level !== 'warning' && level !== 'never') throw usage(`--fail-on is error, warning or never (not "${level}")`);
      options.failOn = level;
      break;
    }
    default:
      return false;
  }
  if (options.json === '-' && options.sarif === '-') throw usage('--json and --sarif cannot both write to standard output');
  return true;
}

/** A report file that cannot be written: exit 2, with the reason. */
export class ReportError extends Error {}

/**
 * Checks before the trace runs that each report's folder exists and is writable, so a
 * typo in --sarif does not cost the whole trace at the end.
 */
export function checkReportTargets(options: ReportOptions, usage: (message: string) => Error): void {
  for (const [flag, file] of [
    ['--json', options.json],
    ['--sarif', options.sarif],
  ] as const) {
    if (file === null || file === '-') continue;
    const dir = dirname(file);
    let problem: string | null = null;
    try {
      if (!statSync(dir).isDirectory()) problem = `${dir} is not a folder`;
      else accessSync(dir, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problem = code === 'ENOENT' ? `the folder ${dir} does not exist` : `cannot write in ${dir} (${code ?? String(e)})`;
    }
    if (problem !== null) throw usage(`${flag} ${file}: ${problem}`);
  }
}

/** True when a report takes standard output: the human report and the program's output go to stderr then. */
export function reportOnStdout(options: ReportOptions): boolean {
  return options.json === '-' || options.sarif === '-';
}

/**
 * Writes --json and --sarif. `snapshot` is what --json writes (a SnapshotJson, or a lazy
 * one whose processes become JSON as they are streamed out).
 */
export function writeReports(options: ReportOptions, snapshot: Pick<SnapshotJson, 'diagnostics' | 'warnings'>, facts: { version: string; cwd: string }): void {
  if (options.json !== null) write(options.json, snapshot);
  if (options.sarif !== null) write(options.sarif, toSarif(snapshot.diagnostics, facts, snapshot.warnings));
}

/** The exit status --fail-on asks for: 1 when a finding reaches its level, else 0. */
export function failOnStatus(options: ReportOptions, diagnostics: readonly DiagnosticJson[]): 0 | 1 {
  return diagnostics.some((d) => failsOn(d.severity, options.failOn)) ? 1 : 0;
}

/** The words --fail-on prints on stderr when it fails the run. */
export function failOnWords(options: ReportOptions, diagnostics: readonly DiagnosticJson[]): string {
  const n = diagnostics.filter((d) => failsOn(d.severity, options.failOn)).length;
  return `forktrace: ${n} finding${n === 1 ? '' : 's'} at level ${options.failOn === 'warning' ? 'warning or error' : 'error'} (--fail-on ${options.failOn}): exit 1\n`;
}

function write(file: string, value: unknown): void {
  try {
    writeJson(file, value);
  } catch (e) {
    throw new ReportError(`cannot write ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
