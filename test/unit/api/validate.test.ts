import { describe, expect, it } from 'vitest';
import { validatePipelineRun, validateSpec, ValidationError } from '../../../api/v1alpha1/validate.js';
import { pipelineRunCRD } from '../../../api/v1alpha1/crd.js';
import { parsePipelineRun } from '../../../core/pipeline-run-file.js';

const run = (spec: unknown) => ({ apiVersion: 'bugforge.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'r1' }, spec });

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  return [];
}

const crd = pipelineRunCRD() as { spec: { versions: { schema: { openAPIV3Schema: { properties: Record<string, Record<string, unknown>> } } }[] } };

describe('PipelineRun validation', () => {
  it('fills every default into an empty spec, as the API server does', () => {
    const spec = validateSpec({});
    expect(spec.dataset.source).toBe('huggingface');
    expect(spec.dataset.name).toBe('google/code_x_glue_cc_defect_detection');
    expect(spec.generation).toMatchObject({ provider: 'mutation', batches: 4, parallelism: 2, enabled: true });
    expect(spec.split).toMatchObject({ train: 0.8, validation: 0.1, test: 0.1, seed: 42, syntheticInEval: false });
    expect(spec.training).toMatchObject({ mode: 'train', features: 'encoder', maxLength: 400, gpus: 0 });
    expect(spec.evaluation.baselines).toEqual(['majority', 'tfidf-logreg']);
    expect(spec.jobs.pendingTimeout).toBe('10m');
  });

  it('names the field and the allowed values of an enum', () => {
    const problems = problemsOf(() => validateSpec({ generation: { provider: 'llm' } }));
    expect(problems).toEqual(['spec.generation.provider: must be one of mutation, openai']);
  });

  it('refuses out-of-range numbers and unknown fields, listing all problems at once', () => {
    const problems = problemsOf(() => validateSpec({ generation: { batches: 0 }, filtering: { nearDuplicateThreshold: 1.5 }, colour: 'red' }));
    expect(problems).toContain('spec.generation.batches: must be >= 1');
    expect(problems).toContain('spec.filtering.nearDuplicateThreshold: must be <= 1');
    expect(problems).toContain('spec.colour: unknown field');
  });

  it('evaluates the CEL rules: split ratios sum to 1, openai needs its endpoint, uri needs a uri, pretrained needs a model', () => {
    expect(problemsOf(() => validateSpec({ split: { train: 0.5 } }))).toEqual(['spec.split: split.train + split.validation + split.test must sum to 1']);
    expect(problemsOf(() => validateSpec({ split: { train: 0.7, validation: 0.2, test: 0.1 } }))).toEqual([]);
    expect(problemsOf(() => validateSpec({ generation: { provider: 'openai' } }))).toEqual(['spec.generation.openai: generation.openai (baseURL, model) is required when generation.provider is openai']);
    expect(problemsOf(() => validateSpec({ dataset: { source: 'uri' } }))).toEqual(['spec.dataset.uri: dataset.uri is required when dataset.source is uri']);
    expect(problemsOf(() => validateSpec({ training: { mode: 'pretrained' } }))).toEqual(['spec.training.model: training.model is required when training.mode is pretrained']);
  });

  it('checks apiVersion, kind and the name', () => {
    const problems = problemsOf(() => validatePipelineRun({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' } }));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^apiVersion: must be bugforge.dev\/v1alpha1/);
    expect(problems[2]).toMatch(/^metadata.name:/);
  });

  it('refuses what the API server refuses: names over 53 characters or with dots, integers past the int64/double range', () => {
    const named = (name: string) => problemsOf(() => validatePipelineRun({ ...run({}), metadata: { name } }));
    expect(named('a'.repeat(53))).toEqual([]);
    expect(named('a'.repeat(54))[0]).toMatch(/^metadata.name: .*at most 53 characters.*54 characters/);
    expect(named('my.run')[0]).toMatch(/no dots/);
    expect(problemsOf(() => validateSpec({ split: { seed: 1e20 } }))).toEqual(['spec.split.seed: must be <= 2147483647']);
    expect(problemsOf(() => validateSpec({ dataset: { limit: 1e20 } }))).toEqual(['spec.dataset.limit: must be <= 9007199254740991']);
  });

  it('refuses a split without test (or train, validation) rows before any compute, unless the source splits are kept', () => {
    const problems = problemsOf(() => validateSpec({ split: { train: 0.9, validation: 0.1, test: 0 } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^spec.split: split.train, split.validation and split.test must each be > 0/);
    expect(problemsOf(() => validateSpec({ split: { train: 0.9, validation: 0.1, test: 0, respectSourceSplits: true } }))).toEqual([]);
  });

  it('knows the lifecycle fields: spec.status Cancelled only, cache on by default, artifacts retained by default, a failure-rate limit', () => {
    const spec = validateSpec({ status: 'Cancelled' });
    expect(spec).toMatchObject({ status: 'Cancelled', cache: true, artifacts: { retain: true } });
    expect(spec.generation.maxFailureRate).toBe(0.5);
    expect(problemsOf(() => validateSpec({ status: 'Stopped' }))).toEqual(['spec.status: must be one of Cancelled']);
  });

  it('skips transition rules (oldSelf) that only the API server can evaluate', () => {
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec as { 'x-kubernetes-validations': { rule: string }[] };
    expect(spec['x-kubernetes-validations'][0].rule).toContain('oldSelf');
    expect(problemsOf(() => validateSpec({}))).toEqual([]);
  });

  it('reads the PipelineRun out of a multi-document YAML file, or out of JSON (as the operator hands it over)', async () => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---\n${JSON.stringify(run({ dataset: { source: 'demo' } }))}\n`;
    expect((await parsePipelineRun(text, 'x.yaml')).spec.dataset.source).toBe('demo');
    expect((await parsePipelineRun(JSON.stringify({ apiVersion: 'bugforge.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'j' }, spec: { dataset: { source: 'demo' } } }), 'env')).spec.dataset.source).toBe('demo');
    await expect(parsePipelineRun('{kind: PipelineRun, apiVersion: bugforge.dev/v1alpha1, metadata: {name: y}}', 'flow.yaml')).resolves.toMatchObject({ metadata: { name: 'y' } });
    await expect(parsePipelineRun('kind: Secret\n', 'x.yaml')).rejects.toThrow(/exactly one object of kind PipelineRun, found 0/);
  });
});

describe('the CRD generated from the same schema', () => {
  const schema = crd.spec.versions[0].schema.openAPIV3Schema;

  it('carries the enums, ranges, defaults and CEL rules of the TypeScript schema', () => {
    const spec = schema.properties.spec as { properties: Record<string, { properties: Record<string, Record<string, unknown>>; 'x-kubernetes-validations'?: { rule: string }[] }> };
    expect(spec.properties.generation.properties.provider).toMatchObject({ type: 'string', enum: ['mutation', 'openai'], default: 'mutation' });
    expect(spec.properties.generation.properties.batches).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect(spec.properties.split['x-kubernetes-validations']?.[0].rule).toMatch(/self.train \+ self.validation \+ self.test/);
  });

  it('is structural: no $id, no additionalProperties: false, defaulted fields not required', () => {
    const text = JSON.stringify(schema);
    expect(text).not.toContain('"$id"');
    expect(text).not.toContain('"additionalProperties":false');
    const generation = (schema.properties.spec as { properties: Record<string, { required?: string[] }> }).properties.generation;
    expect(generation.required ?? []).not.toContain('provider');
  });
});
