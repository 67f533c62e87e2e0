// The RBAC the operator needs, read from its code: every @kubernetes/client-node call it makes
// (list/read/create/delete/patch/replace on a kind), the watches of its informers, and the
// ownerReferences it sets. The chart must grant exactly this, so a rule nobody uses fails a test,
// and so does a new API call the chart does not grant yet.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helm.js';

export interface Rule { apiGroups: string[]; resources: string[]; verbs: string[] }

/** Code that runs inside `bugforge operator` (the CLI's cluster verbs run as the user, not as the operator). */
const OPERATOR_CODE = ['operator/controller', 'cli/commands/operator.ts'];
/** The dashboard, which runs in the operator process too; its extra rules are the chart's dashboard Role (templates/dashboard.yaml). */
const DASHBOARD_CODE = ['operator/dashboard'];
const LEADER_CODE = ['operator/controller/leader.ts'];

const KINDS: Record<string, [group: string, resource: string]> = {
  CustomObject: ['bugforge.dev', 'pipelineruns'],
  Job: ['batch', 'jobs'],
  Pod: ['', 'pods'],
  PodLog: ['', 'pods/log'],
  Event: ['', 'events'],
  Lease: ['coordination.k8s.io', 'leases'],
  Secret: ['', 'secrets'],
  ConfigMap: ['', 'configmaps'],
  Service: ['', 'services'],
  Namespace: ['', 'namespaces'],
};
const VERBS: Record<string, string> = { list: 'list', read: 'get', get: 'get', create: 'create', delete: 'delete', deleteCollection: 'deletecollection', patch: 'patch', replace: 'update' };
const VERB_ORDER = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const CALL = new RegExp(`\\b(${Object.keys(VERBS).join('|')})(?:Namespaced|Cluster)?(${Object.keys(KINDS).join('|')})(Status)?(?:ForAllNamespaces)?\\(`, 'g');
const INFORMER_PATH = /makeInformer\(\s*\w+\s*,\s*`([^`]+)`/g;

function sources(paths: string[]): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (p: string) => {
    const full = path.join(repoRoot, p);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) for (const f of readdirSync(full)) walk(path.join(p, f));
    else if (/\.ts$/.test(p) && !/\.test\.ts$/.test(p)) out.push({ file: p, text: readFileSync(full, 'utf8') });
  };
  paths.forEach(walk);
  return out;
}

function derive(paths: string[]): Rule[] {
  const grants = new Map<string, Set<string>>(); // "group|resource" -> verbs
  const grant = (group: string, resource: string, verb: string) => {
    const key = `${group}|${resource}`;
    if (!grants.has(key)) grants.set(key, new Set());
    grants.get(key)!.add(verb);
  };
  for (const { text } of sources(paths)) {
    for (const [, verb, kind, status] of text.matchAll(CALL)) {
      const [group, resource] = KINDS[kind];
      grant(group, status ? `${resource}/status` : resource, VERBS[verb]);
    }
    // An informer lists and then watches the collection at its path (/api/v1/pods, /apis/batch/v1/jobs, /apis/${GROUP}/…/${PLURAL}).
    for (const [, url] of text.matchAll(INFORMER_PATH)) {
      const last = url.split('/').at(-1)!;
      const resource = last === '${PLURAL}' ? 'pipelineruns' : last;
      const entry = Object.values(KINDS).find(([, r]) => r === resource);
      if (!entry) throw new Error(`informer on ${url}: unknown resource`);
      grant(entry[0], entry[1], 'list');
      grant(entry[0], entry[1], 'watch');
    }
    // client-node's Log helper reads GET /api/v1/namespaces/{ns}/pods/{name}/log.
    if (/new Log\(/.test(text)) grant('', 'pods/log', 'get');
    // Owner references with blockOwnerDeletion need update on the owner's finalizers subresource
    // where the OwnerReferencesPermissionEnforcement admission plugin is on (OpenShift, hardened clusters).
    if (/blockOwnerDeletion:\s*true/.test(text)) grant('bugforge.dev', 'pipelineruns/finalizers', 'update');
  }
  const order = ['bugforge.dev|pipelineruns', 'bugforge.dev|pipelineruns/status', 'bugforge.dev|pipelineruns/finalizers', 'batch|jobs', '|pods', '|pods/log', '|events'];
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return [...grants.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([key, verbs]) => {
      const [group, resource] = key.split('|');
      return { apiGroups: [group], resources: [resource], verbs: VERB_ORDER.filter((v) => verbs.has(v)) };
    });
}

/** The operator's rules, leader election aside (its Lease calls are a separate Role). */
export function operatorRules(): Rule[] {
  const leader = new Set(LEADER_CODE);
  return derive(OPERATOR_CODE.flatMap((p) => sources([p]).map((s) => s.file)).filter((f) => !leader.has(f)));
}

/** What the dashboard's code calls beyond the operator's own rules. */
export function dashboardRules(): Rule[] {
  const granted = new Set(operatorRules().flatMap((r) => r.verbs.map((v) => `${r.apiGroups[0]}|${r.resources[0]}|${v}`)));
  return derive(DASHBOARD_CODE)
    .map((r) => ({ ...r, verbs: r.verbs.filter((v) => !granted.has(`${r.apiGroups[0]}|${r.resources[0]}|${v}`)) }))
    .filter((r) => r.verbs.length > 0);
}

export function leaderElectionRules(): Rule[] {
  return derive(LEADER_CODE);
}
