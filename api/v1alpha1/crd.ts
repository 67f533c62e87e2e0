// Generates the PipelineRun CustomResourceDefinition from the TypeBox schemas.
// `bugforge crd` prints it; crds/ holds the committed copy (a test keeps them equal).
import { PipelineRunSpec } from './spec.js';
import { MAX_RUN_NAME, RUN_NAME_PATTERN } from './names.js';
import { PipelineRunStatus } from './status.js';
import { CATEGORIES, GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION } from './resource.js';

/**
 * The default of an object with its nested defaults filled in. The API server checks an object's
 * default against its CEL rules *without* nested defaulting, so `default: {}` on an object whose
 * rule reads `self.mode` is refused ("no such key: mode"); Kubernetes would fill the same values in.
 */
function materializedDefault(schema: Record<string, unknown>): unknown {
  const base = schema.default;
  const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (!properties || base === null || typeof base !== 'object' || Array.isArray(base)) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [name, child] of Object.entries(properties)) {
    if (out[name] === undefined && child.default !== undefined) out[name] = materializedDefault(child);
  }
  return out;
}

/** Drops TypeBox's symbols and keys the API server's structural schema does not accept. */
function toOpenAPI(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toOpenAPI);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id' || key === '$schema') continue;
    if (key === 'exclusiveMinimum' && typeof value === 'number') {
      out.minimum = value;
      out.exclusiveMinimum = true;
      continue;
    }
    if (key === 'patternProperties') {
      out.additionalProperties = toOpenAPI(Object.values(value as object)[0]);
      continue;
    }
    if (key === 'additionalProperties' && value === false) continue; // structural schemas prune unknown fields
    if (key === 'default' && (schema as Record<string, unknown>)['x-kubernetes-validations']) {
      out.default = materializedDefault(schema as Record<string, unknown>);
      continue;
    }
    out[key] = toOpenAPI(value);
  }
  // A field with a default is filled in by the API server before validation: not `required` for the user.
  const properties = (schema as { properties?: Record<string, { default?: unknown }> }).properties;
  if (Array.isArray(out.required) && properties) {
    const required = (out.required as string[]).filter((name) => properties[name]?.default === undefined);
    if (required.length) out.required = required;
    else delete out.required;
  }
  return out;
}

export function pipelineRunCRD(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'bugforge' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES, categories: CATEGORIES },
      versions: [{
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
          { name: 'Stage', type: 'string', jsonPath: '.status.currentStage' },
          { name: 'Progress', type: 'string', jsonPath: '.status.progress' },
          { name: 'F1', type: 'number', format: 'float', jsonPath: '.status.results.f1' },
          { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Succeeded")].reason' },
          { name: 'Duration', type: 'string', jsonPath: '.status.duration' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'A run of the bugforge pipeline: analyze, generate, filter, merge, train, evaluate.',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              // The one place a CRD may constrain metadata: name (and generateName).
              metadata: {
                type: 'object',
                properties: {
                  name: {
                    type: 'string', maxLength: MAX_RUN_NAME, pattern: RUN_NAME_PATTERN,
                    description: `A DNS label of at most ${MAX_RUN_NAME} characters (lower case letters, digits, '-'; no dots), so that its Job names fit 63.`,
                  },
                },
              },
              spec: toOpenAPI(PipelineRunSpec),
              status: toOpenAPI(PipelineRunStatus),
            },
          },
        },
      }],
    },
  };
}
