// The local runner's plan: a pure function from the spec and what this build has to the steps
// to run, in order. The shell (runner.ts) spawns one process per step.
import type { PipelineRunSpec } from '../../api/v1alpha1/spec.js';
import { STAGE_NAMES, type StageName } from '../../api/v1alpha1/names.js';
import { STAGE_GRAPH } from '../../core/stage/graph.js';

export type StepDecision =
  | { kind: 'run'; force: boolean; units?: string[] }
  | { kind: 'disabled'; why: string }
  | { kind: 'unavailable' }
  | { kind: 'blocked'; by: StageName };

export interface PlannedStage { stage: StageName; decision: StepDecision }

export interface PlanOptions {
  force?: boolean;
  fromStage?: StageName;
  only?: StageName;
  isAvailable(stage: StageName): boolean;
  unitsOf(stage: StageName, spec: PipelineRunSpec): string[] | undefined;
}

export function planLocalRun(spec: PipelineRunSpec, options: PlanOptions): PlannedStage[] {
  const fromIndex = options.fromStage ? STAGE_NAMES.indexOf(options.fromStage) : Infinity;
  const missing = new Map<StageName, StageName>(); // stage -> the unavailable stage it waits for
  return STAGE_NAMES.filter((s) => !options.only || s === options.only).map((stage): PlannedStage => {
    const node = STAGE_GRAPH[stage];
    const disabledWhy = node.disabledWhy?.(spec);
    if (disabledWhy) return { stage, decision: { kind: 'disabled', why: disabledWhy } };
    const blocker = node.needs(spec).map((n) => missing.get(n) ?? (options.isAvailable(n) || options.only ? undefined : n)).find(Boolean);
    if (!options.isAvailable(stage)) {
      missing.set(stage, stage);
      return { stage, decision: { kind: 'unavailable' } };
    }
    if (blocker) {
      missing.set(stage, blocker);
      return { stage, decision: { kind: 'blocked', by: blocker } };
    }
    const force = Boolean(options.force) || STAGE_NAMES.indexOf(stage) >= fromIndex;
    return { stage, decision: { kind: 'run', force, units: options.unitsOf(stage, spec) } };
  });
}
