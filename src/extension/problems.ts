// Diagnostics for the Problems panel: the same findings, placed on their lines.
import type { DiagnosticJson, SourceLocation } from '../shared/schema';

export interface ProblemEntry {
  file: string;
  line: number;
  severity: DiagnosticJson['severity'];
  message: string;
  code: DiagnosticJson['kind'];
  related: Array<{ file: string; line: number; message: string }>;
}

/** Diagnostics with a location become entries; the rest stay in the panel only. */
export function problemEntries(diagnostics: DiagnosticJson[]): ProblemEntry[] {
  const out: ProblemEntry[] = [];
  for (const d of diagnostics) {
    if (!d.location) continue;
    out.push({
      file: d.location.file,
      line: d.location.line,
      severity: d.severity,
      message: d.message,
      code: d.kind,
      related: d.related
        .filter((r): r is { message: string; location: SourceLocation } => r.location !== null)
        .map((r) => ({ file: r.location.file, line: r.location.line, message: r.message })),
    });
  }
  return out;
}
