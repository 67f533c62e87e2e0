// The Helm chart, rendered by the real helm binary: what each values combination installs, that
// every Pod meets the restricted Pod Security Standard, and that RBAC is exactly the contract.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { byKind, chartDir, helm, one, podSpecs, renderChart, repoRoot, valuesFile, type K8sObject } from './helm.js';
import { dashboardRules, leaderElectionRules, operatorRules } from './operator-rbac.js';

// The operator ↔ packaging contract: what the operator's code calls (read from the code), and nothing more.
const OPERATOR_RULES = operatorRules();
const LEASE_RULES = leaderElectionRules();
// The dashboard's extra calls: reading Pod logs and Events always; Secrets only as listed (its actions' patch on runs is in the operator's rules).
const DASHBOARD_RULES = dashboardRules();
const dashboardRule = (resource: string) => DASHBOARD_RULES.find((r) => r.resources[0] === resource);

const operatorContainer = (objs: K8sObject[]) => one(objs, 'Deployment', 'bugforge-operator').spec.template.spec.containers[0];
/** The value after a flag in the operator's args (undefined when the flag is absent). */
function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

describe('chart metadata', () => {
  it('has appVersion = the package version, and helm lint passes (strict)', () => {
    const chart = parse(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8'));
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    expect(chart.appVersion).toBe(pkg.version);
    for (const values of [{}, { minio: { enabled: true }, replicaCount: 2, metrics: { serviceMonitor: { enabled: true } } }]) {
      const r = helm(['lint', '--strict', chartDir, '-f', valuesFile(values)]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });
});

describe('default values', () => {
  const objs = renderChart();

  it('installs the operator, its ServiceAccount, ClusterRole(Binding), Service and the helm test Pod — no MinIO, no ServiceMonitor', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/bugforge-dashboard',
      'ClusterRole/bugforge-operator',
      'ClusterRoleBinding/bugforge-dashboard',
      'ClusterRoleBinding/bugforge-operator',
      'Deployment/bugforge-operator',
      'Pod/bugforge-test',
      'Service/bugforge-dashboard',
      'Service/bugforge-operator',
      'ServiceAccount/bugforge-operator',
    ]);
    expect(one(objs, 'Pod').metadata.annotations?.['helm.sh/hook']).toBe('test');
  });

  it('runs `bugforge operator` with the contract flags, probes and env', () => {
    const deploy = one(objs, 'Deployment', 'bugforge-operator');
    const c = operatorContainer(objs);
    expect(c.image).toBe('ghcr.io/bugforge/bugforge:0.1.0');
    expect(c.args[0]).toBe('operator');
    expect(flag(c.args, '--metrics-port')).toBe('8080');
    expect(flag(c.args, '--health-port')).toBe('8081');
    expect(flag(c.args, '--stage-image')).toBe('ghcr.io/bugforge/bugforge:0.1.0');
    expect(flag(c.args, '--gpu-stage-image')).toBe('ghcr.io/bugforge/bugforge-gpu:0.1.0');
    expect(c.args).not.toContain('--leader-elect');
    expect(c.args).not.toContain('--namespace');
    expect(c.args.some((a: string) => a.startsWith('--default-storage'))).toBe(false);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(c.ports).toEqual([
      { name: 'metrics', containerPort: 8080, protocol: 'TCP' },
      { name: 'health', containerPort: 8081, protocol: 'TCP' },
      { name: 'dashboard', containerPort: 8090, protocol: 'TCP' },
    ]);
    expect(c.env).toContainEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    // V8 flags for the operator's memory (bench/operator.ts); nodeOptions "" leaves Node's defaults.
    expect(c.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-semi-space-size=1' });
    expect(operatorContainer(renderChart({ nodeOptions: '' })).env.map((e: { name: string }) => e.name)).not.toContain('NODE_OPTIONS');
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(deploy.spec.template.spec.serviceAccountName).toBe('bugforge-operator');
    // The Deployment's selector picks its own Pods, and the Service picks the same Pods.
    const podLabels = deploy.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(deploy.spec.selector.matchLabels)) expect(podLabels[k]).toBe(v);
    for (const [k, v] of Object.entries(one(objs, 'Service', 'bugforge-operator').spec.selector)) expect(podLabels[k]).toBe(v);
  });

  it('the operator\'s API calls, read from its code, are the ones it makes (the reader sees them)', () => {
    expect(OPERATOR_RULES).toEqual(expect.arrayContaining([
      { apiGroups: ['bugforge.dev'], resources: ['pipelineruns/status'], verbs: ['patch'] },
      expect.objectContaining({ apiGroups: ['batch'], resources: ['jobs'], verbs: expect.arrayContaining(['list', 'watch', 'create']) }),
      expect.objectContaining({ apiGroups: [''], resources: ['pods'], verbs: expect.arrayContaining(['list', 'watch']) }),
    ]));
    expect(LEASE_RULES).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }]);
  });

  it('grants exactly the contract RBAC, cluster-wide, to the operator ServiceAccount', () => {
    expect(one(objs, 'ClusterRole', 'bugforge-operator').rules).toEqual(OPERATOR_RULES);
    const binding = one(objs, 'ClusterRoleBinding', 'bugforge-operator');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bugforge-operator' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'bugforge-operator', namespace: 'bugforge' }]);
  });
});

