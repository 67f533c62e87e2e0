// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it
// (client-node has none): acquire when the Lease is free or expired, renew every retry period,
// step down when a renew has not succeeded within the renew deadline, release on shutdown.
// Expiry is judged by when *this* process last saw the record change, not by the holder's
// clock, so clock skew between replicas does not matter.
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeApiError, httpCode, withTimeout } from './apply.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  log: Logger;
  onStartedLeading(): Promise<void> | void;
  onStoppedLeading(): Promise<void> | void;
  onError?(error: unknown): void;
}

/** MicroTime as the API server parses it: RFC 3339 with exactly six fractional digits. */
const microTime = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const wake = () => { clearTimeout(timer); signal.removeEventListener('abort', wake); resolve(); };
  const timer = setTimeout(wake, ms);
  signal.addEventListener('abort', wake, { once: true });
});

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly abort = new AbortController();
  private leading = false;
  private lastRenew = 0;
  private observed?: { holder: string; renewTime: string; at: number };
  private loop?: Promise<void>;
  private readonly duration: number;
  private readonly renewDeadline: number;
  private readonly retry: number;
  /** A Lease call that cannot finish within the renew deadline is useless: give up on it then. */
  private readonly call: ReturnType<typeof withTimeout>;

  constructor(kc: KubeConfig, private readonly options: LeaderElectionOptions) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.duration = options.leaseDurationSeconds ?? 15;
    this.renewDeadline = options.renewDeadlineSeconds ?? 10;
    this.retry = options.retryPeriodSeconds ?? 2;
    this.call = withTimeout(this.renewDeadline * 1000);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning; a leader steps down first and releases the Lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.leading) {
      await this.stepDown();
      await this.release().catch((error: unknown) => this.options.log.warn({ err: error }, 'could not release the leader Lease'));
    }
  }

  private async run(): Promise<void> {
    const { log, identity, namespace, name } = this.options;
    while (!this.abort.signal.aborted) {
      let held = false;
      try {
        held = await this.tryAcquireOrRenew(new Date());
      } catch (error) {
        this.options.onError?.(error);
        log.warn(`leader election: Lease ${namespace}/${name}: ${describeApiError(error)}`);
      }
      if (this.abort.signal.aborted) break;
      if (held) {
        this.lastRenew = Date.now();
        if (!this.leading) {
          this.leading = true;
          log.info({ identity, lease: `${namespace}/${name}` }, 'became the leader');
          await this.options.onStartedLeading();
        }
      } else if (this.leading && this.observed?.holder && this.observed.holder !== identity) {
        log.warn({ identity, holder: this.observed.holder }, 'another replica holds the leader Lease: stopping reconciles');
        await this.stepDown();
      } else if (this.leading && Date.now() - this.lastRenew > this.renewDeadline * 1000) {
        log.warn({ identity }, `lost the leader Lease (no renew for ${this.renewDeadline} s): stopping reconciles`);
        await this.stepDown();
      }
      await sleep(this.retry * 1000, this.abort.signal);
    }
  }

  private async stepDown(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    await this.options.onStoppedLeading();
  }

  /** One attempt: true when this process holds the Lease afterwards. */
  private async tryAcquireOrRenew(now: Date): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace }, this.call);
    } catch (error) {
      if (httpCode(error) !== 404) throw error;
      try {
        await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: this.record(now, undefined) } }, this.call);
        return true;
      } catch (createError) {
        if (httpCode(createError) === 409) return false;
        throw createError;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewTime = spec.renewTime ? new Date(spec.renewTime).toISOString() : '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: Date.now() };
    }
    const expiresAt = this.observed.at + (spec.leaseDurationSeconds ?? this.duration) * 1000;
    if (holder && holder !== identity && Date.now() < expiresAt) return false;
    try {
      await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: this.record(now, lease) } }, this.call);
      return true;
    } catch (error) {
      if (httpCode(error) === 409) return false; // someone else wrote first
      throw error;
    }
  }

  private record(now: Date, lease: V1Lease | undefined): V1Lease['spec'] {
    const previous = lease?.spec;
    const mine = previous?.holderIdentity === this.options.identity;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.duration,
      acquireTime: mine && previous?.acquireTime ? microTime(new Date(previous.acquireTime)) : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (previous && !mine ? 1 : 0),
    };
  }

  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    const lease = await this.api.readNamespacedLease({ name, namespace }, this.call);
    if (lease.spec?.holderIdentity !== identity) return;
    const now = new Date();
    await this.api.replaceNamespacedLease({
      name, namespace,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now), acquireTime: microTime(now) } },
    }, this.call);
  }
}
