// `bugforge logs -f`'s following logic over a scripted LogSource: each line printed once with its
// Pod's prefix, Pods followed once they run, and a stream that never ends after the run did (the
// hang CI met) replaced by a read of the rest, without losing or repeating a line.
import { PassThrough, type Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { followRunLogs, type FollowedPod, type LogSource } from '../../../cli/commands/logs-follow.js';

interface Script {
  pods: FollowedPod[];
  phase?: string;
  streams: Map<string, PassThrough>;
  aborted: string[];
  logs: Record<string, string>;
}

function source(s: Script, followError?: string): LogSource {
  return {
    pods: async () => s.pods.map((p) => ({ ...p })),
    endedPhase: async () => s.phase,
    follow: async (pod: string, into: Writable) => {
      if (pod === followError) throw new Error('HTTP 500 proxy error');
      const stream = new PassThrough();
      s.streams.set(pod, stream);
      stream.pipe(into);
      return { abort: () => { s.aborted.push(pod); stream.unpipe(into); } };
    },
    read: async (pod: string) => s.logs[pod] ?? '',
  };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 2));
const collect = () => {
  const out: string[] = [];
  return { out, print: (prefix: string, line: string) => out.push(`${prefix} ${line}`) };
};

describe('followRunLogs', () => {
  it('follows each Pod once it runs and returns when the run has ended and the streams have', async () => {
    const s: Script = { pods: [{ name: 'a', prefix: '[analyze]', pending: true }], streams: new Map(), aborted: [], logs: {} };
    const { out, print } = collect();
    const done = followRunLogs(source(s), print, { pollMs: 1, graceMs: 1000, sleep: tick });
    await tick(); await tick();
    expect(s.streams.has('a')).toBe(false); // Pending: nothing to follow yet
    s.pods[0].pending = false;
    while (!s.streams.has('a')) await tick();
    s.streams.get('a')!.write('one\ntw');
    s.streams.get('a')!.write('o\n');
    s.pods.push({ name: 'g0', prefix: '[generate/0]', pending: false });
    while (!s.streams.has('g0')) await tick();
    s.streams.get('g0')!.end('batch\n');
    s.streams.get('a')!.end('three');
    s.phase = 'Succeeded';
    expect(await done).toBe('Succeeded');
    expect(out).toEqual(['[analyze] one', '[analyze] two', '[generate/0] batch', '[analyze] three']);
    expect(s.aborted).toEqual([]);
  });

  it('a stream still open after the run ended is aborted and the rest read: every line once', async () => {
    const s: Script = { pods: [{ name: 'm', prefix: '[merge]', pending: false }], streams: new Map(), aborted: [], logs: {} };
    const { out, print } = collect();
    const sleeps: number[] = [];
    const sleep = (ms: number) => { sleeps.push(ms); return tick(); };
    const warnings: string[] = [];
    const done = followRunLogs(source(s), print, { pollMs: 1, graceMs: 15_000, sleep, warn: (m) => warnings.push(m) });
    while (!s.streams.has('m')) await tick();
    s.streams.get('m')!.write('l1\nl2\nhal'); // the stream stalls half-way through l3
    await tick();
    s.logs.m = 'l1\nl2\nhalf of l3\nl4\n';
    s.phase = 'Failed';
    expect(await done).toBe('Failed');
    expect(s.aborted).toEqual(['m']);
    expect(sleeps).toContain(15_000);
    expect(warnings).toEqual(['[merge] the log stream of m was still open 15 s after the run ended: reading the rest instead']);
    expect(out).toEqual(['[merge] l1', '[merge] l2', '[merge] half of l3', '[merge] l4']);
    s.streams.get('m')!.end('late\n'); // what an aborted stream still delivers is not printed
    await tick();
    expect(out).toHaveLength(4);
  });

  it('a Pod whose log cannot be followed is reported and does not stop the others', async () => {
    const s: Script = { pods: [{ name: 'x', prefix: '[train]', pending: false }, { name: 'y', prefix: '[evaluate]', pending: false }], streams: new Map(), aborted: [], logs: {} };
    const { out, print } = collect();
    const warnings: string[] = [];
    const done = followRunLogs(source(s, 'x'), print, { pollMs: 1, graceMs: 1000, sleep: tick, warn: (m) => warnings.push(m) });
    while (!s.streams.has('y')) await tick();
    s.streams.get('y')!.end('report\n');
    s.phase = 'Succeeded';
    expect(await done).toBe('Succeeded');
    expect(warnings).toEqual(['[train] could not follow x: HTTP 500 proxy error']);
    expect(out).toEqual(['[evaluate] report']);
  });

  it('reading the run fails: a blip is reported and the poll goes on; a run that stays unreadable ends -f with the error', async () => {
    const s: Script = { pods: [], phase: 'Succeeded', streams: new Map(), aborted: [], logs: {} };
    let fails = 2;
    const flaky: LogSource = { ...source(s), endedPhase: async () => { if (fails-- > 0) throw new Error('connect ECONNREFUSED'); return 'Succeeded'; } };
    const warnings: string[] = [];
    const opts = { pollMs: 1, graceMs: 1, sleep: tick, warn: (m: string) => warnings.push(m), maxFailures: 3 };
    expect(await followRunLogs(flaky, () => {}, opts)).toBe('Succeeded');
    expect(warnings).toEqual(['could not read the run (1 of 3 tries): connect ECONNREFUSED', 'could not read the run (2 of 3 tries): connect ECONNREFUSED']);
    const gone: LogSource = { ...source(s), endedPhase: async () => { throw new Error('PipelineRun ns/x not found'); } };
    await expect(followRunLogs(gone, () => {}, opts)).rejects.toThrow('PipelineRun ns/x not found');
  });
});
