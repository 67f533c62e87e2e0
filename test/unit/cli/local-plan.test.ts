// The local runner's plan (a pure function): --from-stage, --force, --only, disabled stages,
// stages this build does not have, and the stages blocked behind them.
import { describe, expect, it } from 'vitest';
import { STAGE_NAMES, type StageName } from '../../../api/v1alpha1/names.js';
import { validateSpec } from '../../../api/v1alpha1/validate.js';
import { planLocalRun, type PlanOptions } from '../../../operator/local/plan.js';
import { STAGE_GRAPH } from '../../../core/stage/graph.js';

const everything = (): PlanOptions => ({ isAvailable: () => true, unitsOf: (stage, spec) => STAGE_GRAPH[stage].units?.(spec) });
const spec = validateSpec({ dataset: { source: 'demo' }, generation: { batches: 3 } });
const decisions = (plan: ReturnType<typeof planLocalRun>) => Object.fromEntries(plan.map((p) => [p.stage, p.decision]));
const forced = (plan: ReturnType<typeof planLocalRun>) => plan.filter((p) => p.decision.kind === 'run' && p.decision.force).map((p) => p.stage);

describe('planLocalRun', () => {
  it('runs every stage in order, none forced, generation cut into its batches', () => {
    const plan = planLocalRun(spec, everything());
    expect(plan.map((p) => p.stage)).toEqual([...STAGE_NAMES]);
    expect(forced(plan)).toEqual([]);
    expect(decisions(plan).generate).toEqual({ kind: 'run', force: false, units: ['batch-0000', 'batch-0001', 'batch-0002'] });
  });

  it('--from-stage X forces X and every later stage; earlier stages run unforced (reused when up to date)', () => {
    expect(forced(planLocalRun(spec, { ...everything(), fromStage: 'filter' }))).toEqual(['filter', 'merge', 'train', 'evaluate']);
    expect(forced(planLocalRun(spec, { ...everything(), fromStage: 'analyze' }))).toEqual([...STAGE_NAMES]);
    expect(forced(planLocalRun(spec, { ...everything(), fromStage: 'evaluate' }))).toEqual(['evaluate']);
  });

  it('--force forces everything; --only plans one stage', () => {
    expect(forced(planLocalRun(spec, { ...everything(), force: true }))).toEqual([...STAGE_NAMES]);
    const only = planLocalRun(spec, { ...everything(), only: 'merge', isAvailable: (s) => s === 'merge' });
    expect(only).toEqual([{ stage: 'merge', decision: { kind: 'run', force: false, units: undefined } }]);
  });

  it('marks stages this build lacks as unavailable and everything behind them as blocked, naming the missing stage', () => {
    const have = new Set<StageName>(['analyze', 'filter', 'merge']);
    const d = decisions(planLocalRun(spec, { ...everything(), isAvailable: (s) => have.has(s) }));
    expect(d.analyze).toEqual({ kind: 'run', force: false, units: undefined });
    expect(d.generate).toEqual({ kind: 'unavailable' });
    expect(d.filter).toEqual({ kind: 'blocked', by: 'generate' });
    expect(d.merge).toEqual({ kind: 'blocked', by: 'generate' });
    expect(d.train).toEqual({ kind: 'unavailable' });
    expect(d.evaluate).toEqual({ kind: 'unavailable' });
  });

  it('turns off generate and filter when generation is disabled; merge then needs only analyze', () => {
    const noGen = validateSpec({ generation: { enabled: false } });
    const have = new Set<StageName>(['analyze', 'merge']);
    const d = decisions(planLocalRun(noGen, { ...everything(), isAvailable: (s) => have.has(s) }));
    expect(d.generate).toEqual({ kind: 'disabled', why: 'generation.enabled is false' });
    expect(d.filter.kind).toBe('disabled');
    expect(d.merge).toEqual({ kind: 'run', force: false, units: undefined });
  });

  it('turns off train for a pretrained model, naming it', () => {
    const pretrained = validateSpec({ training: { mode: 'pretrained', model: 's3://models/detector' } });
    expect(decisions(planLocalRun(pretrained, everything())).train).toEqual({ kind: 'disabled', why: 'training.mode is pretrained (model s3://models/detector)' });
  });
});
