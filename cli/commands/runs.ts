// `bugforge list`, `describe`, `retry`, `cancel` (also `kubectl bugforge …`): a PipelineRun as the
// operator reports it, and the two actions on it. retry and cancel set exactly the fields of the
// contract (README "Retry" / "Cancel"): the annotations bugforge.dev/retry[-from-stage] and spec.status.
import { CoreV1Api } from '@kubernetes/client-node';
import { CONDITION_SUCCEEDED, RETRY_ANNOTATION } from '../../api/v1alpha1/reasons.js';
import { cancelPatch, retryPatch } from '../../api/v1alpha1/actions.js';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import { STAGE_NAMES, type StageName } from '../../api/v1alpha1/names.js';
import { stageDir } from '../../core/stage/layout.js';
import { age, cluster, getRun, listRuns, patchRun, table, type ClusterOptions } from './cluster-client.js';

const reasonOf = (run: PipelineRun) => run.status?.conditions?.find((c) => c.type === CONDITION_SUCCEEDED)?.reason ?? '';
const f1Of = (run: PipelineRun) => (run.status?.results?.f1 === undefined ? '-' : run.status.results.f1.toFixed(3));
/** The finished run's duration, or how long it has been running. */
const durationOf = (run: PipelineRun, now = Date.now()) => run.status?.duration ?? (run.status?.startTime ? `${age(run.status.retry?.startTime ?? run.status.startTime, now)} (running)` : '-');

export async function listCommand(opts: ClusterOptions): Promise<void> {
  const c = cluster(opts);
  const runs = await listRuns(c, opts.allNamespaces);
  if (!runs.length) {
    console.log(`No PipelineRuns in ${opts.allNamespaces ? 'any namespace' : `namespace ${c.namespace}`}.`);
    return;
  }
  const rows = [[...(opts.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'PHASE', 'STAGE', 'PROGRESS', 'F1', 'REASON', 'DURATION', 'AGE']];
  for (const run of runs.sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))) {
    rows.push([
      ...(opts.allNamespaces ? [run.metadata.namespace ?? ''] : []),
      run.metadata.name, run.status?.phase ?? 'Pending', run.status?.currentStage ?? '-', run.status?.progress ?? '-',
      f1Of(run), reasonOf(run) || '-', durationOf(run), age(run.metadata.creationTimestamp),
    ]);
  }
  console.log(table(rows));
}

