// The stage graph a run page draws: every stage of the pipeline in order, generate's batches
// fanned out, each node with its state, times, headline and counts. Pure: the cluster and the
// local sources each observe stages and units their own way and hand the observations here.
import type { PipelineRunSpec } from '../../api/v1alpha1/spec.js';
import { STAGE_NAMES, type StageName } from '../../api/v1alpha1/names.js';
import { STAGE_GRAPH } from '../../core/stage/graph.js';
import type { GraphNode, GraphStage, NodeState } from './model.js';

export interface Observation {
  state: NodeState;
  startTime?: string;
  completionTime?: string;
  headline?: string;
  counts?: Record<string, number>;
  message?: string;
  hasLog?: boolean;
}

export interface GraphInput {
  spec: PipelineRunSpec;
  /** The run's phase: a Cancelled run shows its unfinished nodes as Cancelled. */
  phase?: string;
  stage(stage: StageName): Observation | undefined;
  unit(stage: StageName, unit: string): Observation | undefined;
}

const durationOf = (o: Observation): number | undefined => {
  if (!o.startTime || !o.completionTime) return undefined;
  const ms = Date.parse(o.completionTime) - Date.parse(o.startTime);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
};

function node(id: string, stage: StageName, unit: string | undefined, o: Observation | undefined, phase: string | undefined, skippedWhy?: string): GraphNode {
  if (skippedWhy) return { id, stage, ...(unit ? { unit } : {}), state: 'Skipped', message: skippedWhy, hasLog: false };
  const seen: Observation = o ?? { state: 'Pending' };
  const cancelled = phase === 'Cancelled' && (seen.state === 'Running' || seen.state === 'Pending');
  const out: GraphNode = {
    id, stage, state: cancelled ? 'Cancelled' : seen.state,
    hasLog: seen.hasLog ?? (seen.state !== 'Pending' && seen.state !== 'Skipped'),
  };
  if (unit) out.unit = unit;
  if (seen.startTime) out.startTime = seen.startTime;
  if (seen.completionTime) out.completionTime = seen.completionTime;
  const duration = durationOf(seen);
  if (duration !== undefined) out.durationMs = duration;
  if (seen.headline) out.headline = seen.headline;
  if (seen.counts && Object.keys(seen.counts).length) out.counts = seen.counts;
  if (seen.message && seen.message !== seen.headline) out.message = seen.message;
  return out;
}

/** A stage's state from its units' states, for sources that only observe units (the local store). */
export function stateOfUnits(states: NodeState[]): NodeState {
  if (!states.length) return 'Pending';
  if (states.some((s) => s === 'Failed')) return 'Failed';
  if (states.every((s) => s === 'Succeeded')) return 'Succeeded';
  if (states.some((s) => s === 'Running' || s === 'Succeeded')) return 'Running';
  return states[0];
}

export function buildGraph(input: GraphInput): GraphStage[] {
  const { spec, phase } = input;
  return STAGE_NAMES.map((stage) => {
    const def = STAGE_GRAPH[stage];
    const disabledWhy = def.disabledWhy?.(spec);
    const units = disabledWhy ? undefined : def.units?.(spec);
    const entry: GraphStage = {
      stage,
      needs: def.needs(spec),
      node: node(stage, stage, undefined, input.stage(stage), phase, disabledWhy),
    };
    if (disabledWhy) entry.disabledWhy = disabledWhy;
    if (units) entry.units = units.map((u) => node(`${stage}/${u}`, stage, u, input.unit(stage, u), phase));
    return entry;
  });
}