describe('every values combination', () => {
  const combos: Record<string, Record<string, unknown>> = {
    default: {},
    minio: { minio: { enabled: true } },
    'minio with existingSecret, no persistence': { minio: { enabled: true, existingSecret: 'my-keys', persistence: { enabled: false } } },
    serviceMonitor: { metrics: { serviceMonitor: { enabled: true } } },
    'replicas 2': { replicaCount: 2 },
    watchNamespace: { watchNamespace: 'team-a' },
  };

  for (const [name, values] of Object.entries(combos)) {
    it(`${name}: every Pod is non-root, read-only root, no privilege escalation, drops ALL, RuntimeDefault seccomp, writable /tmp`, () => {
      const specs = podSpecs(renderChart(values));
      expect(specs.length).toBeGreaterThan(0);
      for (const { from, spec } of specs) {
        const pod = spec.securityContext ?? {};
        expect(pod.runAsNonRoot, from).toBe(true);
        expect(pod.runAsUser, from).toBeGreaterThan(0);
        expect(pod.seccompProfile, from).toEqual({ type: 'RuntimeDefault' });
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const where = `${from} container ${c.name}`;
          expect(c.securityContext.readOnlyRootFilesystem, where).toBe(true);
          expect(c.securityContext.allowPrivilegeEscalation, where).toBe(false);
          expect(c.securityContext.capabilities, where).toEqual({ drop: ['ALL'] });
          expect(c.securityContext.runAsNonRoot, where).toBe(true);
          const tmp = c.volumeMounts?.find((m: { mountPath: string }) => m.mountPath === '/tmp');
          expect(tmp, `${where} has no writable /tmp`).toBeDefined();
          expect(spec.volumes.find((v: { name: string }) => v.name === tmp.name).emptyDir, where).toBeDefined();
          expect(c.image, where).toMatch(/:[^:/]+$/); // a pinned tag, never implicit latest
          expect(c.image, where).not.toMatch(/:latest$/);
        }
      }
    });

    it(`${name}: RBAC never touches Secrets and has no wildcard`, () => {
      const objs = renderChart(values);
      const rules = [...byKind(objs, 'ClusterRole'), ...byKind(objs, 'Role')].flatMap((r) => r.rules);
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.resources).not.toContain('secrets');
        for (const list of [rule.apiGroups, rule.resources, rule.verbs]) expect(list).not.toContain('*');
      }
    });
  }
});