export async function describeCommand(name: string, opts: ClusterOptions): Promise<void> {
  const c = cluster(opts);
  const run = await getRun(c, name);
  const s = run.status ?? {};
  const out: string[] = [];
  const line = (label: string, value: unknown) => out.push(`${`${label}:`.padEnd(14)}${value ?? '-'}`);
  line('Name', `${run.metadata.namespace}/${run.metadata.name}`);
  line('Phase', `${s.phase ?? 'Pending'}${reasonOf(run) && reasonOf(run) !== s.phase ? ` (${reasonOf(run)})` : ''}`);
  line('Attempt', `${s.attempt ?? 1}${s.retry ? ` — retried from ${s.retry.fromStage} at ${s.retry.startTime} (${RETRY_ANNOTATION}=${s.retry.value})` : ''}`);
  line('Started', s.startTime);
  line('Duration', durationOf(run));
  if (run.spec.status) line('Spec status', run.spec.status);
  line('Cache', run.spec.cache === false ? 'off (spec.cache: false)' : 'on');
  line('Artifacts', s.artifacts);
  if (s.results) line('Results', Object.entries(s.results).filter(([k]) => k !== 'report').map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(3) : v}`).join(', '));
  if (s.results?.report) line('Report', s.results.report);

  out.push('', 'Stages:');
  const rows = [['  STAGE', 'PHASE', 'JOBS', 'STARTED', 'DURATION', 'MESSAGE']];
  for (const stage of s.stages ?? []) {
    const took = stage.startTime && stage.completionTime ? `${Math.round((Date.parse(stage.completionTime) - Date.parse(stage.startTime)) / 1000)}s` : '-';
    const jobs = stage.jobs?.length ? (stage.jobs.length > 2 ? `${stage.jobs.length} (${stage.jobs[0]} …)` : stage.jobs.join(', ')) : '-';
    rows.push([`  ${stage.name}`, stage.phase, jobs, stage.startTime ?? '-', took, (stage.message ?? '').slice(0, 160)]);
  }
  out.push(table(rows));
  const generate = s.stages?.find((x) => x.name === 'generate');
  if (generate?.jobs && generate.jobs.length > 1) out.push('', `Batches: ${generate.jobs.join(', ')}`);
  if (s.artifacts) {
    out.push('', 'Artifact locations:');
    for (const stage of s.stages ?? []) {
      if (stage.phase === 'Succeeded') out.push(`  ${stage.name.padEnd(9)} ${s.artifacts}/${stageDir(stage.name as StageName)}/${stage.cachedFrom ? `   (cached from run ${stage.cachedFrom})` : ''}`);
    }
  }
  out.push('', 'Conditions:');
  out.push(table([['  TYPE', 'STATUS', 'REASON', 'SINCE', 'MESSAGE'], ...(s.conditions ?? []).map((x) => [`  ${x.type}`, x.status, x.reason, x.lastTransitionTime, x.message.slice(0, 200)])]));

  const events = await c.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: c.namespace, fieldSelector: `involvedObject.kind=PipelineRun,involvedObject.name=${name}` });
  out.push('', 'Events:');
  const sorted = events.items
    .filter((e) => !run.metadata.uid || e.involvedObject.uid === run.metadata.uid)
    .sort((a, b) => String(a.lastTimestamp ?? a.eventTime ?? '').localeCompare(String(b.lastTimestamp ?? b.eventTime ?? '')));
  if (!sorted.length) out.push('  <none>');
  else out.push(table([['  TYPE', 'REASON', 'AGE', 'MESSAGE'], ...sorted.map((e) => [`  ${e.type ?? ''}`, e.reason ?? '', age(e.lastTimestamp ?? e.eventTime), (e.message ?? '').slice(0, 200)])]));
  console.log(out.join('\n'));
}

export async function retryCommand(name: string, opts: ClusterOptions & { fromStage?: StageName }): Promise<void> {
  const c = cluster(opts);
  const run = await getRun(c, name);
  const phase = run.status?.phase;
  if (phase !== 'Failed' && phase !== 'Cancelled' && !(phase === 'Succeeded' && opts.fromStage)) {
    throw new Error(`PipelineRun ${c.namespace}/${name} is ${phase ?? 'Pending'}: retry re-runs a Failed or Cancelled run${phase === 'Succeeded' ? ' (or a Succeeded one with --from-stage)' : '; cancel it first'}`);
  }
  const now = new Date();
  await patchRun(c, name, retryPatch(run, opts.fromStage, now));
  const value = now.toISOString();
  console.log(`pipelinerun.bugforge.dev/${name} retry requested (${RETRY_ANNOTATION}=${value}${opts.fromStage ? `, from stage ${opts.fromStage}` : ', from its failed stage'})`);
}

export async function cancelCommand(name: string, opts: ClusterOptions): Promise<void> {
  const c = cluster(opts);
  const run = await getRun(c, name);
  if (run.status?.phase === 'Succeeded' || run.status?.phase === 'Failed' || run.status?.phase === 'Cancelled') {
    console.log(`pipelinerun.bugforge.dev/${name} is already ${run.status.phase}: nothing to cancel`);
    return;
  }
  await patchRun(c, name, cancelPatch());
  console.log(`pipelinerun.bugforge.dev/${name} cancel requested (spec.status: Cancelled); its Jobs are being stopped`);
}

export const stageChoices = [...STAGE_NAMES];
