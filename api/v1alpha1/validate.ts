// Validates a PipelineRun the way the API server will: the OpenAPI schema (types, enums, ranges,
// defaults) through Ajv, then the CEL rules through a CEL interpreter, with errors that name
// the field and, for enums, the allowed values.
import { Ajv, type ErrorObject } from 'ajv';
import { evaluate } from '@marcbachmann/cel-js';
import { MAX_RUN_NAME, PipelineRunSpec, RUN_NAME_PATTERN } from './spec.js';
import { API_VERSION, KIND, type PipelineRun } from './resource.js';

export class ValidationError extends Error {
  constructor(readonly problems: string[], source?: string) {
    super(`invalid PipelineRun${source ? ` (${source})` : ''}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ValidationError';
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false });
for (const keyword of ['x-kubernetes-validations', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys']) {
  ajv.addKeyword(keyword);
}
ajv.addFormat('date-time', true);
// Wrapped in an object so that the spec's own default ({}) applies, as on the API server.
const validateRunSchema = ajv.compile({ type: 'object', properties: { spec: PipelineRunSpec } });

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

interface CelRule { rule: string; message: string; fieldPath?: string }

/** Walks the schema beside the value and evaluates every x-kubernetes-validations rule. */
function celProblems(schema: Record<string, unknown>, value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  const problems: string[] = [];
  for (const rule of (schema['x-kubernetes-validations'] as CelRule[] | undefined) ?? []) {
    if (/\boldSelf\b/.test(rule.rule)) continue; // a transition rule: only the API server has the previous version
    let ok: unknown;
    try {
      ok = evaluate(rule.rule, { self: value });
    } catch (error) {
      ok = false;
      problems.push(`${path}: rule ${JSON.stringify(rule.rule)} could not be evaluated: ${(error as Error).message}`);
      continue;
    }
    if (ok !== true) problems.push(`${path}${rule.fieldPath ?? ''}: ${rule.message}`);
  }
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (properties && typeof value === 'object') {
    for (const [key, child] of Object.entries(properties)) {
      problems.push(...celProblems(child, (value as Record<string, unknown>)[key], `${path}.${key}`));
    }
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
  const problems = celProblems(PipelineRunSpec as unknown as Record<string, unknown>, value, 'spec');
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
