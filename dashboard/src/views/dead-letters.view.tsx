import { useEffect, useRef, useState } from 'preact/hooks';
import { api, describeError } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { Empty, ErrorNotice, LiveIndicator, Loading, StatusPill } from '../components/states.js';
import { formatCount, formatRelative, formatTime, titleCase } from '../format.js';
import { useLive, useResource } from '../live.js';
import type { ReplayResult, WebhookEventDetail, WebhookEventSummary, WebhookOverview } from '../types.js';
import { isAdmin, type DashboardView, type ViewContext } from './view.js';

const QUEUES = ['critical', 'messages', 'contacts', 'appointments', 'projects', 'financial', 'general'] as const;
const STATUSES = ['dead', 'skipped', 'done'] as const;
const FILTER_KEYS = ['status', 'queue', 'eventType', 'ghlLocationId', 'receivedFrom', 'receivedTo'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

/** A datetime-local value ("2026-01-02T03:04") as the API's ISO time with offset. */
function toIso(local: string | null): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function filtersOf(query: URLSearchParams) {
  return {
    status: STATUSES.find((status) => status === query.get('status')) ?? 'dead',
    queue: QUEUES.find((queue) => queue === query.get('queue')),
    eventType: query.get('eventType') || undefined,
    ghlLocationId: query.get('ghlLocationId') || undefined,
    receivedFrom: toIso(query.get('receivedFrom')),
    receivedTo: toIso(query.get('receivedTo')),
  };
}

function EventDetail({ id, refreshKey, onChanged, onClose }: { id: string; refreshKey: string; onChanged: (message: string) => void; onClose: () => void }) {
  const detail = useResource<WebhookEventDetail>(`/api/webhooks/events/${encodeURIComponent(id)}`);
  const [isBusy, setIsBusy] = useState(false);
  const [isConfirmingDelete, setIsConfirmingDelete] = useState(false);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const status = detail.data?.status;
  useEffect(() => headingRef.current?.focus(), [id]);
  // While a replayed event is on its way, follow it on the live ticks (every 5 s at most).
  useEffect(() => {
    if (status === 'pending' || status === 'running' || status === 'retry') detail.reload();
  }, [refreshKey]);

  const replay = async () => {
    setIsBusy(true);
    setActionError(undefined);
    try {
      await api<ReplayResult>(`/api/webhooks/events/${encodeURIComponent(id)}/replay`, { method: 'POST' });
      onChanged(`Event ${id} was replayed; it is back in its queue.`);
      detail.reload();
    } catch (error) {
      setActionError(describeError(error));
    } finally {
      setIsBusy(false);
    }
  };
  const remove = async () => {
    setIsBusy(true);
    setActionError(undefined);
    try {
      await api<void>(`/api/webhooks/events/${encodeURIComponent(id)}`, { method: 'DELETE' });
      setIsConfirmingDelete(false);
      onChanged(`Event ${id} was deleted.`);
      onClose();
    } catch (error) {
      setActionError(describeError(error));
      setIsConfirmingDelete(false);
    } finally {
      setIsBusy(false);
    }
  };

  if (detail.error && !detail.data) return <ErrorNotice title={`Event ${id} could not be loaded.`} message={detail.error} onRetry={detail.reload} />;
  if (!detail.data) return <Loading what={`event ${id}`} />;
  const event = detail.data;
  const isFinished = event.status === 'dead' || event.status === 'skipped' || event.status === 'done';
  return (
    <section class="panel detail" aria-labelledby="event-title" data-testid="event-detail">
      <div class="panel-header">
        <h2 id="event-title" tabIndex={-1} ref={headingRef}>
          {event.eventType} <span class="muted">#{event.id}</span>
        </h2>
        <button type="button" class="button" onClick={onClose}>
          Close
        </button>
      </div>
      <dl class="facts">
        <dt>Status</dt>
        <dd data-testid="event-status">
          <StatusPill status={event.status} />
        </dd>
        <dt>Queue</dt>
        <dd>{titleCase(event.queue)}</dd>
        <dt>GHL location</dt>
        <dd>{event.ghlLocationId ?? 'none named'}</dd>
        <dt>Attempts</dt>
        <dd>
          {formatCount(event.attempts)} attempt{event.attempts === 1 ? '' : 's'}
          {event.replayCount > 0 ? `, replayed ${event.replayCount}×` : ''}
        </dd>
        <dt>Received</dt>
        <dd>
          {formatTime(event.receivedAt)} ({formatRelative(event.receivedAt)})
        </dd>
        <dt>Finished</dt>
        <dd>{event.finishedAt ? formatTime(event.finishedAt) : 'not yet'}</dd>
      </dl>
      <div class="actions">
        <button type="button" class="button button-primary" onClick={() => void replay()} disabled={isBusy || !isFinished}>
          Replay this event
        </button>
        <button type="button" class="button button-danger" onClick={() => setIsConfirmingDelete(true)} disabled={isBusy || !isFinished}>
          Delete…
        </button>
      </div>
      {actionError ? <ErrorNotice title="That did not work." message={actionError} /> : null}
      <h3>Errors</h3>
      {event.errors.length === 0 ? (
        <Empty>No errors recorded{event.lastError ? `; note: ${event.lastError}` : ''}.</Empty>
      ) : (
        <ol class="errors">
          {event.errors.map((entry) => (
            <li key={`${entry.attempt}-${entry.at}`}>
              <span class="muted">
                Attempt {entry.attempt}, {formatTime(entry.at)}:
              </span>{' '}
              <code>{entry.error}</code>
            </li>
          ))}
        </ol>
      )}
      <h3>Payload</h3>
      <pre class="code" tabIndex={0} aria-label="Event payload (JSON)">
        {JSON.stringify(event.payload, null, 2)}
      </pre>
      <ConfirmDialog isOpen={isConfirmingDelete} title={`Delete event ${event.id}?`} confirmLabel="Delete the event" isDanger isBusy={isBusy} onConfirm={() => void remove()} onCancel={() => setIsConfirmingDelete(false)}>
        <p>The event and its payload are removed for good; it cannot be replayed afterwards.</p>
      </ConfirmDialog>
    </section>
  );
}

function DeadLettersView({ query, setQuery }: ViewContext) {
  const filters = filtersOf(query);
  const selectedId = query.get('event');
  const overview = useLive<WebhookOverview>('/api/webhooks/overview', 'overview');
  const listQuery = { ...filters, limit: 50 };
  const [pages, setPages] = useState<WebhookEventSummary[][]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [listError, setListError] = useState<string | undefined>(undefined);
  const [isLoading, setIsLoading] = useState(true);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [replayCount, setReplayCount] = useState<number | null>(null);
  const [isReplaying, setIsReplaying] = useState(false);
  const filterKey = JSON.stringify(listQuery);
  const readDraft = () => Object.fromEntries(FILTER_KEYS.map((key) => [key, query.get(key) ?? (key === 'status' ? 'dead' : '')])) as Record<FilterKey, string>;
  const [draft, setDraft] = useState(readDraft);
  useEffect(() => setDraft(readDraft()), [FILTER_KEYS.map((key) => query.get(key)).join('\u0000')]);

  const loadFirstPage = async () => {
    try {
      const page = await api<{ items: WebhookEventSummary[]; nextCursor: string | null }>('/api/webhooks/events', { query: listQuery });
      setPages([page.items]);
      setCursor(page.nextCursor);
      setListError(undefined);
    } catch (error) {
      setListError(describeError(error));
    } finally {
      setIsLoading(false);
    }
  };
  useEffect(() => {
    setIsLoading(true);
    void loadFirstPage();
  }, [filterKey]);
  // The list follows the live dead-letter count (and each replay or delete made here).
  const deadCount = overview.data?.total.dead;
  useEffect(() => {
    if (deadCount !== undefined) void loadFirstPage();
  }, [deadCount]);

  const loadMore = async () => {
    if (!cursor) return;
    try {
      const page = await api<{ items: WebhookEventSummary[]; nextCursor: string | null }>('/api/webhooks/events', { query: { ...listQuery, cursor } });
      setPages((current) => [...current, page.items]);
      setCursor(page.nextCursor);
    } catch (error) {
      setListError(describeError(error));
    }
  };

  const replayBody = { status: filters.status, queue: filters.queue, eventType: filters.eventType, ghlLocationId: filters.ghlLocationId, receivedFrom: filters.receivedFrom, receivedTo: filters.receivedTo };
  const countMatching = async () => {
    setNotice(undefined);
    try {
      const result = await api<ReplayResult>('/api/webhooks/replay', { method: 'POST', body: { ...replayBody, dryRun: true } });
      setReplayCount(result.matched);
    } catch (error) {
      setListError(describeError(error));
    }
  };
  const replayMatching = async () => {
    setIsReplaying(true);
    try {
      const result = await api<ReplayResult>('/api/webhooks/replay', { method: 'POST', body: { ...replayBody, dryRun: false } });
      setNotice(`Replayed ${formatCount(result.replayed)} event${result.replayed === 1 ? '' : 's'}.`);
      setReplayCount(null);
      await loadFirstPage();
    } catch (error) {
      setListError(describeError(error));
      setReplayCount(null);
    } finally {
      setIsReplaying(false);
    }
  };

  const onFilter = (event: Event) => {
    event.preventDefault();
    const patch: Record<string, string | undefined> = { event: undefined };
    for (const key of FILTER_KEYS) {
      const value = draft[key].trim();
      patch[key] = value.length > 0 && !(key === 'status' && value === 'dead') ? value : undefined;
    }
    setQuery(patch);
  };
  const items = pages.flat();
  const field = (key: FilterKey) => ({
    name: key,
    value: draft[key],
    onInput: (event: Event) => setDraft({ ...draft, [key]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value }),
  });

  return (
    <div class="view-body">
      <div class="toolbar">
        <LiveIndicator status={overview.status} />
        {overview.data ? <span class="muted">{formatCount(overview.data.total.dead)} dead letters in all queues</span> : null}
      </div>
      <form class="filters" onSubmit={onFilter} aria-label="Filter events">
        <label class="field">
          <span>Status</span>
          <select {...field('status')}>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {titleCase(status)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Queue</span>
          <select {...field('queue')}>
            <option value="">All queues</option>
            {QUEUES.map((queue) => (
              <option key={queue} value={queue}>
                {titleCase(queue)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Event type</span>
          <input {...field('eventType')} placeholder="e.g. ContactUpdate" maxLength={100} />
        </label>
        <label class="field">
          <span>GHL location id</span>
          <input {...field('ghlLocationId')} maxLength={200} />
        </label>
        <label class="field">
          <span>Received from</span>
          <input type="datetime-local" {...field('receivedFrom')} />
        </label>
        <label class="field">
          <span>Received before</span>
          <input type="datetime-local" {...field('receivedTo')} />
        </label>
        <div class="filter-actions">
          <button type="submit" class="button">
            Apply filters
          </button>
          <button type="button" class="button button-primary" onClick={() => void countMatching()}>
            Replay all matching…
          </button>
        </div>
      </form>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      {listError ? <ErrorNotice title="Events could not be loaded." message={listError} onRetry={() => void loadFirstPage()} /> : null}
      <div class={selectedId ? 'split' : ''}>
        <section aria-labelledby="events-title">
          <h2 id="events-title" class="section-title">
            {titleCase(filters.status)} events
          </h2>
          {isLoading ? <Loading what="events" /> : null}
          {!isLoading && items.length === 0 && !listError ? (
            <Empty>{filters.status === 'dead' ? 'No dead letters match. Events that fail every attempt land here.' : `No ${filters.status} events match these filters.`}</Empty>
          ) : null}
          {items.length > 0 ? (
            <div class="table-scroll">
              <table class="table" data-testid="events-table">
                <caption class="visually-hidden">Events matching the filters, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">Queue</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num">Attempts</th>
                    <th scope="col">Last error</th>
                    <th scope="col">Received</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((item) => (
                    <tr key={item.id} class={item.id === selectedId ? 'is-selected' : ''}>
                      <th scope="row">
                        <button type="button" class="link-button" onClick={() => setQuery({ event: item.id })} aria-label={`Open event ${item.id}, ${item.eventType}`}>
                          {item.eventType} <span class="muted">#{item.id}</span>
                        </button>
                      </th>
                      <td>{titleCase(item.queue)}</td>
                      <td>
                        <StatusPill status={item.status} />
                      </td>
                      <td class="num">{formatCount(item.attempts)}</td>
                      <td class="truncate" title={item.lastError ?? ''}>
                        {item.lastError ?? '—'}
                      </td>
                      <td>{formatRelative(item.receivedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {cursor ? (
            <button type="button" class="button" onClick={() => void loadMore()}>
              Load more
            </button>
          ) : null}
        </section>
        {selectedId ? (
          <EventDetail
            key={selectedId}
            id={selectedId}
            refreshKey={overview.data?.checkedAt ?? ''}
            onChanged={(message) => {
              setNotice(message);
              void loadFirstPage();
            }}
            onClose={() => setQuery({ event: undefined })}
          />
        ) : null}
      </div>
      <ConfirmDialog isOpen={replayCount !== null} title="Replay matching events?" confirmLabel={`Replay ${formatCount(replayCount ?? 0)} events`} isBusy={isReplaying || replayCount === 0} onConfirm={() => void replayMatching()} onCancel={() => setReplayCount(null)}>
        <p data-testid="dry-run-count">
          {replayCount === 0 ? 'No events match these filters; nothing to replay.' : `${formatCount(replayCount ?? 0)} ${filters.status} event${replayCount === 1 ? '' : 's'} match these filters. Each goes back to its queue and is processed again.`}
        </p>
      </ConfirmDialog>
    </div>
  );
}

export const deadLettersView: DashboardView = {
  id: 'dead-letters',
  title: 'Dead letters',
  description: 'Events that failed every attempt: payload, attempts and errors; replay one or many, or delete.',
  isVisibleTo: isAdmin,
  Component: DeadLettersView,
};
