// The runs list: every run the dashboard can see (namespace filter), updated live.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { DashboardConfig, RunSummary } from '../model.js';
import { api, live, runPath } from './api.js';
import { age, between, duration, metric } from './format.js';
import { Link, navigate } from './router.js';
import { StateBadge } from './state.js';

const keyOf = (r: { namespace: string; name: string }) => `${r.namespace}/${r.name}`;

export function RunsPage(props: { config: DashboardConfig; namespace: string }) {
  const [runs, setRuns] = useState<Map<string, RunSummary>>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [, tick] = useState(0);
  const ns = props.namespace || undefined;

  useEffect(() => {
    let cancelled = false;
    setRuns(undefined);
    const pending: RunSummary[] = [];
    const deleted: string[] = [];
    let loaded = false;
    const apply = (map: Map<string, RunSummary>) => {
      for (const r of pending.splice(0)) map.set(keyOf(r), r);
      for (const k of deleted.splice(0)) map.delete(k);
      return new Map(map);
    };
    const stop = live(ns, (e) => {
      if (e.type === 'run') pending.push(e.run);
      else deleted.push(`${e.namespace}/${e.name}`);
      if (loaded) setRuns((m) => apply(m ?? new Map()));
    });
    api.runs(ns).then((list) => {
      if (cancelled) return;
      loaded = true;
      setRuns(apply(new Map(list.map((r) => [keyOf(r), r]))));
    }, (e: Error) => setError(e.message));
    const timer = setInterval(() => tick((n) => n + 1), 5000); // ages and running durations
    return () => { cancelled = true; stop(); clearInterval(timer); };
  }, [ns]);

  const rows = useMemo(() => [...(runs?.values() ?? [])].sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.name.localeCompare(b.name)), [runs]);
  useEffect(() => {
    if (runs) document.body.dataset.runsRendered = String(rows.length);
  }, [rows]);

  const toggle = (key: string) => setSelected((s) => { const n = new Set(s); if (n.has(key)) n.delete(key); else n.add(key); return n; });
  const namespaces = [...new Set([...props.config.namespaces, ...rows.map((r) => r.namespace)])].sort();

  return (
    <section class="runs">
      <div class="toolbar">
        <h1>Pipeline runs</h1>
        <label>Namespace{' '}
          <select name="namespace" value={props.namespace} onChange={(e) => navigate(e.currentTarget.value ? `/?namespace=${encodeURIComponent(e.currentTarget.value)}` : '/')}>
            <option value="">all namespaces</option>
            {namespaces.map((n) => <option value={n} key={n}>{n}</option>)}
          </select>
        </label>
        <button class="compare-button" disabled={selected.size < 2} onClick={() => navigate(`/compare?${[...selected].map((k) => `run=${encodeURIComponent(k)}`).join('&')}`)}>
          Compare {selected.size >= 2 ? `${selected.size} runs` : '(select two or more)'}
        </button>
        <span class="count">{runs ? `${rows.length} run${rows.length === 1 ? '' : 's'}` : ''}</span>
      </div>
      {error && <p class="error">{error}</p>}
      {!runs && !error && <p class="loading">Loading runs…</p>}
      {runs && !rows.length && <p class="empty">No runs yet. {props.config.mode === 'local' ? 'Start one with `bugforge run --local -f manifests/examples/quickstart.yaml`.' : 'Create one with `kubectl apply -f manifests/examples/quickstart.yaml`.'}</p>}
      {runs && rows.length > 0 && (
        <table class="runs-table">
          <thead><tr><th></th><th>Run</th><th>Namespace</th><th>Phase</th><th>Stage</th><th>Progress</th><th class="num">F1</th><th>Duration</th><th>Age</th></tr></thead>
          <tbody>
            {rows.map((r) => {
              const key = keyOf(r);
              return (
                <tr key={key} data-run={key} data-phase={r.phase}>
                  <td><input type="checkbox" aria-label={`select ${key}`} checked={selected.has(key)} onChange={() => toggle(key)} /></td>
                  <td><Link href={`/runs/${runPath(r)}`} class="run-link">{r.name}</Link>{r.message && <div class="sub" title={r.message}>{r.message}</div>}</td>
                  <td>{r.namespace}</td>
                  <td><StateBadge state={r.phase} /></td>
                  <td>{r.currentStage ?? ''}</td>
                  <td>{r.progress ?? ''}</td>
                  <td class="num">{metric(r.f1)}</td>
                  <td>{duration(between(r.startTime, r.completionTime))}</td>
                  <td title={r.created}>{age(r.created)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
