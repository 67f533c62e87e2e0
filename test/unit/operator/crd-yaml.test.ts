// The committed CRD (crds/) must be exactly what the generator prints: a schema change without
// `npm run crd` would install a CRD that disagrees with the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { pipelineRunCRD } from '../../../api/v1alpha1/crd.js';

const committedPath = new URL('../../../crds/bugforge.dev_pipelineruns.yaml', import.meta.url);

describe('crds/bugforge.dev_pipelineruns.yaml', () => {
  it('equals the generator output (run `npm run crd` after changing api/v1alpha1)', () => {
    const committed = readFileSync(committedPath, 'utf8');
    expect(committed).toBe(stringify(pipelineRunCRD(), { lineWidth: 0 }));
  });

  it('gives objects with CEL rules a default the API server can evaluate them on', () => {
    // The API server checks a default against the object's own CEL rules without nested defaulting.
    const crd = parse(readFileSync(committedPath, 'utf8'));
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    expect(spec.training.default).toMatchObject({ mode: 'train', gpus: 0 });
    expect(spec.split.default).toMatchObject({ train: 0.8, validation: 0.1, test: 0.1 });
    expect(spec.generation.default).toMatchObject({ provider: 'mutation' });
    expect(spec.dataset.default).toMatchObject({ source: 'huggingface' });
  });
});
