// The runs list: every run the dashboard can see (namespace filter), updated live.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { DashboardConfig, RunSummary } from '../model.js';
import { api, live, runPath } from './api.js';
import { age, between, duration, metric } from './format.js';
import { Link, navigate } from './router.js';
import { StateBadge } from './state.js';

const keyOf = (r: { namespace: string; name: string }) => `${r.namespace}/${r.name}`;

/** Rows are this tall (CSS .runs-table td): the list renders only the rows in view (and a margin). */
const ROW_PX = 36;
const OVERSCAN = 20;

/** The slice of `count` rows that the window shows, for a table starting at `table`. */
function useWindow(table: { current: HTMLElement | null }, count: number): [number, number] {
  const compute = (): [number, number] => {
    const top = table.current ? table.current.getBoundingClientRect().top + scrollY : 0;
    const first = Math.max(0, Math.floor((scrollY - top) / ROW_PX) - OVERSCAN);
    return [first, Math.min(count, first + Math.ceil(innerHeight / ROW_PX) + 2 * OVERSCAN)];
  };
  const [range, setRange] = useState<[number, number]>(() => [0, Math.ceil(innerHeight / ROW_PX) + 2 * OVERSCAN]);
  useEffect(() => {
    let frame = 0;
    const on = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        const next = compute();
        setRange((r) => (r[0] === next[0] && r[1] === next[1] ? r : next));
      });
    };
    on();
    addEventListener('scroll', on, { passive: true });
    addEventListener('resize', on);
    return () => { removeEventListener('scroll', on); removeEventListener('resize', on); cancelAnimationFrame(frame); };
  }, [count]);
  return [Math.min(range[0], count), Math.min(range[1], count)];
}

export function RunsPage(props: { config: DashboardConfig; namespace: string }) {
  const [runs, setRuns] = useState<Map<string, RunSummary>>();
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [, tick] = useState(0);
  const [filter, setFilter] = useState('');
  const table = useRef<HTMLTableElement>(null);
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
      performance.mark('bugforge:runs-fetched');
      loaded = true;
      setRuns(apply(new Map(list.map((r) => [keyOf(r), r]))));
    }, (e: Error) => setError(e.message));
    const timer = setInterval(() => tick((n) => n + 1), 5000); // ages and running durations
    return () => { cancelled = true; stop(); clearInterval(timer); };
  }, [ns]);

  const rows = useMemo(() => [...(runs?.values() ?? [])]
    .filter((r) => !filter || r.name.includes(filter) || r.phase.toLowerCase() === filter.toLowerCase())
    .sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.name.localeCompare(b.name)), [runs, filter]);
  const [first, last] = useWindow(table, rows.length);
  useEffect(() => {
    if (!runs) return;
    performance.mark('bugforge:runs-rendered');
    document.body.dataset.runsRendered = String(rows.length);
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
        <input type="search" class="filter" placeholder="filter: name or phase" aria-label="filter runs" value={filter} onInput={(e) => setFilter(e.currentTarget.value.trim())} />
        <span class="count">{runs ? `${rows.length} run${rows.length === 1 ? '' : 's'}${filter ? ` of ${runs.size}` : ''}` : ''}</span>
      </div>
      {error && <p class="error">{error}</p>}
      {!runs && !error && <p class="loading">Loading runs…</p>}
      {runs && !rows.length && <p class="empty">No runs yet. {props.config.mode === 'local' ? 'Start one with `bugforge run --local -f manifests/examples/quickstart.yaml`.' : 'Create one with `kubectl apply -f manifests/examples/quickstart.yaml`.'}</p>}
      {runs && rows.length > 0 && (
        <table class="runs-table" ref={table}>
          <colgroup><col class="c-select" /><col class="c-run" /><col class="c-ns" /><col class="c-phase" /><col class="c-stage" /><col class="c-progress" /><col class="c-f1" /><col class="c-duration" /><col class="c-age" /></colgroup>
          <thead><tr><th></th><th>Run</th><th>Namespace</th><th>Phase</th><th>Stage</th><th>Progress</th><th class="num">F1</th><th>Duration</th><th>Age</th></tr></thead>
          <tbody>
            {first > 0 && <tr class="spacer" aria-hidden="true" style={`height:${first * ROW_PX}px`}><td colSpan={9} /></tr>}
            {rows.slice(first, last).map((r) => {
              const key = keyOf(r);
              return (
                <tr key={key} data-run={key} data-phase={r.phase}>
                  <td><input type="checkbox" aria-label={`select ${key}`} checked={selected.has(key)} onChange={() => toggle(key)} /></td>
                  <td title={r.message}><Link href={`/runs/${runPath(r)}`} class="run-link">{r.name}</Link>{r.message && <span class="sub"> — {r.message}</span>}</td>
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
            {last < rows.length && <tr class="spacer" aria-hidden="true" style={`height:${(rows.length - last) * ROW_PX}px`}><td colSpan={9} /></tr>}
          </tbody>
        </table>
      )}
    </section>
  );
}
