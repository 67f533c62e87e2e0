// What a generation provider gets (a task) and gives back (a synthetic record or a failure).
import type { BugType } from '../../api/v1alpha1/names.js';
import type { BugRecord, SetAside } from '../../core/records/record.js';

export interface SampleTask {
  /** Global sample number (0-based over the run). */
  index: number;
  /** Passes over the pool before this one (keeps repeated (origin, bug type) pairs apart). */
  cycle: number;
  origin: BugRecord;
  /** Bug types in the order to try; the first is the one assigned. */
  bugTypes: BugType[];
}

export const FAILURE_REASONS = [
  'no-applicable-operator', 'unsupported-language', 'not-json', 'no-function', 'does-not-parse', 'identical-to-origin',
  'empty-answer', 'request-failed', 'budget-exhausted',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface GenerationFailure {
  reason: FailureReason;
  detail?: string;
  /** The model's answer (shortened), when there was one. */
  answer?: string;
}

export type SampleResult =
  | { ok: true; record: BugRecord; usedFallbackType: boolean }
  | { ok: false; task: SampleTask; failure: GenerationFailure };

export interface Provider {
  readonly name: 'mutation' | 'openai';
  /** Samples in flight at once. */
  readonly concurrency: number;
  generate(task: SampleTask): Promise<SampleResult>;
  /** Provider counters for the batch outcome (requests, retries, tokens, cache hits …). */
  counters(): Record<string, number>;
  /** Called once the batch is done (the openai provider writes down what it spent). */
  close?(): Promise<void>;
}

/**
 * Failures that say the provider is not working (errors, unusable answers), counted against
 * generation.maxFailureRate; the budget running out and origins no bug fits are not.
 */
export const PROVIDER_FAILURES: readonly FailureReason[] = ['request-failed', 'not-json', 'no-function', 'does-not-parse', 'identical-to-origin', 'empty-answer'];

/** The synthetic record for a generated function. */
export function syntheticRecord(task: SampleTask, bugType: BugType, func: string, changedLines: [number, number], generator: BugRecord['generator']): BugRecord {
  const { origin } = task;
  return {
    id: `syn-${origin.id}-${bugType}-${task.index}`,
    func,
    label: 1,
    lang: origin.lang,
    source: 'synthetic',
    ...(origin.project !== undefined ? { project: origin.project } : {}),
    ...(origin.commit_id !== undefined ? { commit_id: origin.commit_id } : {}),
    origin_id: origin.id,
    bug_type: bugType,
    changed_lines: changedLines,
    generator,
    ...(origin.split !== undefined ? { split: origin.split } : {}),
  };
}

/** A failure as the row kept in failures.jsonl.gz. */
export function failureRow(task: SampleTask, failure: GenerationFailure): SetAside {
  return {
    reason: failure.reason,
    ...(failure.detail ? { detail: failure.detail } : {}),
    where: `sample ${task.index} (origin ${task.origin.id}, ${task.bugTypes[0]})`,
    record: { sample: task.index, origin_id: task.origin.id, bug_type: task.bugTypes[0], ...(failure.answer !== undefined ? { answer: failure.answer } : {}) },
  };
}
