// Prometheus metrics: per-service request counts by status class and latency histograms.
import client from 'prom-client';

export class Metrics {
  readonly registry = new client.Registry();
  readonly requests: client.Counter<'service' | 'status_class'>;
  readonly duration: client.Histogram<'service'>;
  readonly logBatch: client.Histogram<string>;
  readonly preAuthRefused: client.Counter<'server'>;
  readonly preAuthBlocked: client.Counter<'server'>;
  readonly registryNotifyFailures: client.Counter<string>;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'vamco_process_' });
    this.requests = new client.Counter({
      name: 'vamco_requests_total', help: 'Exchanges through the gateway, by service and status class',
      labelNames: ['service', 'status_class'], registers: [this.registry],
    });
    this.duration = new client.Histogram({
      name: 'vamco_request_duration_seconds', help: 'Time from request to response through the gateway',
      labelNames: ['service'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.logBatch = new client.Histogram({
      name: 'vamco_message_log_commit_seconds', help: 'Time requests waited for their message-log commit',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers: [this.registry],
    });
    this.registryNotifyFailures = new client.Counter({
      name: 'vamco_registry_notify_failures_total', help: 'Registry changes made on this node that Redis did not take to announce to the other nodes (they see them at their next poll)',
      registers: [this.registry],
    });
    this.preAuthRefused = new client.Counter({
      name: 'vamco_preauth_refused_total', help: 'Requests refused unheard (429 ADDRESS_RATE_LIMITED) because their address failed to authenticate too often; not in the message log',
      labelNames: ['server'], registers: [this.registry],
    });
    this.preAuthBlocked = new client.Counter({
      name: 'vamco_preauth_blocked_total', help: 'Times an address was blocked for too many failed authentications',
      labelNames: ['server'], registers: [this.registry],
    });
  }

  private static CLASSES = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

  /** The message log's journal: records not yet shipped into the store, and whether shipping fails. */
  watchJournal(read: () => { backlog: number; failing: boolean } | null): void {
    new client.Gauge({
      name: 'vamco_journal_backlog_records', help: 'Message-log records durable in this node\'s journal and not yet shipped into the store',
      registers: [this.registry], collect() { this.set(read()?.backlog ?? 0); },
    });
    new client.Gauge({
      name: 'vamco_journal_shipping_failing', help: '1 while the store refuses the journal\'s shipments (the node keeps serving; records wait in the journal)',
      registers: [this.registry], collect() { this.set(read()?.failing ? 1 : 0); },
    });
  }

  observe(service: string, status: number, seconds: number): void {
    this.requests.inc({ service, status_class: Metrics.CLASSES[Math.floor(status / 100)] ?? 'other' });
    this.duration.observe({ service }, seconds);
  }
}
