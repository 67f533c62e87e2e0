// One run: header, actions (when enabled), the stage graph, the chosen node's log and
// artifacts, conditions and Events in words, evaluate's report, the spec.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ArtifactsView as Artifacts, DashboardConfig, GraphNode, RunDetail } from '../model.js';
import { api, live } from './api.js';
import { ArtifactsView } from './artifacts-view.js';
import { between, clock, duration, metric } from './format.js';
import { StageGraph } from './graph-view.js';
import { LogView } from './log-view.js';
import { Link, navigate } from './router.js';
import { StateBadge } from './state.js';

function findNode(detail: RunDetail, id: string | undefined): GraphNode | undefined {
  for (const s of detail.stages) {
    if (s.node.id === id) return s.node;
    const u = s.units?.find((n) => n.id === id);
    if (u) return u;
  }
  return undefined;
}

/** The node to show first: the failed one, else the running one, else the last that ran. */
function defaultNode(detail: RunDetail): string | undefined {
  const all = detail.stages.flatMap((s) => [s.node, ...(s.units ?? [])]);
  return (all.find((n) => n.state === 'Failed' && n.hasLog) ?? all.find((n) => n.state === 'Running' && n.unit === undefined)
    ?? [...all].reverse().find((n) => n.hasLog && n.unit === undefined) ?? all[0])?.id;
}

