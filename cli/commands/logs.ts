// `bugforge logs <run> [--stage S] [-f]`: every stage Pod's log, in pipeline order, each line
// prefixed by its stage (and batch) and made human-readable with pino-pretty (stages log JSON lines
// in Kubernetes). -f follows the Pods as they start, until the run ends.
import { Writable } from 'node:stream';
import { CoreV1Api, Log, type V1Pod } from '@kubernetes/client-node';
import { prettyFactory } from 'pino-pretty';
import type { StageName } from '../../api/v1alpha1/spec.js';
import { STAGE_NAMES } from '../../api/v1alpha1/spec.js';
import { isTerminalPhase } from '../../api/v1alpha1/status.js';
import { LABELS, RUN_NAME_ANNOTATION, runLabel } from '../../operator/controller/names.js';
import { CONTAINER_NAME } from '../../operator/controller/job-spec.js';
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

/** A writable that prints each complete line with the Pod's prefix. */
function linePrinter(prefix: string, format: (line: string) => string): Writable {
  let rest = '';
  // A message may span lines (a stage's Markdown summary): each printed line carries the prefix.
  const print = (line: string) => process.stdout.write(format(line).split('\n').map((l) => `${prefix} ${l}\n`).join(''));
  return new Writable({
    write(chunk, _encoding, done) {
      const lines = (rest + String(chunk)).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) print(line);
      done();
    },
    final(done) {
      if (rest) print(rest);
      done();
    },
  });
}

export async function logsCommand(name: string, opts: LogsOptions): Promise<void> {
  const c = cluster(opts);
  await getRun(c, name); // a clear "not found" first
  const format = lineFormatter();
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
      const printer = linePrinter(prefix, format);
      printer.end(text);
      await new Promise((r) => printer.once('finish', r));
    }
    return;
  }
  // Follow: start on each Pod once it runs; stop when the run has ended and every stream has.
  const log = new Log(c.kc);
  const following = new Map<string, Promise<void>>();
  for (;;) {
    for (const pod of await podsOf(c, name, opts.stage)) {
      const podName = pod.metadata!.name!;
      if (following.has(podName) || pod.status?.phase === 'Pending') continue;
      const printer = linePrinter(`[${labelOf(pod)}]`, format);
      const done = new Promise<void>((resolve) => { printer.once('finish', resolve); printer.once('error', () => resolve()); });
      following.set(podName, done);
      await log.log(c.namespace, podName, CONTAINER_NAME, printer, { follow: true }).catch((error: unknown) => {
        process.stderr.write(`[${labelOf(pod)}] could not follow ${podName}: ${(error as Error).message}\n`);
        printer.end();
      });
    }
    const run = await getRun(c, name);
    if (isTerminalPhase(run.status?.phase)) {
      await Promise.all(following.values());
      const last = await podsOf(c, name, opts.stage);
      if (last.every((p) => following.has(p.metadata!.name!) || p.status?.phase === 'Pending')) {
        console.log(`-- PipelineRun ${c.namespace}/${name} ended ${run.status?.phase}`);
        return;
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
