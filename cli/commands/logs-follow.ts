// Following a run's stage logs (`bugforge logs -f`), over a LogSource so the cluster is an edge:
// start on each Pod once it runs, print each complete line once with its prefix, stop when the run
// has ended and every stream has. A stream that has not ended some time after the run did (a
// connection the API server or a proxy keeps open, a body that failed half-way) is aborted and the
// rest of that Pod's log is read in one piece instead, so -f always returns and loses no line.
import { Writable } from 'node:stream';

export interface FollowedPod {
  name: string;
  /** Printed before each of its lines, e.g. "[generate/1]". */
  prefix: string;
  /** Not started yet: nothing to follow. */
  pending: boolean;
}

export interface LogSource {
  /** The run's stage Pods, in the order their logs should be opened. */
  pods(): Promise<FollowedPod[]>;
  /** The run's phase when it has ended, undefined while it runs. */
  endedPhase(): Promise<string | undefined>;
  /** Streams the Pod's log into `into` (which is ended when the stream ends); abort() stops it. */
  follow(pod: string, into: Writable): Promise<{ abort(): void }>;
  /** The Pod's whole log as it is now. */
  read(pod: string): Promise<string>;
}

export interface FollowOptions {
  pollMs?: number;
  /** How long after the run ended a stream may stay open before it is replaced by a read. */
  graceMs?: number;
  /** Polls in a row that may fail (the run or its Pods unreadable) before -f gives up. */
  maxFailures?: number;
  sleep?: (ms: number) => Promise<void>;
  warn?: (message: string) => void;
}

interface Followed {
  lines: number; // complete lines printed so far
  done: Promise<void>;
  finished: boolean;
  /** Aborted and caught up by a read: anything the stream still delivers is not printed. */
  closed?: boolean;
  stop?: { abort(): void };
  printer: Writable;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Splits a stream into lines; prints each complete one through `print`, counting them. */
function lineCounter(onLine: (line: string) => void, state: { lines: number }): Writable {
  let rest = '';
  return new Writable({
    write(chunk, _encoding, done) {
      const lines = (rest + String(chunk)).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        state.lines += 1;
        if (line) onLine(line);
      }
      done();
    },
    final(done) {
      if (rest) {
        state.lines += 1;
        onLine(rest);
      }
      rest = '';
      done();
    },
  });
}

/** Follows every stage Pod of a run until the run has ended; returns its final phase. */
export async function followRunLogs(source: LogSource, print: (prefix: string, line: string) => void, opts: FollowOptions = {}): Promise<string> {
  const pollMs = opts.pollMs ?? 2000;
  const graceMs = opts.graceMs ?? 15_000;
  const sleep = opts.sleep ?? wait;
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
  const maxFailures = opts.maxFailures ?? 5;
  const following = new Map<string, Followed>();

  const start = async (pod: FollowedPod) => {
    const state = { lines: 0 } as Followed;
    state.printer = lineCounter((line) => { if (!state.closed) print(pod.prefix, line); }, state);
    state.done = new Promise<void>((resolve) => {
      state.printer.once('finish', () => { state.finished = true; resolve(); });
      state.printer.once('error', () => { state.finished = true; resolve(); });
    });
    following.set(pod.name, state);
    try {
      state.stop = await source.follow(pod.name, state.printer);
    } catch (error) {
      warn(`${pod.prefix} could not follow ${pod.name}: ${(error as Error).message}`);
      state.printer.end();
    }
  };

  // A stream still open after the grace period: stop it, print what it had not printed yet.
  const catchUp = async (pod: FollowedPod, state: Followed) => {
    state.closed = true;
    const printed = state.lines;
    state.stop?.abort();
    warn(`${pod.prefix} the log stream of ${pod.name} was still open ${graceMs / 1000} s after the run ended: reading the rest instead`);
    let text: string;
    try {
      text = await source.read(pod.name);
    } catch (error) {
      warn(`${pod.prefix} could not read the rest of ${pod.name}'s log: ${(error as Error).message}`);
      return;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    // the line the stream was half-way through is printed whole from the read
    for (const line of lines.slice(printed)) if (line) print(pod.prefix, line);
    state.finished = true;
  };

  // A blip (an API server restart, a dropped connection) is reported and the poll goes on; a run
  // that stays unreadable (deleted, rights revoked) ends -f with that error.
  let failures = 0;
  for (;;) {
    try {
      const phase = await poll();
      if (phase !== undefined) return phase;
      failures = 0;
    } catch (error) {
      failures += 1;
      if (failures >= maxFailures) throw error;
      warn(`could not read the run (${failures} of ${maxFailures} tries): ${(error as Error).message}`);
    }
    await sleep(pollMs);
  }

  async function poll(): Promise<string | undefined> {
    for (const pod of await source.pods()) if (!pod.pending && !following.has(pod.name)) await start(pod);
    const phase = await source.endedPhase();
    if (phase !== undefined) {
      const deadline = sleep(graceMs).then(() => 'late' as const);
      await Promise.race([Promise.all([...following.values()].map((f) => f.done)), deadline]);
      const pods = await source.pods();
      for (const pod of pods) {
        const state = following.get(pod.name);
        if (state && !state.finished) await catchUp(pod, state);
      }
      if (pods.every((p) => following.has(p.name) || p.pending)) return phase;
    }
    return undefined;
  }
}
