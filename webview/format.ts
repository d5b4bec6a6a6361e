// Words and numbers for the panel, in the design's vocabulary (design.md §2). Pure.
import type { AdoptionJson, ExitJson, ProcessJson, ReapedJson, SourceLocation } from '../src/shared/schema';

/** Seconds since the first event: "0.008 s"; null when the log has no timestamps. */
export function formatTime(t: number | null): string {
  return t === null ? 'unknown time' : `${t.toFixed(3)} s`;
}

/** A length of time in the unit that reads best: "850 µs", "12.5 ms", "3.200 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 1e-3) return `${Math.round(s * 1e6)} µs`;
  if (s < 1) return `${trimZero((s * 1e3).toFixed(1))} ms`;
  if (s < 120) return `${s.toFixed(3)} s`;
  const minutes = Math.floor(s / 60);
  return `${minutes} min ${(s - minutes * 60).toFixed(1)} s`;
}

/** "0.005–0.008s", or "0.005–…s" while it runs, as the CLI prints it. */
export function formatLifetime(p: ProcessJson): string {
  if (p.start === null) return '';
  const end = p.exit?.time ?? null;
  return `${p.start.toFixed(3)}–${end === null ? '…' : end.toFixed(3)}s`;
}

export function describeExit(exit: ExitJson | null): string {
  if (!exit) return 'still running';
  const at = exit.time === null ? '' : ` at ${formatTime(exit.time)}`;
  if (exit.signal !== null) return `killed by ${exit.signal}${exit.core ? ' (core dumped)' : ''}${at}`;
  if (exit.code !== null) return `exited with code ${exit.code}${at}`;
  return `exited${at}`;
}

/** Names a process by pid and command when known: "pid 4 (srv)". */
export function describePid(pid: number | null, command: string | null | undefined): string {
  if (pid === null) return 'an unidentified process';
  return command ? `pid ${pid} (${command})` : `pid ${pid}`;
}

export function describeAdoption(a: AdoptionJson): string {
  const who = a.pid === null ? 'an unidentified process outside the trace' : describePid(a.pid, a.command);
  return a.time === null ? `adopted by ${who}` : `adopted by ${who} at ${formatTime(a.time)}`;
}

/** The zombie interval in words. */
export function describeZombie(p: ProcessJson, now: number | null): string {
  if (p.reaped?.how === 'auto') return 'never a zombie: auto-reaped by the kernel (SIGCHLD ignored or SA_NOCLDWAIT)';
  if (!p.zombie) return p.exit ? 'no zombie interval known' : 'not exited';
  const { from, to } = p.zombie;
  if (to === null) {
    const since = from === null ? 'zombie, not yet reaped' : `zombie since ${formatTime(from)}`;
    return from !== null && now !== null ? `${since} (${formatDuration(now - from)} so far)` : since;
  }
  if (from === null) return `zombie until ${formatTime(to)}`;
  return `zombie from ${formatTime(from)} to ${formatTime(to)} (${formatDuration(to - from)})`;
}

/** Who reaped it and how; "unseen" when the reaper is outside the trace. */
export function describeReap(reaped: ReapedJson | null, reaperCommand: string | null): string {
  if (!reaped) return 'not reaped';
  const at = reaped.time === null ? '' : ` at ${formatTime(reaped.time)}`;
  const who = describePid(reaped.by, reaperCommand);
  let text: string;
  switch (reaped.how) {
    case 'wait':
      text = `reaped by ${who}${at} (wait)`;
      break;
    case 'auto':
      text = `auto-reaped by the kernel${at}`;
      break;
    case 'adopter':
      text = `reaped by its adopter, ${who}${at}`;
      break;
    case 'tracer':
      text = `reaped when the trace was stopped${at}`;
      break;
  }
  return reaped.seen ? text : `${text} — unseen: the reaper is outside the trace, so the reaping was inferred`;
}

/** "/src/srv.c:70 (main)". */
export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}${loc.function ? ` (${loc.function})` : ''}`;
}

/** "srv.c:70": the file's last path component. */
export function shortLocation(loc: SourceLocation): string {
  const slash = loc.file.lastIndexOf('/');
  return `${slash >= 0 ? loc.file.slice(slash + 1) : loc.file}:${loc.line}`;
}

/** argv as a shell would read it back: plain words bare, the rest in single quotes. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

export function quoteArg(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_\-.,:/=+@%^]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function trimZero(s: string): string {
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}
