// What one local unit (a stage, or one generation batch) came to: the runner makes it, the
// display shows it. Its own module so that neither of those two imports the other.
import type { StageName } from '../../api/v1alpha1/names.js';

export interface UnitResult {
  stage: StageName;
  unit?: string;
  ok: boolean;
  exitCode: number | null;
  /** The stage's termination message (its JSON summary), when it wrote one. */
  summary?: Record<string, unknown>;
  logFile: string;
  durationMs: number;
}
