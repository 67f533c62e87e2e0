// Prometheus metrics of one operator instance (its own registry, so two instances in one
// process — tests, benches — do not collide).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RunPhase } from '../../api/v1alpha1/status.js';

export interface MetricSources {
  queueDepth(): number;
  runsByPhase(): Map<RunPhase | 'Unknown', number>;
}

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: 'bugforge_operator_reconciles_total', help: 'Reconciles by result (success, error).', labelNames: ['result'] as const, registers: [this.registry] });
  readonly reconcileSeconds = new Histogram({
    name: 'bugforge_operator_reconcile_duration_seconds', help: 'Time of one reconcile, API calls included.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  readonly errors = new Counter({ name: 'bugforge_operator_errors_total', help: 'Errors by where they happened (reconcile, informer, leader-election, event).', labelNames: ['where'] as const, registers: [this.registry] });
  readonly jobsCreated = new Counter({ name: 'bugforge_operator_jobs_created_total', help: 'Stage Jobs created.', registers: [this.registry] });
  readonly leader = new Gauge({ name: 'bugforge_operator_leader', help: '1 while this replica holds the leader Lease (or runs without leader election).', registers: [this.registry] });
  private sources?: MetricSources;

  constructor(defaultMetrics = true) {
    const sources = () => this.sources;
    new Gauge({
      name: 'bugforge_operator_pipelineruns', help: 'PipelineRuns seen by this replica, by phase.', labelNames: ['phase'] as const, registers: [this.registry],
      collect() {
        this.reset();
        for (const [phase, n] of sources()?.runsByPhase() ?? []) this.set({ phase }, n);
      },
    });
    new Gauge({
      name: 'bugforge_operator_workqueue_depth', help: 'Keys waiting in the work queue.', registers: [this.registry],
      collect() { this.set(sources()?.queueDepth() ?? 0); },
    });
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'bugforge_operator_' });
  }

  attach(sources: MetricSources | undefined): void {
    this.sources = sources;
  }
}
