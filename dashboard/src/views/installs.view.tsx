import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, describeError } from '../api.js';
import { LocationPicker } from '../components/location-picker.js';
import { Empty, ErrorNotice, GradeBadge, LiveIndicator, Loading, StatusPill } from '../components/states.js';
import { formatCount, formatRelative, formatSeconds, formatTime, titleCase } from '../format.js';
import { useLive } from '../live.js';
import type { Installation, Location, SyncProgress, SyncRun } from '../types.js';
import { useLocations } from '../use-locations.js';
import { isAdmin, isLocationAdmin, type DashboardView, type ViewContext } from './view.js';

const NOT_CONFIGURED = 'GoHighLevel is not configured on this server: set GHL_CLIENT_ID and GHL_CLIENT_SECRET (outside production, npm start uses the built-in sandbox instead).';

type ConnectState = { status: 'idle' } | { status: 'opening' } | { status: 'waiting'; url: string; isBlocked: boolean; knownIds: string[] } | { status: 'error'; message: string };

/**
 * Connect GoHighLevel: asks the API for the consent URL (the install state carries the agency),
 * opens GHL's consent page — the sandbox's in development — in a new window, and watches the
 * installations stream until the new installation arrives.
 */
function ConnectPanel({ installations, onInstalled }: { installations: readonly Installation[] | undefined; onInstalled: (installation: Installation) => void }) {
  const [state, setState] = useState<ConnectState>({ status: 'idle' });
  const [userType, setUserType] = useState<'Company' | 'Location'>('Company');

  useEffect(() => {
    if (state.status !== 'waiting' || !installations) return;
    const fresh = installations.find((installation) => installation.installType === 'Location' && installation.status === 'installed' && !state.knownIds.includes(`${installation.id}:${installation.installedAt ?? ''}`));
    if (fresh) {
      setState({ status: 'idle' });
      onInstalled(fresh);
    }
  }, [installations, state]);

  const connect = async () => {
    setState({ status: 'opening' });
    // Opened before the request so the browser counts it as the click's own window (no popup block).
    const consentWindow = window.open('', 'ghl-consent');
    try {
      const { url } = await api<{ url: string }>('/api/oauth/install', { query: { userType, redirect: 'false' } });
      if (consentWindow) consentWindow.location.href = url;
      setState({ status: 'waiting', url, isBlocked: consentWindow === null, knownIds: (installations ?? []).map((installation) => `${installation.id}:${installation.installedAt ?? ''}`) });
    } catch (error) {
      consentWindow?.close();
      setState({ status: 'error', message: error instanceof ApiError && error.status === 404 ? NOT_CONFIGURED : describeError(error) });
    }
  };

  return (
    <section class="panel" aria-labelledby="connect-title">
      <h2 id="connect-title">Connect GoHighLevel</h2>
      <p class="muted">Install the Switchboard app on your GoHighLevel agency or one sub-account. Each connected location then runs its setup sync, shown live below.</p>
      <div class="segmented" role="radiogroup" aria-label="What to connect">
        {(['Company', 'Location'] as const).map((option) => (
          <button key={option} type="button" role="radio" class="segment" aria-checked={userType === option} onClick={() => setUserType(option)}>
            {option === 'Company' ? 'Whole agency' : 'One sub-account'}
          </button>
        ))}
      </div>
      <div class="actions">
        <button type="button" class="button button-primary" onClick={() => void connect()} disabled={state.status === 'opening'}>
          Connect GoHighLevel
        </button>
      </div>
      {state.status === 'waiting' ? (
        <p class="notice" role="status">
          Waiting for you to approve in the GoHighLevel window…{' '}
          {state.isBlocked ? (
            <a href={state.url} target="_blank" rel="noopener">
              Open the consent page
            </a>
          ) : null}
        </p>
      ) : null}
      {state.status === 'error' ? <ErrorNotice title="The install could not start." message={state.message} /> : null}
    </section>
  );
}

