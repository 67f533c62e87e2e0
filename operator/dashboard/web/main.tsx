// The dashboard in the browser: three pages (runs, one run, runs compared) over the JSON API.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { DashboardConfig } from '../model.js';
import { api } from './api.js';
import { ComparePage } from './compare-page.js';
import { RunPage } from './run-page.js';
import { RunsPage } from './runs-page.js';
import { Link, useLocation } from './router.js';

function App() {
  const url = useLocation();
  const [config, setConfig] = useState<DashboardConfig>();
  const [error, setError] = useState<string>();
  useEffect(() => { performance.mark('bugforge:start'); api.config().then((c) => { performance.mark('bugforge:config'); setConfig(c); }, (e: Error) => setError(e.message)); }, []);
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let page;
  if (error) page = <p class="error">The dashboard's API did not answer: {error}</p>;
  else if (!config) page = <p class="loading">Loading…</p>;
  else if (parts[0] === 'runs' && parts.length === 3) page = <RunPage config={config} namespace={parts[1]} name={parts[2]} url={url} />;
  else if (parts[0] === 'compare') page = <ComparePage keys={url.searchParams.getAll('run')} />;
  else page = <RunsPage config={config} namespace={url.searchParams.get('namespace') ?? ''} />;
  return (
    <>
      <header class="top">
        <Link href="/" class="brand">bugforge</Link>
        <nav><Link href="/">Runs</Link></nav>
        {config && <span class="mode" title={config.actions ? 'retry, re-run and cancel are enabled' : 'actions are disabled'}>
          {config.mode === 'local' ? 'local store' : 'cluster'} · {config.actions ? 'actions enabled' : 'read-only'} · v{config.version}
        </span>}
      </header>
      <main>{page}</main>
    </>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the server's "Loading…" placeholder
render(<App />, root);