function Actions(props: { config: DashboardConfig; detail: RunDetail; onDone(message: string): void }) {
  const { detail } = props;
  const [busy, setBusy] = useState(false);
  const [chosen, setFrom] = useState('');
  // The stages offered change with the run's phase (none while it runs): default to the first.
  const from = detail.actions.rerunFrom.includes(chosen) ? chosen : detail.actions.rerunFrom[0] ?? '';
  const [error, setError] = useState<string>();
  if (!props.config.actions) return <p class="read-only" data-read-only="true">Read-only dashboard: retry, re-run and cancel are disabled.</p>;
  if (!detail.actions.enabled) return <p class="read-only">{detail.actions.why ?? 'No action applies to this run now.'}</p>;
  const run = async (action: 'cancel' | 'retry' | 'rerun', stage?: string) => {
    if (action === 'cancel' && !confirm(`Cancel ${detail.summary.name}? Its running Jobs are stopped.`)) return;
    setBusy(true);
    setError(undefined);
    try {
      props.onDone(await api.act(detail.summary, action, stage));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="actions">
      {detail.actions.cancel && <button type="button" class="danger" disabled={busy} onClick={() => run('cancel')}>Cancel run</button>}
      {detail.actions.retry && <button type="button" disabled={busy} onClick={() => run('retry')}>Retry from the failed stage</button>}
      {detail.actions.rerunFrom.length > 0 && (
        <span class="rerun">
          <select aria-label="stage to re-run from" value={from} onChange={(e) => setFrom(e.currentTarget.value)}>
            {detail.actions.rerunFrom.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
          <button type="button" disabled={busy || !from} onClick={() => run('rerun', from)}>Re-run from this stage</button>
        </span>
      )}
      {error && <span class="error">{error}</span>}
    </div>
  );
}

export function RunPage(props: { config: DashboardConfig; namespace: string; name: string; url: URL }) {
  const ref = { namespace: props.namespace, name: props.name };
  const [detail, setDetail] = useState<RunDetail>();
  const [artifacts, setArtifacts] = useState<Artifacts>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [now, setNow] = useState(Date.now());
  const tab = props.url.searchParams.get('tab') ?? 'log';
  const chosen = props.url.searchParams.get('node') ?? undefined;
  const states = useRef('');

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const load = () => api.run(ref).then((d) => { if (!stopped) { setDetail(d); setError(undefined); } }, (e: Error) => !stopped && setError(e.message));
    load();
    const stop = live(props.namespace, (e) => {
      if ((e.type === 'run' ? e.run.name : e.name) !== props.name) return;
      clearTimeout(timer);
      timer = setTimeout(load, 50) as unknown as number;
    });
    const clock = setInterval(() => setNow(Date.now()), 1000);
    return () => { stopped = true; stop(); clearInterval(clock); clearTimeout(timer); };
  }, [props.namespace, props.name]);

  // Artifacts: again whenever a node's state changes (a stage published).
  useEffect(() => {
    if (!detail) return;
    const signature = detail.stages.map((s) => `${s.node.state}:${(s.units ?? []).map((u) => u.state).join(',')}`).join('|');
    if (signature === states.current) return;
    states.current = signature;
    api.artifacts(ref).then(setArtifacts, (e: Error) => setArtifacts({ units: [], error: e.message }));
  }, [detail]);

  if (error && !detail) return <p class="error">{error} <Link href="/">back to the runs</Link></p>;
  if (!detail) return <p class="loading">Loading {props.name}…</p>;
  const s = detail.summary;
  const selectedId = chosen ?? defaultNode(detail);
  const node = findNode(detail, selectedId);
  const select = (id: string, nextTab = tab) => navigate(`${props.url.pathname}?node=${encodeURIComponent(id)}&tab=${nextTab}`);
  const nodeArtifacts = artifacts?.units.filter((u) => node && u.stage === node.stage && (node.unit ? u.unit === node.unit : true)) ?? [];
  const done = detail.stages.find((st) => st.stage === 'evaluate')?.node.state === 'Succeeded';

  return (
    <section class="run" data-run={`${s.namespace}/${s.name}`} data-phase={s.phase}>
      <div class="run-header">
        <h1>{s.name} <StateBadge state={s.phase} /></h1>
        <dl class="facts">
          <div><dt>Namespace</dt><dd>{s.namespace}</dd></div>
          <div><dt>Stage</dt><dd>{s.currentStage ?? '—'}</dd></div>
          <div><dt>Progress</dt><dd>{s.progress ?? '—'}</dd></div>
          <div><dt>Duration</dt><dd>{duration(between(s.startTime, s.completionTime, now)) || '—'}</dd></div>
          <div><dt>F1</dt><dd>{metric(s.f1)}</dd></div>
          {detail.artifacts && <div><dt>Artifacts</dt><dd><code>{detail.artifacts}</code></dd></div>}
        </dl>
        {s.message && <p class={`run-message${s.phase === 'Failed' ? ' error' : ''}`}>{s.message}</p>}
        <Actions config={props.config} detail={detail} onDone={setNotice} />
        {notice && <p class="notice">{notice}</p>}
      </div>

      <StageGraph stages={detail.stages} selected={node?.id} onSelect={(id) => select(id)} now={now} />

      {node && (
        <div class="node-detail" data-selected={node.id}>
          <div class="tabs" role="tablist">
            <h3>{node.unit ? `${node.stage} ${node.unit}` : node.stage} <StateBadge state={node.state} /></h3>
            <button type="button" role="tab" aria-selected={tab === 'log'} onClick={() => select(node.id, 'log')}>Log</button>
            <button type="button" role="tab" aria-selected={tab === 'artifacts'} onClick={() => select(node.id, 'artifacts')}>Artifacts</button>
          </div>
          {node.message && <p class={node.state === 'Failed' ? 'error' : 'sub'}>{node.message}</p>}
          {tab === 'log' && (node.hasLog
            ? <LogView run={ref} stage={node.stage} unit={node.unit} running={node.state === 'Running'} />
            : <p class="empty">{node.state === 'Skipped' ? `Skipped: ${node.message ?? ''}` : node.unit === undefined && detail.stages.find((st) => st.stage === node.stage)?.units ? 'This stage runs as batches: choose a batch for its log.' : 'No log yet: the stage has not started.'}</p>)}
          {tab === 'artifacts' && (artifacts?.error ? <p class="error">{artifacts.error}</p> : <ArtifactsView run={ref} units={nodeArtifacts} />)}
        </div>
      )}

      <div class="two-columns">
        <div>
          <h2>Conditions</h2>
          {detail.conditions.length ? (
            <table class="conditions">
              <thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr></thead>
              <tbody>{detail.conditions.map((c) => <tr key={c.type}><td>{c.type}</td><td>{c.status}</td><td>{c.reason}</td><td>{c.message}</td><td title={c.lastTransitionTime}>{clock(c.lastTransitionTime)}</td></tr>)}</tbody>
            </table>
          ) : <p class="empty">{props.config.mode === 'local' ? 'Local runs have no conditions: the graph says where each stage stands.' : 'No conditions yet.'}</p>}
        </div>
        <div>
          <h2>Events</h2>
          {detail.events.length ? (
            <div class="scroll"><table class="events">
              <thead><tr><th>When</th><th>Type</th><th>Reason</th><th>Object</th><th>Message</th></tr></thead>
              <tbody>{detail.events.map((e, i) => <tr key={i} class={e.type === 'Warning' ? 'warning' : ''}><td title={e.time}>{clock(e.time)}</td><td>{e.type}</td><td>{e.reason}</td><td>{e.object}</td><td>{e.message}{e.count && e.count > 1 ? ` (×${e.count})` : ''}</td></tr>)}</tbody>
            </table></div>
          ) : <p class="empty">{props.config.mode === 'local' ? 'Local runs record no Events.' : 'No Events.'}</p>}
        </div>
      </div>

      {done && artifacts?.report && (
        <div class="report">
          <h2>Evaluation report</h2>
          <iframe title="evaluation report" sandbox="" src={api.fileUrl(ref, artifacts.report)} />
        </div>
      )}

      <details class="spec">
        <summary>Spec</summary>
        <pre>{JSON.stringify(detail.spec, null, 2)}</pre>
      </details>
    </section>
  );
}