describe('minio.enabled', () => {
  const objs = renderChart({ minio: { enabled: true } });

  it('deploys a pinned MinIO with a PVC, a Secret of generated keys, a Service and a bucket hook Job', () => {
    const minio = one(objs, 'Deployment', 'bugforge-minio');
    const c = minio.spec.template.spec.containers[0];
    expect(c.image).toMatch(/^quay\.io\/minio\/minio:RELEASE\.\d{4}-/);
    expect(minio.spec.template.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'bugforge-minio' } });
    expect(one(objs, 'PersistentVolumeClaim').spec.resources.requests.storage).toBe('10Gi');
    const secret = one(objs, 'Secret', 'bugforge-minio');
    const access = Buffer.from(secret.data.accessKey, 'base64').toString();
    const key = Buffer.from(secret.data.secretKey, 'base64').toString();
    expect(access).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(key).toMatch(/^[A-Za-z0-9]{40}$/);
    // Random per render (no live Secret to look up in `helm template`): not a fixed default password.
    expect(Buffer.from(one(renderChart({ minio: { enabled: true } }), 'Secret', 'bugforge-minio').data.secretKey, 'base64').toString()).not.toBe(key);
    expect(one(objs, 'Service', 'bugforge-minio').spec.ports.map((p: { port: number }) => p.port)).toEqual([9000, 9001]);
    const job = one(objs, 'Job');
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('post-install,post-upgrade');
    expect(job.spec.template.spec.containers[0].image).toMatch(/^quay\.io\/minio\/mc:RELEASE\.\d{4}-/);
    expect(job.spec.template.spec.containers[0].args[0]).toContain('mb --ignore-existing');
  });

  it('makes the MinIO the operator default storage, with a stage Secret that is not the root keys', () => {
    const args = operatorContainer(objs).args;
    expect(flag(args, '--default-storage-endpoint')).toBe('http://bugforge-minio.bugforge.svc:9000');
    expect(flag(args, '--default-storage-bucket')).toBe('bugforge');
    expect(flag(args, '--default-storage-credentials-secret')).toBe('bugforge-minio-stage');
    const root = one(objs, 'Secret', 'bugforge-minio').data;
    const stage = one(objs, 'Secret', 'bugforge-minio-stage').data;
    expect(Buffer.from(stage.accessKey, 'base64').toString()).toMatch(/^bugforge-stage-[a-z0-9]{12}$/);
    expect(Buffer.from(stage.secretKey, 'base64').toString()).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(stage.accessKey).not.toBe(root.accessKey);
    expect(stage.secretKey).not.toBe(root.secretKey);
  });

  it('the bucket Job creates the stage user with a policy on that bucket only, from the stage Secret', () => {
    const objsB = renderChart({ minio: { enabled: true, bucket: 'runs' } });
    const c = one(objsB, 'Job').spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
    expect(env.STAGE_ACCESS_KEY).toEqual({ secretKeyRef: { name: 'bugforge-minio-stage', key: 'accessKey' } });
    expect(env.STAGE_SECRET_KEY).toEqual({ secretKeyRef: { name: 'bugforge-minio-stage', key: 'secretKey' } });
    expect(env.ACCESS_KEY).toEqual({ secretKeyRef: { name: 'bugforge-minio', key: 'accessKey' } });
    expect(env.BUCKET).toBe('runs');
    const script: string = c.args[0];
    expect(script).toContain('admin user add bugforge "$STAGE_ACCESS_KEY" "$STAGE_SECRET_KEY"');
    expect(script).toContain('admin policy attach bugforge "$POLICY" --user "$STAGE_ACCESS_KEY"');
    // The policy, with $BUCKET as the shell expands it: object read/write on the bucket, nothing else.
    const policy = JSON.parse(/<<POLICY\n([\s\S]*?)\nPOLICY/.exec(script)![1].replaceAll('$BUCKET', 'runs'));
    const resources = policy.Statement.flatMap((s: { Resource: string[] }) => s.Resource);
    expect(resources.sort()).toEqual(['arn:aws:s3:::runs', 'arn:aws:s3:::runs/*']);
    const actions: string[] = policy.Statement.flatMap((s: { Action: string[] }) => s.Action);
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket']));
    for (const a of actions) expect(a).not.toMatch(/\*|admin|CreateBucket|DeleteBucket|Policy/);
  });

  it('uses an existingSecret (root) and existingStageSecret instead of making them', () => {
    const withSecret = renderChart({ minio: { enabled: true, existingSecret: 'my-keys' } });
    expect(byKind(withSecret, 'Secret').map((s) => s.metadata.name)).toEqual(['bugforge-minio-stage']);
    expect(flag(operatorContainer(withSecret).args, '--default-storage-credentials-secret')).toBe('bugforge-minio-stage');
    const env = one(withSecret, 'Deployment', 'bugforge-minio').spec.template.spec.containers[0].env;
    expect(env.find((e: { name: string }) => e.name === 'MINIO_ROOT_USER').valueFrom.secretKeyRef).toEqual({ name: 'my-keys', key: 'accessKey' });
    const both = renderChart({ minio: { enabled: true, existingSecret: 'my-keys', existingStageSecret: 'my-stage-keys' } });
    expect(byKind(both, 'Secret')).toEqual([]);
    expect(flag(operatorContainer(both).args, '--default-storage-credentials-secret')).toBe('my-stage-keys');
  });
});

