/**
 * A local OpenAI-compatible chat-completions server for tests and benches (real HTTP, no fake
 * client). Each request to POST /v1/chat/completions gets a behaviour from `script(request)`
 * (or the default: a valid JSON answer that injects a small bug into the prompt's function).
 *
 *   const llm = await startOpenAIServer({ latencyMs: 50, script: (req) => req.n === 1 ? { kind: 'error', status: 429, retryAfter: '2' } : undefined });
 *   new OpenAI({ baseURL: llm.baseURL, apiKey: 'k' });   // llm.requests lists what it saw
 *   await llm.close();
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  /** 1-based order of arrival. */
  n: number;
  headers: IncomingHttpHeaders;
  body: { model?: string; messages?: { role: string; content: string }[]; response_format?: unknown; [k: string]: unknown };
}

export type Behaviour =
  /** 200 with this message content (and usage). */
  | { kind: 'answer'; content: string; usage?: { prompt_tokens: number; completion_tokens: number }; delayMs?: number }
  /** An HTTP error with an OpenAI-style error body. */
  | { kind: 'error'; status: number; retryAfter?: string; message?: string; delayMs?: number }
  /** Accepts the request and never answers (the client has to time out). */
  | { kind: 'hang' }
  /** A raw body (e.g. malformed JSON) with this status. */
  | { kind: 'raw'; status?: number; body: string; delayMs?: number };

export interface OpenAIServerOptions {
  /** Added before every answer (the model's latency). */
  latencyMs?: number;
  /** Behaviour per request; undefined → the default answer. */
  script?: (request: ChatRequest) => Behaviour | undefined;
  /** Answer 400 to any request with response_format (a server without JSON mode). */
  rejectJsonMode?: boolean;
  /** Address to listen on (default 127.0.0.1; the real-node tests use the node's bridge IP, behind a Service). */
  host?: string;
}

export interface OpenAIServer {
  /** e.g. http://127.0.0.1:43211/v1 */
  baseURL: string;
  requests: ChatRequest[];
  /** Requests that reached the handler (including hung ones). */
  readonly count: number;
  close(): Promise<void>;
}

/** The function in the prompt's fenced code block (what bugforge sends). */
export function promptFunction(request: ChatRequest): string {
  const user = request.body.messages?.filter((m) => m.role === 'user').pop()?.content ?? '';
  return /```[a-z]*\n([\s\S]*?)\n```/.exec(user)?.[1] ?? '';
}

/** A deterministic "bug": the first `<` becomes `<=` (else `==` → `!=`, else `+` → `-`). */
export function injectSmallBug(func: string): string {
  if (/ < /.test(func)) return func.replace(/ < /, ' <= ');
  if (/ == /.test(func)) return func.replace(/ == /, ' != ');
  return func.replace(/ \+ /, ' - ');
}

export function defaultAnswer(request: ChatRequest): Behaviour {
  const func = injectSmallBug(promptFunction(request));
  const content = JSON.stringify({ function: func, bug_type: 'off-by-one', explanation: 'loop bound made inclusive' });
  return { kind: 'answer', content, usage: { prompt_tokens: Math.ceil(JSON.stringify(request.body.messages ?? []).length / 4), completion_tokens: Math.ceil(content.length / 4) } };
}

export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const requests: ChatRequest[] = [];
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    let body: ChatRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'request body is not JSON' } }));
      return;
    }
    const request: ChatRequest = { n: requests.length + 1, headers: req.headers, body };
    requests.push(request);
    if (options.rejectJsonMode && body.response_format) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'response_format is not supported', type: 'invalid_request_error' } }));
      return;
    }
    const behaviour = options.script?.(request) ?? defaultAnswer(request);
    if (behaviour.kind === 'hang') return; // close() destroys the socket
    await wait((options.latencyMs ?? 0) + (behaviour.delayMs ?? 0));
    if (res.destroyed || !res.socket || res.socket.destroyed) return; // the client gave up (timeout)
    if (behaviour.kind === 'raw') {
      res.writeHead(behaviour.status ?? 200, { 'content-type': 'application/json' }).end(behaviour.body);
    } else if (behaviour.kind === 'error') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (behaviour.retryAfter !== undefined) headers['retry-after'] = behaviour.retryAfter;
      res.writeHead(behaviour.status, headers).end(JSON.stringify({ error: { message: behaviour.message ?? `scripted ${behaviour.status}`, type: 'server_error' } }));
    } else {
      const usage = behaviour.usage ?? { prompt_tokens: 10, completion_tokens: 10 };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id: `chatcmpl-${request.n}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: body.model ?? 'test-model',
        choices: [{ index: 0, message: { role: 'assistant', content: behaviour.content }, finish_reason: 'stop' }],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      }));
    }
  });
  server.keepAliveTimeout = 60_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://${host}:${port}/v1`,
    requests,
    get count() {
      return requests.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
