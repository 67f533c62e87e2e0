// The chart's MinIO keys are generated once: `helm upgrade` reads the live Secret back (lookup)
// instead of rolling new keys, which would lock the stage Pods out of the existing data.
// MinIO's image can't run on the test kubelet, so this installs without waiting and without
// hooks (the bucket Job), and with no operator replica.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, type TestNamespace } from '../support/cluster.js';
import { chartDir, valuesFile } from '../unit/packaging/helm.js';
import { helm, kubectl } from './tools.js';

describe('MinIO keys across helm upgrade', () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createTestNamespace(undefined, 'minio-keys');
  });
  afterAll(async () => {
    if (ns) await helm(['uninstall', 'keys', '-n', ns.name]);
    await ns?.delete();
  });

  const secretData = async (name = 'keys-bugforge-minio') => {
    const r = await kubectl(['-n', ns.name, 'get', 'secret', name, '-o', 'jsonpath={.data}']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { accessKey: string; secretKey: string };
  };

  it('keeps the generated keys on upgrade; MinIO reads the root keys, the stage Pods (through the operator) the stage keys', async () => {
    const values = valuesFile({ minio: { enabled: true, persistence: { enabled: false } }, replicaCount: 0 });
    const install = await helm(['install', 'keys', chartDir, '-n', ns.name, '-f', values, '--no-hooks', '--skip-crds']);
    expect(install.code, install.stderr).toBe(0);
    const first = await secretData();
    expect(Buffer.from(first.secretKey, 'base64').toString()).toMatch(/^[A-Za-z0-9]{40}$/);
    const firstStage = await secretData('keys-bugforge-minio-stage');
    expect(firstStage.accessKey).not.toBe(first.accessKey);

    const upgrade = await helm(['upgrade', 'keys', chartDir, '-n', ns.name, '--reuse-values', '--set', 'minio.bucket=other', '--no-hooks']);
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect(await secretData()).toEqual(first);
    expect(await secretData('keys-bugforge-minio-stage')).toEqual(firstStage);

    const minio = JSON.parse((await kubectl(['-n', ns.name, 'get', 'deploy', 'keys-bugforge-minio', '-o', 'json'])).stdout);
    const env = minio.spec.template.spec.containers[0].env;
    expect(env.find((e: { name: string }) => e.name === 'MINIO_ROOT_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'keys-bugforge-minio', key: 'secretKey' });
    const operator = JSON.parse((await kubectl(['-n', ns.name, 'get', 'deploy', 'keys-bugforge-operator', '-o', 'json'])).stdout);
    const args: string[] = operator.spec.template.spec.containers[0].args;
    expect(args[args.indexOf('--default-storage-bucket') + 1]).toBe('other');
    expect(args[args.indexOf('--default-storage-credentials-secret') + 1]).toBe('keys-bugforge-minio-stage');
  });
});
