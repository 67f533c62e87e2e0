// One stage's or batch's log: fetched whole when the node is done, followed while it runs.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, streamText } from './api.js';

const MAX_CHARS = 2_000_000;

export function LogView(props: { run: { namespace: string; name: string }; stage: string; unit?: string; running: boolean }) {
  const [text, setText] = useState('');
  const [state, setState] = useState<'loading' | 'streaming' | 'done' | 'error'>('loading');
  const [error, setError] = useState<string>();
  const pre = useRef<HTMLPreElement>(null);
  const follow = useRef(true);

  useEffect(() => {
    const abort = new AbortController();
    let buffer = '';
    setText('');
    setError(undefined);
    setState(props.running ? 'streaming' : 'loading');
    let frame = 0;
    const flush = () => { frame = 0; setText(buffer.length > MAX_CHARS ? `[… earlier lines not shown …]\n${buffer.slice(-MAX_CHARS)}` : buffer); };
    streamText(api.logUrl(props.run, props.stage, props.unit, props.running), (chunk) => {
      buffer += chunk;
      if (!frame) frame = requestAnimationFrame(flush);
    }, abort.signal).then(() => { flush(); setState('done'); }, (e: Error) => {
      if (abort.signal.aborted) return;
      setError(e.message);
      setState('error');
    });
    return () => { abort.abort(); if (frame) cancelAnimationFrame(frame); };
  }, [props.run.namespace, props.run.name, props.stage, props.unit, props.running]);

  useEffect(() => {
    const el = pre.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <div class="log">
      <div class="log-status" data-log-state={state}>
        {state === 'streaming' && 'following the log while the stage runs…'}
        {state === 'done' && `${text.split('\n').length - 1} lines`}
        {state === 'loading' && 'loading the log…'}
        {state === 'error' && <span class="error">{error}</span>}
      </div>
      <pre class="log-text" ref={pre} onScroll={(e) => {
        const el = e.currentTarget;
        follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
      }}>{text}</pre>
    </div>
  );
}
