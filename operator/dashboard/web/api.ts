// The dashboard's JSON API, from the browser.
import type { ArtifactsView, CompareView, DashboardConfig, LiveEvent, RunDetail, RunSummary } from '../model.js';

export const runPath = (r: { namespace: string; name: string }) => `${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}`;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new Error((body as { error?: string }).error ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export const api = {
  config: () => getJson<DashboardConfig>('/api/config'),
  runs: (namespace?: string) => getJson<RunSummary[]>(`/api/runs${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`),
  run: (r: { namespace: string; name: string }) => getJson<RunDetail>(`/api/runs/${runPath(r)}`),
  artifacts: (r: { namespace: string; name: string }) => getJson<ArtifactsView>(`/api/runs/${runPath(r)}/artifacts`),
  compare: (keys: string[]) => getJson<CompareView>(`/api/compare?${keys.map((k) => `run=${encodeURIComponent(k)}`).join('&')}`),
  fileUrl: (r: { namespace: string; name: string }, path: string, download = false) =>
    `/api/runs/${runPath(r)}/files/${path.split('/').map(encodeURIComponent).join('/')}${download ? '?download=1' : ''}`,
  logUrl: (r: { namespace: string; name: string }, stage: string, unit?: string, follow = false) =>
    `/api/runs/${runPath(r)}/log/${encodeURIComponent(stage)}${unit ? `/${encodeURIComponent(unit)}` : ''}${follow ? '?follow=1' : ''}`,
  async act(r: { namespace: string; name: string }, action: 'cancel' | 'retry' | 'rerun', stage?: string): Promise<string> {
    const token = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
    const res = await fetch(`/api/runs/${runPath(r)}/actions/${action}`, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify(stage ? { stage } : {}),
    });
    const body = await res.json().catch(() => ({})) as { error?: string; message?: string };
    if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
    return body.message ?? 'done';
  },
};

/** Live run changes (server-sent events); returns the unsubscribe. */
export function live(namespace: string | undefined, onEvent: (e: LiveEvent) => void): () => void {
  const source = new EventSource(`/api/events${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`);
  source.onmessage = (m) => {
    try {
      onEvent(JSON.parse(m.data) as LiveEvent);
    } catch {
      // a malformed event: ignore it
    }
  };
  return () => source.close();
}

/** Streams a text response line by line (a log that grows while its stage runs). */
export async function streamText(url: string, onText: (text: string) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { signal });
  if (!res.ok) {
    const body = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` })) as { error?: string };
    throw new Error(body.error ?? res.statusText);
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onText(value);
  }
}
