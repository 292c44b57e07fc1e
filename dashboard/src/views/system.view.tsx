import { useEffect, useState } from 'preact/hooks';
import { LineChart } from '../components/line-chart.js';
import { Empty, ErrorNotice, GradeBadge, LiveIndicator, Loading, Stat } from '../components/states.js';
import { formatAxisPercent, formatCount, formatMs, formatPercent, formatRate, formatSeconds, titleCase } from '../format.js';
import { useLive, useResource } from '../live.js';
import type { WebhookOverview, WebhookSeries } from '../types.js';
import { isAdmin, type DashboardView, type ViewContext } from './view.js';

const WINDOWS = [
  { id: '1h', label: 'Last hour' },
  { id: '24h', label: 'Last day' },
] as const;

const QUEUES = ['critical', 'messages', 'contacts', 'appointments', 'projects', 'financial', 'general'] as const;

function SystemView({ query, setQuery }: ViewContext) {
  const window = query.get('window') === '24h' ? '24h' : '1h';
  const queue = QUEUES.find((name) => name === query.get('queue')) ?? null;
  const overview = useLive<WebhookOverview>('/api/webhooks/overview', 'overview');
  const series = useResource<WebhookSeries>('/api/webhooks/series', { window, queue });
  // New chart points exist once a minute (ten for the day): re-read the series on the live
  // overview's ticks, at most once per bucket — never a poll faster than every 5 s.
  const [lastSeriesAt, setLastSeriesAt] = useState(Date.now());
  useEffect(() => {
    const bucketMs = window === '1h' ? 60_000 : 600_000;
    if (overview.data && Date.now() - lastSeriesAt >= bucketMs) {
      setLastSeriesAt(Date.now());
      series.reload();
    }
  }, [overview.data?.checkedAt]);

  const total = overview.data?.total;
  const points = series.data?.points ?? [];
  const times = points.map((point) => point.at);
  const isDaily = window === '24h';

  return (
    <div class="view-body">
      <div class="toolbar">
        <LiveIndicator status={overview.status} />
        <div class="segmented" role="group" aria-label="Chart window">
          {WINDOWS.map((option) => (
            <button key={option.id} type="button" class="segment" aria-pressed={window === option.id} onClick={() => setQuery({ window: option.id === '1h' ? undefined : option.id })}>
              {option.label}
            </button>
          ))}
        </div>
        <label class="field field-inline">
          <span>Queue</span>
          <select value={queue ?? ''} onChange={(event) => setQuery({ queue: (event.currentTarget as HTMLSelectElement).value || undefined })}>
            <option value="">All queues</option>
            {QUEUES.map((name) => (
              <option key={name} value={name}>
                {titleCase(name)}
              </option>
            ))}
          </select>
        </label>
      </div>

      {overview.status === 'error' && !overview.data ? <ErrorNotice title="The live queue status is unavailable." message={overview.error} onRetry={overview.reconnect} /> : null}
      {!overview.data && overview.status === 'connecting' ? <Loading what="queue health" /> : null}

      {total ? (
        <section aria-labelledby="totals-title">
          <h2 id="totals-title" class="section-title">
            All queues now
          </h2>
          <div class="stats">
            <Stat label="Received" value={formatRate(total.last5Minutes.receivedPerSecond)} hint="average over 5 min" />
            <Stat label="Processed" value={formatRate(total.last5Minutes.processedPerSecond)} hint="done + skipped, 5 min" />
            <Stat label="Waiting" value={`${formatCount(total.pending + total.retrying)} events`} hint={`oldest ${formatSeconds(total.oldestPendingAgeSeconds)}`} />
            <Stat label="p95 receipt to done" value={formatMs(total.lastHour.latencyMs.p95)} hint={`p50 ${formatMs(total.lastHour.latencyMs.p50)} · p99 ${formatMs(total.lastHour.latencyMs.p99)}`} />
            <Stat
              label="SLA compliance"
              value={
                <>
                  {formatPercent(total.lastHour.slaCompliancePercent)} <GradeBadge grade={total.lastHour.slaGrade} label="SLA" />
                </>
              }
              hint="last hour"
            />
            <Stat label="Error rate" value={formatPercent(total.lastHour.errorRatePercent)} hint="failed attempts, last hour" />
            <Stat label="Dead letters" value={`${formatCount(total.dead)} events`} hint="waiting for replay or delete" />
          </div>
        </section>
      ) : null}

      <section aria-labelledby="charts-title">
        <h2 id="charts-title" class="section-title">
          {queue ? `${titleCase(queue)} queue` : 'All queues'}, {window === '1h' ? 'last hour (1-minute points)' : 'last day (10-minute points)'}
        </h2>
        {series.error && !series.data ? <ErrorNotice title="The time series could not be loaded." message={series.error} onRetry={series.reload} /> : null}
        {!series.data && series.isLoading ? <Loading what="time series" /> : null}
        {series.data ? (
          <div class="charts">
            <LineChart
              title="Webhooks per second"
              times={times}
              isDaily={isDaily}
              format={formatRate}
              series={[
                { label: 'Received', tone: 'chart-1', values: points.map((point) => point.receivedPerSecond) },
                { label: 'Processed', tone: 'chart-2', values: points.map((point) => point.processedPerSecond) },
              ]}
            />
            <LineChart
              title="Receipt to done"
              times={times}
              isDaily={isDaily}
              format={formatMs}
              series={[
                { label: 'p50', tone: 'chart-2', values: points.map((point) => point.latencyMs.p50) },
                { label: 'p95', tone: 'chart-3', values: points.map((point) => point.latencyMs.p95) },
                { label: 'p99', tone: 'chart-4', values: points.map((point) => point.latencyMs.p99) },
              ]}
            />
            <LineChart title="SLA compliance" times={times} isDaily={isDaily} fixedMax={100} format={formatAxisPercent} series={[{ label: 'Within SLA', tone: 'chart-2', values: points.map((point) => point.slaCompliancePercent) }]} />
            <LineChart title="Error rate" times={times} isDaily={isDaily} format={formatAxisPercent} series={[{ label: 'Failed attempts', tone: 'chart-4', values: points.map((point) => point.errorRatePercent) }]} />
          </div>
        ) : null}
      </section>

      {overview.data ? (
        <section aria-labelledby="queues-title">
          <h2 id="queues-title" class="section-title">
            Queues
          </h2>
          {overview.data.queues.every((row) => row.pending + row.running + row.retrying + row.dead + row.lastHour.received === 0) ? (
            <Empty>No webhooks in the last hour and nothing waiting. Events appear here as GoHighLevel sends them.</Empty>
          ) : null}
          <div class="table-scroll">
            <table class="table">
              <caption class="visually-hidden">Queue health: backlog now, latency and SLA over the last hour</caption>
              <thead>
                <tr>
                  <th scope="col">Queue</th>
                  <th scope="col" class="num">SLA target</th>
                  <th scope="col" class="num">Pending</th>
                  <th scope="col" class="num">Running</th>
                  <th scope="col" class="num">Retrying</th>
                  <th scope="col" class="num">Dead</th>
                  <th scope="col" class="num">Oldest pending</th>
                  <th scope="col" class="num">p50 / p95 / p99</th>
                  <th scope="col" class="num">SLA</th>
                  <th scope="col" class="num">Errors</th>
                </tr>
              </thead>
              <tbody>
                {overview.data.queues.map((row) => (
                  <tr key={row.queue}>
                    <th scope="row">{titleCase(row.queue)}</th>
                    <td class="num">{formatSeconds(row.slaSeconds)}</td>
                    <td class="num">{formatCount(row.pending)}</td>
                    <td class="num">{formatCount(row.running)}</td>
                    <td class="num">{formatCount(row.retrying)}</td>
                    <td class="num">{formatCount(row.dead)}</td>
                    <td class="num">{formatSeconds(row.oldestPendingAgeSeconds)}</td>
                    <td class="num">
                      {formatMs(row.lastHour.latencyMs.p50)} / {formatMs(row.lastHour.latencyMs.p95)} / {formatMs(row.lastHour.latencyMs.p99)}
                    </td>
                    <td class="num">
                      {formatPercent(row.lastHour.slaCompliancePercent)} <GradeBadge grade={row.lastHour.slaGrade} label={`${row.queue} SLA`} />
                    </td>
                    <td class="num">{formatPercent(row.lastHour.errorRatePercent)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </div>
  );
}

export const systemView: DashboardView = {
  id: 'system',
  title: 'System',
  description: 'Webhook throughput, queue depth, receipt-to-done latency, SLA compliance and errors — live.',
  isVisibleTo: isAdmin,
  Component: SystemView,
};
