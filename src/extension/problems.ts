// Diagnostics for the Problems panel: the same findings, placed on their lines.
import type { DiagnosticJson, FixJson, SourceLocation } from '../shared/schema';

export interface ProblemEntry {
  file: string;
  line: number;
  severity: DiagnosticJson['severity'];
  message: string;
  code: DiagnosticJson['kind'];
  related: Array<{ file: string; line: number; message: string }>;
  /** The quick fixes, preferred first. */
  fixes: FixJson[];
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
      // A finding with no fix says why, where the user looks for the light bulb.
      message: d.fixes.length === 0 && d.fixNote ? `${d.message} No quick fix: ${d.fixNote}` : d.message,
      code: d.kind,
      fixes: d.fixes,
      related: d.related
        .filter((r): r is { message: string; location: SourceLocation } => r.location !== null)
        .map((r) => ({ file: r.location.file, line: r.location.line, message: r.message })),
    });
  }
  return out;
}

/** A 0-based range, as VS Code's Range takes it. */
export interface ZeroRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

/** A quick fix as VS Code applies it: one CodeAction, its edits by file. */
export interface QuickFixPlan {
  title: string;
  isPreferred: boolean;
  edits: Array<{ file: string; range: ZeroRange; newText: string }>;
}

/**
 * The quick fixes of a finding: FixJson's 1-based, end-exclusive SARIF regions become
 * VS Code's 0-based positions (end exclusive too; columns are UTF-16 units in both).
 * The preferred one first, and only one marked preferred.
 */
export function quickFixPlans(fixes: readonly FixJson[]): QuickFixPlan[] {
  const ordered = [...fixes.filter((f) => f.preferred).slice(0, 1), ...fixes.filter((f, k) => !f.preferred || fixes.findIndex((g) => g.preferred) !== k)];
  return ordered.map((f, k) => ({
    title: f.title,
    isPreferred: k === 0 && f.preferred,
    edits: f.edits.map((e) => ({
      file: e.file,
      range: { startLine: e.startLine - 1, startCharacter: e.startColumn - 1, endLine: e.endLine - 1, endCharacter: e.endColumn - 1 },
      newText: e.newText,
    })),
  }));
}
