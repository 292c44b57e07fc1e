import { useEffect, useState } from 'preact/hooks';
import { api, describeError } from '../api.js';
import { LineChart } from '../components/line-chart.js';
import { LocationPicker } from '../components/location-picker.js';
import { Empty, ErrorNotice, LiveIndicator, Loading, Stat, StatusPill } from '../components/states.js';
import { formatAxisPercent, formatCount, formatPercent, formatRelative, titleCase } from '../format.js';
import { useLive, useResource } from '../live.js';
import type { Reconciliation, SyncHealth } from '../types.js';
import { useLocations } from '../use-locations.js';
import { isLocationAdmin, type DashboardView, type ViewContext } from './view.js';

function percentSynced(synced: number, local: number): string {
  return local === 0 ? '—' : formatPercent((synced / local) * 100, 0);
}

function SyncHealthView({ user, query, setQuery }: ViewContext) {
  const locations = useLocations(query.get('location'));
  const location = locations.selected;
  const health = useLive<SyncHealth>(location ? `/api/sync/health/${encodeURIComponent(location.id)}` : null, 'health');
  const reconciliation = useResource<Reconciliation>(location ? `/api/sync/reconciliation/${encodeURIComponent(location.id)}` : null, { limit: 50 });
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  // A finished reconciliation shows up in the live health first; then the run history is read again.
  const latestFinishedAt = health.data?.reconciliation?.finishedAt;
  useEffect(() => {
    if (latestFinishedAt) reconciliation.reload();
  }, [latestFinishedAt]);

  const reconcileNow = async () => {
    if (!location) return;
    setActionError(undefined);
    try {
      const result = await api<{ runId: string; isNew: boolean }>(`/api/sync/reconciliation/${encodeURIComponent(location.id)}`, { method: 'POST' });
      setNotice(result.isNew ? 'Reconciliation started; coverage updates when it finishes.' : 'A reconciliation is already running.');
    } catch (error) {
      setActionError(describeError(error));
    }
  };

  const runs = [...(reconciliation.data?.runs ?? [])].filter((run) => run.isFinished).reverse();
  const data = health.data;
  const totals = data?.entities.reduce(
    (sum, entity) => ({ local: sum.local + entity.localCount, synced: sum.synced + entity.syncedCount, pending: sum.pending + entity.pendingPushes, refused: sum.refused + entity.refusedRecords }),
    { local: 0, synced: 0, pending: 0, refused: 0 },
  );
  return (
    <div class="view-body">
      {locations.error ? <ErrorNotice title="Locations could not be loaded." message={locations.error} onRetry={locations.reload} /> : null}
      {!locations.data && locations.isLoading ? <Loading what="locations" /> : null}
      {locations.data && locations.items.length === 0 ? <Empty>You have no locations yet. Connect GoHighLevel on the Installs page.</Empty> : null}
      {location ? (
        <div class="toolbar">
          <LocationPicker locations={locations.items} value={location.id} onChange={(locationId) => setQuery({ location: locationId })} />
          <LiveIndicator status={health.status} />
          {isLocationAdmin(user, location.id) && location.ghlLocationId ? (
            <button type="button" class="button" onClick={() => void reconcileNow()}>
              Reconcile now
            </button>
          ) : null}
        </div>
      ) : null}
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      {actionError ? <ErrorNotice title="Reconciliation could not start." message={actionError} /> : null}
      {location && health.status === 'error' && !data ? <ErrorNotice title="Sync health is unavailable." message={health.error} onRetry={health.reconnect} /> : null}
      {location && !data && health.status === 'connecting' ? <Loading what="sync health" /> : null}
      {data && totals ? (
        <>
          <div class="stats">
            <Stat label="Records here" value={`${formatCount(totals.local)} records`} hint={totals.local === 0 ? 'none yet' : `${percentSynced(totals.synced, totals.local)} carry a GHL id`} />
            <Stat label="Pending pushes" value={`${formatCount(totals.pending)} pushes`} hint="edits on their way to GHL" />
            <Stat label="Refused pushes" value={`${formatCount(totals.refused)} records`} hint="GHL refused the last push" />
            <Stat label="Dead jobs" value={`${formatCount(data.deadJobs)} jobs`} />
            <Stat label="Webhook coverage" value={data.reconciliation?.coverage === null || data.reconciliation?.coverage === undefined ? '—' : formatPercent(data.reconciliation.coverage * 100)} hint={data.reconciliation ? `last reconciliation ${formatRelative(data.reconciliation.finishedAt)}` : 'no reconciliation yet'} />
            <Stat label="Token" value={data.token ? <StatusPill status={data.token.status} /> : 'none'} hint={data.token?.reason ?? (data.installation ? `installation ${data.installation.status}` : 'not installed')} />
          </div>
          <section aria-labelledby="entities-title">
            <h2 id="entities-title" class="section-title">
              By entity
            </h2>
            <div class="table-scroll">
              <table class="table" data-testid="health-table">
                <caption class="visually-hidden">Local and synced counts, pending and refused pushes per entity</caption>
                <thead>
                  <tr>
                    <th scope="col">Entity</th>
                    <th scope="col" class="num">Local</th>
                    <th scope="col" class="num">Synced</th>
                    <th scope="col" class="num">Pending pushes</th>
                    <th scope="col" class="num">Unconfirmed</th>
                    <th scope="col" class="num">Refused</th>
                    <th scope="col" class="num">Failed jobs</th>
                    <th scope="col">Last GHL change</th>
                  </tr>
                </thead>
                <tbody>
                  {data.entities.map((entity) => (
                    <tr key={entity.entity}>
                      <th scope="row">{titleCase(entity.entity)}</th>
                      <td class="num">{formatCount(entity.localCount)}</td>
                      <td class="num">
                        {formatCount(entity.syncedCount)} <span class="muted">({percentSynced(entity.syncedCount, entity.localCount)})</span>
                      </td>
                      <td class="num">{formatCount(entity.pendingPushes)}</td>
                      <td class="num">{formatCount(entity.unconfirmedRecords)}</td>
                      <td class="num">{formatCount(entity.refusedRecords)}</td>
                      <td class="num">{formatCount(entity.failures)}</td>
                      <td>{formatRelative(entity.lastSourceUpdatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      ) : null}
      {location ? (
        <section aria-labelledby="coverage-title">
          <h2 id="coverage-title" class="section-title">
            Reconciliation coverage over time
          </h2>
          {reconciliation.error ? <ErrorNotice title="Reconciliation runs could not be loaded." message={reconciliation.error} onRetry={reconciliation.reload} /> : null}
          {reconciliation.data && runs.length === 0 ? <Empty>No reconciliation has finished for this location yet. It runs every 15 minutes once the setup sync is done.</Empty> : null}
          {runs.length > 0 ? (
            <div class="charts">
            <LineChart
              title="Share of changes that arrived by webhook"
              times={runs.map((run) => run.finishedAt ?? run.createdAt)}
              isDaily
              fixedMax={100}
              format={formatAxisPercent}
              series={[{ label: 'Coverage', tone: 'chart-2', values: runs.map((run) => run.coverage * 100) }]}
            />
            </div>
          ) : null}
          {runs.length > 0 ? (
            <p class="muted">
              Latest: {formatCount(runs.at(-1)?.listed ?? 0)} changes listed by GHL, {formatCount(runs.at(-1)?.repaired ?? 0)} repaired because their webhook was missed.
            </p>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}

export const syncHealthView: DashboardView = {
  id: 'sync-health',
  title: 'Sync health',
  description: 'Per location: records here and in GHL, pending and refused pushes, token state, and webhook coverage over time.',
  isVisibleTo: () => true,
  Component: SyncHealthView,
};
