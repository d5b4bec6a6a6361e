// Findings derived from the model, each in plain words: what happened, and the fix.
// One function per kind, in src/core/findings/; diagnose() runs them in the order the
// views list them.
import type { CallSite, ProcessModel } from './model';
import type { DiagnosticJson } from '../shared/schema';
import { findingsByProcess } from './findings/byProcess';
import type { FindingContext, Located, SiteLocator, SiteRole } from './findings/context';
import { eintrNoRestart } from './findings/eintrNoRestart';
import { forkFailed } from './findings/forkFailed';
import { orphansAdopted } from './findings/orphanAdopted';
import { sigchldCoalesced } from './findings/sigchldCoalesced';
import { zombieLeaks } from './findings/zombieLeak';
import { zombiesLingering } from './findings/zombieLingering';
import { NO_FIXES, type FixProvider } from './findings/fixRequest';

export { NO_FIXES, type FixAnswer, type FixProvider, type FixRequest } from './findings/fixRequest';
export { NO_LOCATOR, PRECISE_HOW, type Located, type SiteLocator, type SiteRole } from './findings/context';

export function diagnose(model: ProcessModel, locate: SiteLocator, rel: (t: number) => number | null, fix: FixProvider = NO_FIXES): DiagnosticJson[] {
  const at = (site: CallSite | null, role: SiteRole): Located => (site ? locate(site, role) : { location: null, note: 'the call was not in the trace' });
  const context: FindingContext = { model, at, rel, fix };
  const { leaks, orphans, lingering } = findingsByProcess(model);
  return [
    ...zombieLeaks(context, leaks),
    ...sigchldCoalesced(context),
    ...eintrNoRestart(context),
    ...forkFailed(context),
    ...orphansAdopted(context, orphans),
    ...zombiesLingering(context, lingering),
  ];
}
