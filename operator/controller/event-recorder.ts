// Records a run's Events off the reconcile's path: the reconcile hands them over and returns, a
// few creates run at a time. Each Event's name comes from the run's uid and the Event's key, so a
// second create of the same Event answers 409 (not duplicated) and an Event lost to a crash is
// recorded by the next operator, which derives the run's Events again (run-events.ts).
import { createHash } from 'node:crypto';
import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { GROUP } from '../../api/v1alpha1/resource.js';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import { httpCode, withTimeout } from './apply.js';
import type { RunEvent } from './run-events.js';

export const EVENT_SOURCE = 'bugforge-operator';
const timeout = withTimeout();
/** Names recorded lately, so a replayed Event costs no API call (bounded: oldest forgotten first). */
const REMEMBERED = 20_000;
const ATTEMPTS = 3;

/** The Event's name: `<run>.<16 hex of sha256(uid, key)>` — the same for the same Event of the same run. */
export function eventName(run: PipelineRun, key: string): string {
  return `${run.metadata.name}.${createHash('sha256').update(`${run.metadata.uid ?? ''}\n${key}`).digest('hex').slice(0, 16)}`;
}

export function eventBody(run: PipelineRun, event: RunEvent, instance: string, now = new Date()): CoreV1Event {
  const namespace = run.metadata.namespace ?? 'default';
  const time = now.toISOString() as unknown as Date;
  return {
    metadata: { name: eventName(run, event.key), namespace, annotations: { 'bugforge.dev/event-key': event.key.slice(0, 256) } },
    involvedObject: { apiVersion: run.apiVersion, kind: run.kind, name: run.metadata.name, namespace, uid: run.metadata.uid, resourceVersion: run.metadata.resourceVersion },
    type: event.type, reason: event.reason, message: event.message.slice(0, 1024),
    firstTimestamp: time, lastTimestamp: time, count: 1,
    source: { component: EVENT_SOURCE }, reportingComponent: `${GROUP}/operator`, reportingInstance: instance.slice(0, 128),
  };
}

export interface EventRecorderHooks {
  onError?(error: unknown, event: RunEvent): void;
  sleep?(ms: number): Promise<void>;
}

export class EventRecorder {
  private readonly limit = pLimit(4);
  private readonly recorded = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly core: CoreV1Api, private readonly instance: string, private readonly hooks: EventRecorderHooks = {}) {}

  /** Queues the Events; returns at once. */
  record(run: PipelineRun, events: RunEvent[]): void {
    for (const event of events) {
      const body = eventBody(run, event, this.instance);
      const name = `${body.metadata?.namespace}/${body.metadata?.name}`;
      if (this.recorded.has(name)) continue;
      this.remember(name); // also stops a second queueing while this one is in flight
      const done = this.limit(() => this.create(body, event, name)).finally(() => this.inFlight.delete(done));
      this.inFlight.add(done);
    }
  }

  /** Waits for the Events queued so far (at most `ms`). */
  async flush(ms = 5000): Promise<void> {
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, ms).unref())]);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  private async create(body: CoreV1Event, event: RunEvent, name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.core.createNamespacedEvent({ namespace: body.metadata?.namespace ?? 'default', body }, timeout);
        return;
      } catch (error) {
        const code = httpCode(error);
        if (code === 409) return; // recorded before (by us or an operator before a restart)
        if (attempt >= ATTEMPTS || code === 403 || code === 422 || code === 404) {
          this.recorded.delete(name); // a later reconcile may try again
          this.hooks.onError?.(error, event);
          return;
        }
        await (this.hooks.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))))(200 * 2 ** attempt);
      }
    }
  }

  private remember(name: string): void {
    this.recorded.add(name);
    if (this.recorded.size > REMEMBERED) this.recorded.delete(this.recorded.values().next().value as string);
  }
}
