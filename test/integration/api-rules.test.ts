// The PipelineRun API on the real API server (issue 12 #2, #5, #7): names that would fail at run time
// are refused, `bugforge validate` agrees with the server on the same objects, and the spec cannot
// change once the run exists — except spec.status (cancel). The transition rule (oldSelf) is only
// evaluated here: the local validator skips it.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION } from '../../api/v1alpha1/resource.js';
import { validatePipelineRun, ValidationError } from '../../api/v1alpha1/validate.js';
import { kubeConfig, useNamespace } from '../support/cluster.js';
import { installCrd } from './operator-support.js';

const object = (name: string, spec: Record<string, unknown>) => ({ apiVersion: `${GROUP}/${VERSION}`, kind: 'PipelineRun', metadata: { name }, spec });
/** "refused 422: <the server's message>" (the message decoded: the body escapes < and >). */
const refusal = (e: { code?: number; body?: string }) => `refused ${e.code}: ${(JSON.parse(e.body ?? '{}') as { message?: string }).message ?? e.body}`;
const base = { dataset: { source: 'demo' }, storage: { bucket: 'bugforge' } };

describe('PipelineRun API rules on the API server', () => {
  const ns = useNamespace('api-rules');
  beforeAll(async () => { await installCrd(kubeConfig()); });

  const create = (body: Record<string, unknown>) => ns.kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns.name, body });
  const server = (body: Record<string, unknown>) => create(body).then(() => 'accepted', refusal);
  const local = (body: Record<string, unknown>) => {
    try {
      validatePipelineRun(structuredClone(body));
      return 'accepted';
    } catch (error) {
      if (error instanceof ValidationError) return `refused: ${error.problems.join('; ')}`;
      throw error;
    }
  };

  it('the server and `bugforge validate` agree: long or dotted names, 1e20 seeds and a split without test rows are refused by both', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['long name', object('a'.repeat(54), base), /metadata.name/],
      ['dotted name', object('my.run', base), /metadata.name/],
      ['seed 1e20', object('seed', { ...base, split: { seed: 1e20 } }), /spec.split.seed/],
      ['no test rows', object('notest', { ...base, split: { train: 0.9, validation: 0.1, test: 0 } }), /must each be > 0/],
      ['limit 1e20', object('limit', { ...base, dataset: { source: 'demo', limit: 1e20 } }), /spec.dataset.limit/],
    ];
    for (const [what, body, field] of cases) {
      const [s, l] = [await server(body), local(body)];
      expect(s, what).toMatch(/^refused 422/);
      expect(s, what).toMatch(field);
      expect(l, what).toMatch(/^refused/);
      expect(l, what).toMatch(field);
    }
    const fine = object('a'.repeat(53), { ...base, split: { seed: 2 ** 31 - 1 } });
    expect(local(fine)).toBe('accepted');
    expect(await server(fine)).toBe('accepted');
  });

  it('the spec is immutable once created; spec.status: Cancelled is the one change allowed', async () => {
    await create(object('frozen', { ...base, generation: { batches: 2 } }));
    const api = ns.kc.makeApiClient(CustomObjectsApi);
    const patch = (body: unknown) => api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: ns.name, name: 'frozen', body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ).then(() => 'accepted', refusal);
    const edit = await patch({ spec: { generation: { batches: 40 } } });
    expect(edit).toMatch(/^refused 422/);
    expect(edit).toContain('spec is immutable once the PipelineRun exists');
    expect(await patch({ spec: { storage: { bucket: 'other-bucket' } } })).toMatch(/^refused 422/);
    expect(await patch({ spec: { cache: false } })).toMatch(/^refused 422/);
    expect(await patch({ spec: { status: 'Cancelled' } })).toBe('accepted');
    expect(await patch({ spec: { status: 'Stopped' } })).toMatch(/^refused 422.*Cancelled/);
    expect(await patch({ metadata: { annotations: { 'bugforge.dev/retry': '1' } }, spec: { status: null } })).toBe('accepted');
  });
});