function InstallationsTable({ installations, locations }: { installations: readonly Installation[]; locations: readonly Location[] }) {
  if (installations.length === 0) return <Empty>No GoHighLevel installation yet. Connect GoHighLevel to install the app.</Empty>;
  const nameOf = (locationId: string | null) => locations.find((location) => location.id === locationId)?.name ?? null;
  return (
    <div class="table-scroll">
      <table class="table" data-testid="installations-table">
        <caption class="visually-hidden">Installations and the state of their tokens</caption>
        <thead>
          <tr>
            <th scope="col">Installed on</th>
            <th scope="col">Status</th>
            <th scope="col">Token</th>
            <th scope="col">Reason</th>
            <th scope="col">Installed</th>
            <th scope="col">Access token expires</th>
          </tr>
        </thead>
        <tbody>
          {installations.map((installation) => (
            <tr key={installation.id}>
              <th scope="row">
                {installation.installType === 'Company' ? 'Agency' : (nameOf(installation.locationId) ?? 'Sub-account')} <span class="muted">{installation.ghlLocationId ?? installation.ghlCompanyId ?? ''}</span>
              </th>
              <td>
                <StatusPill status={installation.status} />
              </td>
              <td>{installation.token ? <StatusPill status={installation.token.status} /> : 'no token'}</td>
              <td>{installation.token?.reason ?? (installation.status === 'needs_reauth' ? 'reinstall the app' : '—')}</td>
              <td>{formatRelative(installation.installedAt)}</td>
              <td>{installation.token?.accessExpiresAt ? formatRelative(installation.token.accessExpiresAt) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SyncRunPanel({ run, isLive }: { run: SyncRun; isLive: boolean }) {
  const maxSeconds = Math.max(0.001, ...run.steps.map((step) => step.seconds));
  const bottleneck = run.report?.slowestStep?.name ?? [...run.steps].sort((a, b) => b.seconds - a.seconds)[0]?.name;
  return (
    <div data-testid="sync-run">
      <div class="run-summary">
        <GradeBadge grade={run.grade} label="Setup sync" />
        <div>
          <div>
            <StatusPill status={run.status} /> {titleCase(run.trigger)} sync, {formatCount(run.stepsDone)} of {formatCount(run.stepsTotal)} steps done
            {run.elapsedSeconds !== null ? `, ${formatSeconds(run.elapsedSeconds)}` : ''}
            {isLive && !run.isFinished ? ' (running)' : ''}
          </div>
          <div class="muted">
            {run.isUsable ? 'The location is usable.' : 'Not usable yet: required steps are still running.'} {bottleneck ? `Bottleneck: ${bottleneck}.` : ''}
          </div>
          {run.report?.reasons?.map((reason) => (
            <div key={reason} class="muted">
              {reason}
            </div>
          ))}
        </div>
      </div>
      <progress class="progress" max={Math.max(1, run.stepsTotal)} value={run.stepsDone} aria-label={`Setup sync progress: ${run.stepsDone} of ${run.stepsTotal} steps`} />
      <div class="table-scroll">
        <table class="table">
          <caption class="visually-hidden">Setup sync steps with their timings</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Records</th>
              <th scope="col" class="num">Requests</th>
              <th scope="col" class="num">Rate-limited</th>
              <th scope="col">Time</th>
            </tr>
          </thead>
          <tbody>
            {run.steps.map((step) => (
              <tr key={step.name} class={step.name === bottleneck ? 'is-bottleneck' : ''}>
                <th scope="row">
                  {titleCase(step.name)}
                  {step.isRequired ? <span class="tag">required</span> : null}
                  {step.name === bottleneck ? <span class="tag tag-warn">bottleneck</span> : null}
                </th>
                <td>
                  <StatusPill status={step.status} />
                  {step.error ? <div class="muted small">{step.error}</div> : null}
                </td>
                <td class="num">{formatCount(step.records)}</td>
                <td class="num">{formatCount(step.requests)}</td>
                <td class="num">{formatCount(step.rateLimited)}</td>
                <td>
                  <span class="bar" aria-hidden="true">
                    <span class="bar-fill" style={{ width: `${Math.max(2, (step.seconds / maxSeconds) * 100)}%` }} />
                  </span>
                  {formatSeconds(step.seconds)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function InstallsView({ user, query, setQuery }: ViewContext) {
  const locations = useLocations(query.get('location'));
  const installations = useLive<{ items: Installation[] }>('/api/ghl/installations', 'installations');
  const [syncGeneration, setSyncGeneration] = useState(0);
  const location = locations.selected;
  const progress = useLive<SyncProgress>(location?.ghlLocationId ? `/api/sync/progress/${encodeURIComponent(location.id)}` : null, 'progress', { endEvent: 'end', key: syncGeneration });
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const installedKey = (installations.data?.items ?? []).map((item) => `${item.id}:${item.status}:${item.installedAt ?? ''}`).join(',');
  const previousKey = useRef(installedKey);
  // A new or changed installation: the location list and the setup sync stream start over.
  useEffect(() => {
    if (previousKey.current === installedKey) return;
    previousKey.current = installedKey;
    locations.reload();
    setSyncGeneration((value) => value + 1);
  }, [installedKey]);

  const resync = async () => {
    if (!location) return;
    setActionError(undefined);
    try {
      await api<{ runId: string }>(`/api/sync/progress/${encodeURIComponent(location.id)}/resync`, { method: 'POST' });
      setSyncGeneration((value) => value + 1);
    } catch (error) {
      setActionError(describeError(error));
    }
  };

  const run = progress.data?.current ?? null;
  return (
    <div class="view-body">
      {isAdmin(user) ? (
        <ConnectPanel
          installations={installations.data?.items}
          onInstalled={(installation) => {
            if (installation.locationId) setQuery({ location: installation.locationId });
            locations.reload();
            setSyncGeneration((value) => value + 1);
          }}
        />
      ) : null}

      <section aria-labelledby="installations-title">
        <div class="section-header">
          <h2 id="installations-title" class="section-title">
            Installations
          </h2>
          <LiveIndicator status={installations.status} />
        </div>
        {installations.status === 'error' && !installations.data ? (
          installations.errorCode === 'route_not_found' ? <Empty>{NOT_CONFIGURED}</Empty> : <ErrorNotice title="Installations could not be loaded." message={installations.error} onRetry={installations.reconnect} />
        ) : null}
        {!installations.data && installations.status === 'connecting' ? <Loading what="installations" /> : null}
        {installations.data ? <InstallationsTable installations={installations.data.items} locations={locations.items} /> : null}
      </section>

      <section aria-labelledby="sync-title">
        <div class="section-header">
          <h2 id="sync-title" class="section-title">
            Setup sync{location ? ` of ${location.name}` : ''}
          </h2>
          {location?.ghlLocationId ? <LiveIndicator status={progress.status} /> : null}
        </div>
        {locations.error ? <ErrorNotice title="Locations could not be loaded." message={locations.error} onRetry={locations.reload} /> : null}
        {!locations.data && locations.isLoading ? <Loading what="locations" /> : null}
        {locations.data && locations.items.length === 0 ? <Empty>You have no locations yet. Connect GoHighLevel, or create a location through the API.</Empty> : null}
        {location ? (
          <div class="toolbar">
            <LocationPicker locations={locations.items} value={location.id} onChange={(locationId) => setQuery({ location: locationId })} />
            {isLocationAdmin(user, location.id) && location.ghlLocationId ? (
              <button type="button" class="button" onClick={() => void resync()}>
                Sync again
              </button>
            ) : null}
          </div>
        ) : null}
        {actionError ? <ErrorNotice title="The sync could not start." message={actionError} /> : null}
        {location && progress.status === 'error' && !progress.data ? <ErrorNotice title="Sync progress is unavailable." message={progress.error} onRetry={progress.reconnect} /> : null}
        {location && !location.ghlLocationId ? <Empty>{location.name} is not connected to GoHighLevel, so it has no setup sync. Connect GoHighLevel to sync it.</Empty> : null}
        {location && location.ghlLocationId && progress.data && !run ? <Empty>No setup sync has run for {location.name} yet.</Empty> : null}
        {run ? <SyncRunPanel run={run} isLive={progress.status === 'live'} /> : null}
        {progress.data && progress.data.runs.length > 1 ? (
          <details class="history">
            <summary>Earlier runs ({progress.data.runs.length - 1})</summary>
            <ul>
              {progress.data.runs.slice(1).map((earlier) => (
                <li key={earlier.id}>
                  <GradeBadge grade={earlier.grade} label="Setup sync" /> {titleCase(earlier.trigger)}, {earlier.status}, {formatTime(earlier.createdAt)}
                  {earlier.elapsedSeconds !== null ? `, ${formatSeconds(earlier.elapsedSeconds)}` : ''}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </section>
    </div>
  );
}

export const installsView: DashboardView = {
  id: 'installs',
  title: 'Installs',
  description: 'Connect GoHighLevel, watch each location’s setup sync live (steps, timings, A–F grade, bottleneck) and the state of every token.',
  isVisibleTo: () => true,
  Component: InstallsView,
};
