// Validates a PipelineRun the way the API server will: the OpenAPI schema (types, enums, ranges,
// defaults) through Ajv, then the CEL rules through a CEL interpreter, with errors that name
// the field and, for enums, the allowed values. The schema is compiled ahead of time
// (spec-validator.generated.ts, from spec.ts by validator-codegen.ts): loading it costs a
// fraction of building the TypeBox schema and compiling it at every start.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { evaluate } from '@marcbachmann/cel-js';
import { MAX_RUN_NAME, RUN_NAME_PATTERN } from './names.js';
import { API_VERSION, KIND, type PipelineRun } from './resource.js';
import { celRules as generatedCelRules, validate as generatedValidate } from './spec-validator.generated.js';
import type { CelRuleAt } from './validator-codegen.js';

export class ValidationError extends Error {
  constructor(readonly problems: string[], source?: string) {
    super(`invalid PipelineRun${source ? ` (${source})` : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ValidationError';
  }
}

/** Applies defaults in place (the spec's own default, {}, too: it is wrapped as { spec }). */
const validateRunSchema = generatedValidate as ValidateFunction;
const celRules = generatedCelRules as CelRuleAt[];

function describe(error: ErrorObject): string {
  const field = error.instancePath.slice(1).replaceAll('/', '.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  switch (error.keyword) {
    case 'enum':
      return `${field}: must be one of ${(error.params.allowedValues as string[]).join(', ')}`;
    case 'additionalProperties':
      return `${field}.${error.params.additionalProperty as string}: unknown field`;
    case 'required':
      return `${field}.${error.params.missingProperty as string}: required`;
    default:
      return `${field}: ${error.message ?? error.keyword}`;
  }
}

/** The value at a rule's path, or undefined where the path stops at a missing or non-object value. */
function valueAt(spec: unknown, path: string[]): unknown {
  let value = spec;
  for (const key of path) {
    if (value === undefined || value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Evaluates every x-kubernetes-validations rule of the schema against the value beneath it. */
function celProblems(spec: unknown): string[] {
  const problems: string[] = [];
  for (const rule of celRules) {
    const value = valueAt(spec, rule.path);
    if (value === undefined || value === null) continue;
    if (/\boldSelf\b/.test(rule.rule)) continue; // a transition rule: only the API server has the previous version
    const path = ['spec', ...rule.path].join('.');
    let ok: unknown;
    try {
      ok = evaluate(rule.rule, { self: value });
    } catch (error) {
      problems.push(`${path}: rule ${JSON.stringify(rule.rule)} could not be evaluated: ${(error as Error).message}`);
      continue;
    }
    if (ok !== true) problems.push(`${path}${rule.fieldPath ?? ''}: ${rule.message}`);
  }
  return problems;
}

/** Applies defaults in place and returns the spec, or throws ValidationError listing every problem. */
export function validateSpec(spec: unknown, source?: string): PipelineRun['spec'] {
  const holder: { spec?: unknown } = { spec: spec ?? {} };
  if (!validateRunSchema(holder)) {
    throw new ValidationError((validateRunSchema.errors ?? []).map(describe), source);
  }
  const value = holder.spec;
  const problems = celProblems(value);
  if (problems.length) throw new ValidationError(problems, source);
  return value as PipelineRun['spec'];
}

/** Validates a whole PipelineRun object (apiVersion, kind, metadata.name, spec) and applies defaults. */
export function validatePipelineRun(object: unknown, source?: string): PipelineRun {
  const problems: string[] = [];
  const o = (object ?? {}) as Partial<PipelineRun>;
  if (typeof object !== 'object' || object === null) throw new ValidationError(['expected a YAML/JSON object'], source);
  if (o.apiVersion !== API_VERSION) problems.push(`apiVersion: must be ${API_VERSION} (got ${JSON.stringify(o.apiVersion)})`);
  if (o.kind !== KIND) problems.push(`kind: must be ${KIND} (got ${JSON.stringify(o.kind)})`);
  const name = o.metadata?.name;
  if (typeof name !== 'string' || !new RegExp(RUN_NAME_PATTERN).test(name) || name.length > MAX_RUN_NAME) {
    problems.push(`metadata.name: required, a DNS label of at most ${MAX_RUN_NAME} characters (lower case letters, digits, '-'; no dots)${typeof name === 'string' ? `; got ${JSON.stringify(name)} (${name.length} characters)` : ''}`);
  }
  if (problems.length) throw new ValidationError(problems, source);
  const spec = validateSpec(o.spec ?? {}, source);
  return { ...(o as PipelineRun), spec };
}
