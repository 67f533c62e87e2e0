// `bugforge logs <run> [--stage S] [-f]`: every stage Pod's log, in pipeline order, each line
// prefixed by its stage (and batch) and made human-readable with pino-pretty (stages log JSON lines
// in Kubernetes). -f follows the Pods as they start, until the run ends.
import { CoreV1Api, Log, type V1Pod } from '@kubernetes/client-node';
import { prettyFactory } from 'pino-pretty';
import type { StageName } from '../../api/v1alpha1/names.js';
import { STAGE_NAMES } from '../../api/v1alpha1/names.js';
import { isTerminalPhase } from '../../api/v1alpha1/status.js';
import { LABELS, RUN_NAME_ANNOTATION, runLabel } from '../../operator/controller/names.js';
import { CONTAINER_NAME } from '../../operator/controller/job-spec.js';
import { followRunLogs, type LogSource } from './logs-follow.js';
import { cluster, getRun, type Cluster, type ClusterOptions } from './cluster-client.js';

export interface LogsOptions extends ClusterOptions { stage?: StageName; follow?: boolean }

const POLL_MS = 2000;

/** A function from one raw log line to what to print: JSON lines through pino-pretty, the rest as they are. */
export function lineFormatter(colorize = Boolean(process.stdout.isTTY)): (line: string) => string {
  const pretty = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name,progress', singleLine: true });
  return (line) => {
    if (!line.startsWith('{')) return line;
    try {
      return pretty(JSON.parse(line) as object).trimEnd();
    } catch {
      return line;
    }
  };
}

const labelOf = (pod: V1Pod) => {
  const stage = pod.metadata?.labels?.[LABELS.stage] ?? '?';
  const batch = pod.metadata?.labels?.[LABELS.batch];
  return batch === undefined ? stage : `${stage}/${batch}`;
};

function orderPods(pods: V1Pod[]): V1Pod[] {
  const rank = (p: V1Pod) => STAGE_NAMES.indexOf(p.metadata?.labels?.[LABELS.stage] as StageName);
  const batch = (p: V1Pod) => Number(p.metadata?.labels?.[LABELS.batch] ?? -1);
  const created = (p: V1Pod) => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return [...pods].sort((a, b) => rank(a) - rank(b) || batch(a) - batch(b) || created(a) - created(b));
}

async function podsOf(c: Cluster, run: string, stage?: StageName): Promise<V1Pod[]> {
  const selector = [`${LABELS.run}=${runLabel(run)}`, ...(stage ? [`${LABELS.stage}=${stage}`] : [])].join(',');
  const list = await c.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: c.namespace, labelSelector: selector });
  return orderPods(list.items.filter((p) => p.metadata?.annotations?.[RUN_NAME_ANNOTATION] === run));
}

export async function logsCommand(name: string, opts: LogsOptions): Promise<void> {
  const c = cluster(opts);
  await getRun(c, name); // a clear "not found" first
  const format = lineFormatter();
  // A message may span lines (a stage's Markdown summary): each printed line carries the prefix.
  const print = (prefix: string, line: string) =>
    process.stdout.write(format(line).split('\n').map((l) => `${prefix} ${l}\n`).join(''));
  const core = c.kc.makeApiClient(CoreV1Api);
  if (!opts.follow) {
    const pods = await podsOf(c, name, opts.stage);
    if (!pods.length) console.log(`no stage Pods of PipelineRun ${c.namespace}/${name}${opts.stage ? ` for stage ${opts.stage}` : ''} (yet)`);
    for (const pod of pods) {
      const prefix = `[${labelOf(pod)}]`;
      if (pod.status?.phase === 'Pending') {
        console.log(`${prefix} (Pod ${pod.metadata?.name} is Pending)`);
        continue;
      }
      const text = await core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: c.namespace, container: CONTAINER_NAME });
      for (const line of text.split('\n')) if (line) print(prefix, line);
    }
    return;
  }
  // Follow: start on each Pod once it runs; stop when the run has ended and every stream has.
  const log = new Log(c.kc);
  const source: LogSource = {
    pods: async () => (await podsOf(c, name, opts.stage)).map((pod) => ({
      name: pod.metadata!.name!, prefix: `[${labelOf(pod)}]`, pending: pod.status?.phase === 'Pending',
    })),
    endedPhase: async () => {
      const phase = (await getRun(c, name)).status?.phase;
      return isTerminalPhase(phase) ? phase : undefined;
    },
    follow: (pod, into) => log.log(c.namespace, pod, CONTAINER_NAME, into, { follow: true }),
    read: (pod) => core.readNamespacedPodLog({ name: pod, namespace: c.namespace, container: CONTAINER_NAME }),
  };
  const phase = await followRunLogs(source, print, { pollMs: POLL_MS });
  console.log(`-- PipelineRun ${c.namespace}/${name} ended ${phase}`);
}
