// A stage's (or batch's) artifacts: manifest facts, files with sizes, small JSON/Markdown inline,
// downloads streamed by the server from the store.
import { useEffect, useState } from 'preact/hooks';
import type { ArtifactFile, ArtifactUnit } from '../model.js';
import { api } from './api.js';
import { bytes, counts, duration } from './format.js';

function Inline(props: { url: string; path: string }) {
  const [text, setText] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    fetch(props.url).then(async (res) => {
      if (!res.ok) throw new Error((await res.json().catch(() => ({})) as { error?: string }).error ?? res.statusText);
      const body = await res.text();
      if (props.path.endsWith('.json')) {
        try {
          return setText(JSON.stringify(JSON.parse(body), null, 2));
        } catch {
          // not JSON after all: show it as it is
        }
      }
      setText(body);
    }).catch((e: Error) => setError(e.message));
  }, [props.url]);
  if (error) return <p class="error">{error}</p>;
  return <pre class={`inline-file ${props.path.endsWith('.md') ? 'markdown' : 'json'}`}>{text ?? 'loading…'}</pre>;
}

function FileRow(props: { run: { namespace: string; name: string }; unit: ArtifactUnit; file: ArtifactFile }) {
  const [open, setOpen] = useState(false);
  const path = `${props.unit.dir}/${props.file.path}`;
  return (
    <>
      <tr data-file={path}>
        <td><code>{props.file.path}</code></td>
        <td class="num">{props.file.path === '_manifest.json' ? '' : bytes(props.file.size)}</td>
        <td class="num">{props.file.records?.toLocaleString('en') ?? ''}</td>
        <td>
          {props.file.inline && <button type="button" class="link" onClick={() => setOpen(!open)}>{open ? 'hide' : 'show'}</button>}{' '}
          <a href={api.fileUrl(props.run, path, true)} download>download</a>
        </td>
      </tr>
      {open && <tr class="inline-row"><td colSpan={4}><Inline url={api.fileUrl(props.run, path)} path={props.file.path} /></td></tr>}
    </>
  );
}

export function ArtifactsView(props: { run: { namespace: string; name: string }; units: ArtifactUnit[] }) {
  if (!props.units.length) return <p class="empty">Nothing published here.</p>;
  return (
    <div class="artifacts">
      {props.units.map((u) => (
        <div class="artifact-unit" key={u.dir} data-unit={u.dir}>
          <h4>{u.dir} {u.published ? <small>{u.headline} · {duration(u.durationMs)} · {counts(u.counts)}</small> : <small>not published (no manifest)</small>}</h4>
          {u.published && (
            <table class="files">
              <thead><tr><th>File</th><th class="num">Size</th><th class="num">Records</th><th></th></tr></thead>
              <tbody>{u.files.map((f) => <FileRow key={f.path} run={props.run} unit={u} file={f} />)}</tbody>
            </table>
          )}
        </div>
      ))}
    </div>
  );
}
