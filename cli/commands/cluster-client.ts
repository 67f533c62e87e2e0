// What the cluster verbs (list, describe, logs, retry, cancel) share: the kubeconfig (as kubectl
// finds it: $KUBECONFIG, ~/.kube/config, in-cluster), the namespace, and reading/patching runs.
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type PipelineRun } from '../../api/v1alpha1/resource.js';

export interface ClusterOptions { namespace?: string; allNamespaces?: boolean; context?: string }

export interface Cluster { kc: KubeConfig; namespace: string; custom: CustomObjectsApi }

export function cluster(opts: ClusterOptions): Cluster {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  if (opts.context) kc.setCurrentContext(opts.context);
  const namespace = opts.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return { kc, namespace, custom: kc.makeApiClient(CustomObjectsApi) };
}

/** One line for an API error ("PipelineRun ml/x not found" rather than the response dump). */
export function apiErrorLine(error: unknown, what: string): Error {
  const code = (error as { code?: number }).code;
  const body = (error as { body?: unknown }).body;
  let message = (error as Error).message?.split('\n')[0] ?? String(error);
  if (typeof body === 'string') {
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch { /* not JSON */ }
  }
  if (code === 404) return new Error(`${what} not found`);
  return new Error(`${what}: ${code ? `HTTP ${code}: ` : ''}${message}`);
}

export async function getRun(c: Cluster, name: string): Promise<PipelineRun> {
  try {
    return (await c.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: c.namespace, name })) as PipelineRun;
  } catch (error) {
    throw apiErrorLine(error, `PipelineRun ${c.namespace}/${name}`);
  }
}

export async function listRuns(c: Cluster, allNamespaces = false): Promise<PipelineRun[]> {
  const list = (allNamespaces
    ? await c.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })
    : await c.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: c.namespace })) as { items: PipelineRun[] };
  return list.items;
}

/** A JSON merge patch on the run (metadata and spec; the status belongs to the operator). */
export async function patchRun(c: Cluster, name: string, body: unknown): Promise<PipelineRun> {
  try {
    return (await c.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: c.namespace, name, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as PipelineRun;
  } catch (error) {
    throw apiErrorLine(error, `PipelineRun ${c.namespace}/${name}`);
  }
}

/** "3m", "2h5m", "4d": how long ago, as kubectl prints ages. */
export function age(from: string | Date | undefined, now = Date.now()): string {
  if (!from) return '-';
  const s = Math.max(0, Math.floor((now - new Date(from).getTime()) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

/** Columns padded to their widest cell, as kubectl prints tables. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : (cell ?? '').padEnd(widths[i] + 3))).join('').trimEnd()).join('\n');
}