describe('other values', () => {
  it('storage.* sets the operator default storage', () => {
    const args = operatorContainer(renderChart({ storage: { endpoint: 'http://s3.example:9000', bucket: 'runs', prefix: 'team-a', credentialsSecret: 's3-keys' } })).args;
    expect(flag(args, '--default-storage-endpoint')).toBe('http://s3.example:9000');
    expect(flag(args, '--default-storage-bucket')).toBe('runs');
    expect(flag(args, '--default-storage-prefix')).toBe('team-a');
    expect(flag(args, '--default-storage-credentials-secret')).toBe('s3-keys');
  });

  it('metrics.serviceMonitor.enabled adds a ServiceMonitor scraping the operator Service metrics port', () => {
    const objs = renderChart({ metrics: { serviceMonitor: { enabled: true, labels: { release: 'prom' } } } });
    const sm = one(objs, 'ServiceMonitor');
    expect(sm.metadata.labels?.release).toBe('prom');
    expect(sm.spec.endpoints[0].port).toBe('metrics');
    const svc = one(objs, 'Service', 'bugforge-operator');
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata.labels?.[k]).toBe(v);
    expect(svc.spec.ports.map((p: { name: string }) => p.name)).toContain('metrics');
  });

  it('replicaCount > 1 turns on leader election with a Lease Role in the release namespace', () => {
    const objs = renderChart({ replicaCount: 2 });
    const args = operatorContainer(objs).args;
    expect(args).toContain('--leader-elect');
    expect(flag(args, '--leader-election-namespace')).toBe('bugforge');
    expect(flag(args, '--lease-name')).toBe('bugforge-operator');
    const role = one(objs, 'Role', 'bugforge-operator-leader-election');
    expect(role.metadata.namespace).toBe('bugforge');
    expect(role.rules).toEqual(LEASE_RULES);
    expect(one(objs, 'RoleBinding', 'bugforge-operator-leader-election').subjects).toEqual([{ kind: 'ServiceAccount', name: 'bugforge-operator', namespace: 'bugforge' }]);
    expect(byKind(renderChart(), 'Role')).toEqual([]); // one replica: no lease access
  });

  it('watchNamespace makes the operator RBAC a Role in that namespace', () => {
    const objs = renderChart({ watchNamespace: 'team-a' });
    expect(byKind(objs, 'ClusterRole')).toEqual([]);
    expect(byKind(objs, 'ClusterRoleBinding')).toEqual([]);
    const role = one(objs, 'Role', 'bugforge-operator');
    expect(role.metadata.namespace).toBe('team-a');
    expect(role.rules).toEqual(OPERATOR_RULES);
    const binding = one(objs, 'RoleBinding', 'bugforge-operator');
    expect(binding.metadata.namespace).toBe('team-a');
    expect(binding.roleRef.kind).toBe('Role');
    expect(flag(operatorContainer(objs).args, '--namespace')).toBe('team-a');
  });

  it('image tags and the test Pod URL follow their values', () => {
    const objs = renderChart({ image: { tag: '9.9.9' }, gpuStageImage: { tag: 'cuda' }, tests: { readyzURL: 'http://127.0.0.1:18081/readyz' } });
    const args = operatorContainer(objs).args;
    expect(operatorContainer(objs).image).toBe('ghcr.io/bugforge/bugforge:9.9.9');
    expect(flag(args, '--stage-image')).toBe('ghcr.io/bugforge/bugforge:9.9.9');
    expect(flag(args, '--gpu-stage-image')).toBe('ghcr.io/bugforge/bugforge-gpu:cuda');
    expect(one(objs, 'Pod').spec.containers[0].env).toContainEqual({ name: 'READYZ_URL', value: 'http://127.0.0.1:18081/readyz' });
  });
});

