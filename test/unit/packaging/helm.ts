// Runs the real helm binary (scripts/get-helm.sh puts it in .cache/bin) on the chart and parses
// what it renders. Shared by the packaging unit tests and the e2e test.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const chartDir = path.join(repoRoot, 'charts/bugforge');
const toolsDir = path.join(repoRoot, '.cache/bin');

/** Path of a tool from scripts/get-helm.sh (helm or kubectl), fetching them on first use. */
export function tool(name: 'helm' | 'kubectl'): string {
  const file = path.join(toolsDir, name);
  if (!existsSync(file)) execFileSync(path.join(repoRoot, 'scripts/get-helm.sh'), { stdio: ['ignore', 'inherit', 'inherit'] });
  return file;
}

export interface RunResult { code: number; stdout: string; stderr: string }

export function helm(args: string[], env: NodeJS.ProcessEnv = {}): RunResult {
  const r = spawnSync(tool('helm'), args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A values file with these values (helm merges it over values.yaml). */
export function valuesFile(values: Record<string, unknown>): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bugforge-values-')), 'values.json');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered Kubernetes objects are read by path in tests
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length) throw new Error(`rendered YAML is invalid: ${doc.errors[0].message}`);
    return doc.toJS() as K8sObject | null;
  }).filter((o): o is K8sObject => o !== null);
}

/** `helm template` of the chart with these values; throws with helm's message when it refuses. */
export function renderChart(values: Record<string, unknown> = {}, opts: { release?: string; namespace?: string; extraArgs?: string[] } = {}): K8sObject[] {
  const r = helm(['template', opts.release ?? 'bugforge', chartDir, '--namespace', opts.namespace ?? 'bugforge', '-f', valuesFile(values), ...(opts.extraArgs ?? [])]);
  if (r.code !== 0) throw new Error(r.stderr.trim());
  return parseManifests(r.stdout);
}

export const byKind = (objs: K8sObject[], kind: string): K8sObject[] => objs.filter((o) => o.kind === kind);
export function one(objs: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0];
}

/** The Pod specs in rendered objects (Deployments, Jobs, bare Pods) with a label saying where each is from. */
export function podSpecs(objs: K8sObject[]): { from: string; spec: K8sObject['spec'] }[] {
  return objs.flatMap((o) => {
    const from = `${o.kind}/${o.metadata.name}`;
    if (o.kind === 'Pod') return [{ from, spec: o.spec }];
    if (['Deployment', 'Job', 'StatefulSet', 'DaemonSet'].includes(o.kind)) return [{ from, spec: o.spec.template.spec }];
    return [];
  });
}
