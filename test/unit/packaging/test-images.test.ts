// The pieces the real node runs besides the chart: the images scripts/images.sh builds (names and
// tags the node imports) and s3rver as the cluster's object store, pointed at by chart values.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { one, parseManifests, podSpecs, renderChart, repoRoot } from './helm.js';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const script = read('scripts/images.sh');
/** A `NAME=value` assignment of scripts/images.sh, with ${VAR} filled in from earlier ones. */
function scriptVar(name: string): string {
  const vars: Record<string, string> = {};
  for (const [, k, v] of script.matchAll(/^([A-Z0-9_]+)=(\S+)$/gm)) vars[k] = v.replace(/^'|'$/g, '').replace(/\$\{(\w+)\}/g, (_m, r: string) => vars[r] ?? '');
  if (!(name in vars)) throw new Error(`scripts/images.sh sets no ${name}`);
  return vars[name];
}

describe('scripts/images.sh', () => {
  it('tags the project image as the chart and the operator expect it (repository ghcr.io/bugforge/bugforge), on a maintained Node LTS', () => {
    expect(scriptVar('PROJECT_TAG')).toBe('ghcr.io/bugforge/bugforge:dev');
    expect(scriptVar('NODE_VERSION')).toMatch(/^(22|24)\.\d+\.\d+$/);
    // The Dockerfiles' default base is the same Node release the script's base carries.
    expect(read('Dockerfile')).toContain(`ARG NODE_IMAGE=node:${scriptVar('NODE_VERSION')}-bookworm-slim`);
  });

  it('the header comment lists every archive with the tag it is pushed with', () => {
    const tags: Record<string, string> = {
      'node-base': scriptVar('BASE_TAG'), bugforge: scriptVar('PROJECT_TAG'), 'bugforge-stages': scriptVar('STAGES_TAG'),
      s3rver: scriptVar('S3RVER_TAG'), coredns: scriptVar('COREDNS_TAG'), pause: scriptVar('PAUSE_IMAGE_TAG'),
    };
    for (const [name, tag] of Object.entries(tags)) expect(script).toMatch(new RegExp(`^#\\s+${name}\\.tar\\s+${tag.replace(/[.]/g, '\\.')}\\s`, 'm'));
  });

  it('pushes every archive with a reference name (ctr import drops a nameless image) and caches by an inputs key', () => {
    expect(script).toContain('buildah push --quiet "$image" "oci-archive:$cache/$name.tar.partial:$tag"');
    expect(script).toMatch(/fresh\(\) \{ \[\[ -f "\$cache\/\$1\.tar" && "\$\(cat "\$cache\/\$1\.key"/);
  });
});

describe('test/images/s3rver', () => {
  const manifests = parseManifests(read('test/images/s3rver/s3rver.yaml'));
  const values = parse(read('test/images/s3rver/values.yaml'));
  const dockerfile = read('test/images/s3rver/Dockerfile');

  it('its Dockerfile passes the linter and serves path-style buckets (a Service host name is not a bucket)', () => {
    expect(validate(dockerfile, { instructionCasing: ValidationSeverity.ERROR, instructionJSONInSingleQuotes: ValidationSeverity.ERROR })).toEqual([]);
    const cmd = JSON.parse(/^CMD (.+)$/m.exec(dockerfile)![1]) as string[];
    expect(cmd).toContain('--no-vhost-buckets');
    expect(cmd.slice(cmd.indexOf('--configure-bucket') + 1)).toEqual([values.storage.bucket]);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
  });

  it('runs the built image, never pulled, as a restricted Pod behind a Service on port 9000', () => {
    const deploy = one(manifests, 'Deployment', 's3rver');
    const [{ spec }] = podSpecs([deploy]);
    const c = spec.containers[0];
    expect(c.image).toBe(scriptVar('S3RVER_TAG'));
    expect(c.imagePullPolicy).toBe('Never');
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath).sort()).toEqual(['/data', '/tmp']);
    const svc = one(manifests, 'Service', 's3rver');
    expect(svc.spec.ports[0].port).toBe(9000);
    for (const [k, v] of Object.entries(svc.spec.selector)) expect(deploy.spec.template.metadata.labels[k]).toBe(v);
  });

  it('the chart values point the operator at it as a user points it at an external S3, with the built images', () => {
    const secret = one(manifests, 'Secret');
    expect(values.storage.credentialsSecret).toBe(secret.metadata.name);
    expect(Object.keys(secret.stringData).sort()).toEqual(['accessKey', 'secretKey']);
    const objs = renderChart(values);
    const c = one(objs, 'Deployment', 'bugforge-operator').spec.template.spec.containers[0];
    expect(c.image).toBe(scriptVar('PROJECT_TAG'));
    expect(c.imagePullPolicy).toBe('Never');
    const arg = (flag: string) => c.args[c.args.indexOf(flag) + 1];
    expect(arg('--stage-image')).toBe(scriptVar('PROJECT_TAG'));
    expect(arg('--default-storage-endpoint')).toBe('http://s3rver.bugforge.svc.cluster.local:9000');
    expect(arg('--default-storage-credentials-secret')).toBe('s3rver-credentials');
    expect(objs.some((o) => o.metadata.name.includes('minio'))).toBe(false);
  });
});