describe('dashboard', () => {
  it('by default: served on its port behind a ClusterIP Service, read-only, reading Pod logs and Events — no Ingress, no write, no Secret', () => {
    const objs = renderChart();
    const c = operatorContainer(objs);
    expect(flag(c.args, '--dashboard-port')).toBe('8090');
    expect(c.args).not.toContain('--dashboard-actions');
    expect(c.ports).toContainEqual({ name: 'dashboard', containerPort: 8090, protocol: 'TCP' });
    const svc = one(objs, 'Service', 'bugforge-dashboard');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'dashboard', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual(one(objs, 'Service', 'bugforge-operator').spec.selector);
    expect(byKind(objs, 'Ingress')).toEqual([]);
    expect(one(objs, 'ClusterRole', 'bugforge-dashboard').rules).toEqual([dashboardRule('pods/log'), dashboardRule('events')]);
    expect(one(objs, 'ClusterRoleBinding', 'bugforge-dashboard').subjects).toEqual([{ kind: 'ServiceAccount', name: 'bugforge-operator', namespace: 'bugforge' }]);
  });

  it('actions.enabled adds the flag (their patch on pipelineruns is the operator\'s own, for finalizers); storeSecrets adds get on exactly those Secrets', () => {
    const objs = renderChart({ dashboard: { actions: { enabled: true }, storeSecrets: ['team-s3', 'other-s3'] } });
    const c = operatorContainer(objs);
    expect(c.args).toContain('--dashboard-actions');
    expect(flag(c.args, '--dashboard-store-secrets')).toBe('team-s3,other-s3');
    const rules = one(objs, 'ClusterRole', 'bugforge-dashboard').rules;
    expect(rules.map(({ resourceNames: _names, ...r }: { resourceNames?: string[] }) => r)).toEqual(DASHBOARD_RULES);
    expect(rules.find((r: { resources: string[] }) => r.resources[0] === 'secrets')).toMatchObject({ verbs: ['get'], resourceNames: ['team-s3', 'other-s3'] });
    expect(one(objs, 'ClusterRole', 'bugforge-operator').rules).toContainEqual({ apiGroups: ['bugforge.dev'], resources: ['pipelineruns'], verbs: ['list', 'watch', 'patch'] });
  });

  it('with the default storage\'s Secret, the operator Pod gets its keys by secretKeyRef (optional) — no Secret RBAC', () => {
    const objs = renderChart({ minio: { enabled: true } });
    const env = operatorContainer(objs).env as { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } }[];
    const secret = env.find((e) => e.name === 'AWS_SECRET_ACCESS_KEY')?.valueFrom?.secretKeyRef;
    expect(secret).toMatchObject({ key: 'secretKey', optional: true });
    expect(flag(operatorContainer(objs).args, '--default-storage-credentials-secret')).toBe(secret?.name);
    expect(one(objs, 'ClusterRole', 'bugforge-dashboard').rules.flatMap((r: { resources: string[] }) => r.resources)).not.toContain('secrets');
  });

  it('ingress.enabled adds an Ingress to the dashboard Service; enabled: false removes the dashboard entirely', () => {
    const withIngress = renderChart({ dashboard: { ingress: { enabled: true, host: 'bugforge.example.org', className: 'nginx' } } });
    const ingress = one(withIngress, 'Ingress', 'bugforge-dashboard');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules[0]).toMatchObject({ host: 'bugforge.example.org', http: { paths: [{ path: '/', backend: { service: { name: 'bugforge-dashboard', port: { name: 'http' } } } }] } });
    const off = renderChart({ dashboard: { enabled: false } });
    expect(off.filter((o) => o.metadata.name === 'bugforge-dashboard')).toEqual([]);
    expect(operatorContainer(off).args).not.toContain('--dashboard-port');
  });

  it('watchNamespace makes the dashboard RBAC a Role there', () => {
    const objs = renderChart({ watchNamespace: 'team-a' });
    expect(one(objs, 'Role', 'bugforge-dashboard').metadata.namespace).toBe('team-a');
    expect(byKind(objs, 'ClusterRole')).toEqual([]);
  });
});

describe('images for the stage Jobs', () => {
  it('image.repository / image.tag move the GPU stage image too (a mirror registry holds both)', () => {
    const args = operatorContainer(renderChart({ image: { repository: 'registry.example/team/bugforge', tag: '1.2.3' } })).args;
    expect(flag(args, '--stage-image')).toBe('registry.example/team/bugforge:1.2.3');
    expect(flag(args, '--gpu-stage-image')).toBe('registry.example/team/bugforge-gpu:1.2.3');
    // An explicit gpuStageImage still wins.
    const own = operatorContainer(renderChart({ image: { repository: 'registry.example/team/bugforge' }, gpuStageImage: { repository: 'other/gpu', tag: 'cu12' } })).args;
    expect(flag(own, '--gpu-stage-image')).toBe('other/gpu:cu12');
  });

  it('imagePullSecrets reach the operator Pod and, through --image-pull-secrets, every stage Job', () => {
    const objs = renderChart({ imagePullSecrets: [{ name: 'regcred' }, { name: 'mirror' }] });
    expect(one(objs, 'Deployment', 'bugforge-operator').spec.template.spec.imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'mirror' }]);
    expect(flag(operatorContainer(objs).args, '--image-pull-secrets')).toBe('regcred,mirror');
    expect(operatorContainer(renderChart()).args).not.toContain('--image-pull-secrets');
  });
});

describe('values.schema.json', () => {
  it.each([
    [{ bogus: true }, "additional properties 'bogus' not allowed"],
    [{ minio: { enabled: true, bogus: 1 } }, "at '/minio': additional properties 'bogus' not allowed"],
    [{ image: { repository: 'x', tga: '1' } }, "additional properties 'tga' not allowed"],
    [{ replicaCount: 'two' }, '/replicaCount'],
    [{ logLevel: 'loud' }, '/logLevel'],
    [{ storage: { endpoint: 'minio:9000' } }, '/storage/endpoint'],
  ])('refuses %j, naming the key', (values, message) => {
    expect(() => renderChart(values)).toThrow(message);
  });
});
