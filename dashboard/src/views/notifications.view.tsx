import { useEffect, useRef, useState } from 'preact/hooks';
import { api, describeError, withQuery } from '../api.js';
import { Empty, ErrorNotice, LiveIndicator, Loading, Stat, StatusPill } from '../components/states.js';
import { formatCount, formatRelative, formatTime, titleCase } from '../format.js';
import { useLive, useResource } from '../live.js';
import type { CapturedMessage, DeliveryPage, DeliveryStatus, DeliverySummary, NotificationChannel, NotificationDelivery, User } from '../types.js';
import type { DashboardView, ViewContext } from './view.js';

const CHANNELS: readonly NotificationChannel[] = ['email', 'sms', 'webhook'];
const STATUSES: readonly DeliveryStatus[] = ['queued', 'waiting', 'sending', 'sent', 'delivered', 'bounced', 'failed', 'skipped'];
const IN_PROGRESS: readonly DeliveryStatus[] = ['queued', 'waiting', 'sending'];
const WINDOWS = [
  { id: '24h', hours: 24, label: 'Last day' },
  { id: '7d', hours: 168, label: 'Last 7 days' },
] as const;
const PAGE_SIZE = 50;
const CHANNEL_NAMES: Record<NotificationChannel, string> = { email: 'Email', sms: 'SMS', webhook: 'Webhook' };

/** The notifications API belongs to agency admins (a platform admin acts for the agency they belong to). */
function canManageNotifications(user: User): boolean {
  return user.role === 'agency_admin' || user.role === 'platform_admin';
}

interface ChannelRow {
  channel: NotificationChannel;
  total: number;
  byStatus: Partial<Record<DeliveryStatus, number>>;
  retried: number;
}

function channelRows(summary: DeliverySummary): ChannelRow[] {
  return CHANNELS.map((channel) => {
    const cells = summary.byChannel.filter((cell) => cell.channel === channel);
    const byStatus: Partial<Record<DeliveryStatus, number>> = {};
    for (const cell of cells) byStatus[cell.status] = (byStatus[cell.status] ?? 0) + cell.total;
    return { channel, total: cells.reduce((sum, cell) => sum + cell.total, 0), byStatus, retried: cells.reduce((sum, cell) => sum + cell.retried, 0) };
  });
}

const sumOf = (row: ChannelRow, statuses: readonly DeliveryStatus[]) => statuses.reduce((sum, status) => sum + (row.byStatus[status] ?? 0), 0);

function Counts({ summary, hours }: { summary: DeliverySummary; hours: number }) {
  const rows = channelRows(summary);
  const all = rows.reduce<ChannelRow>(
    (total, row) => {
      for (const status of STATUSES) total.byStatus[status] = (total.byStatus[status] ?? 0) + (row.byStatus[status] ?? 0);
      return { ...total, total: total.total + row.total, retried: total.retried + row.retried };
    },
    { channel: 'email', total: 0, byStatus: {}, retried: 0 },
  );
  const window = hours === 24 ? 'last day' : 'last 7 days';
  return (
    <section aria-labelledby="counts-title">
      <h2 id="counts-title" class="section-title">
        Deliveries, {window}
      </h2>
      <div class="stats" data-testid="delivery-stats">
        <Stat label="Deliveries" value={formatCount(all.total)} hint={`created in the ${window}`} />
        <Stat label="Sent or delivered" value={formatCount(sumOf(all, ['sent', 'delivered']))} hint="accepted by the provider or the endpoint" />
        <Stat label="Failed" value={formatCount(sumOf(all, ['failed', 'bounced']))} hint="failed or bounced; resend after fixing the cause" />
        <Stat label="Retried" value={formatCount(all.retried)} hint="took more than one attempt" />
        <Stat label="On their way" value={formatCount(sumOf(all, IN_PROGRESS))} hint="queued, waiting (quiet hours) or sending" />
        <Stat label="Skipped" value={formatCount(all.byStatus.skipped ?? 0)} hint="a preference, an opt-out or a disabled endpoint" />
      </div>
      <div class="table-scroll">
        <table class="table" data-testid="channel-counts">
          <caption class="visually-hidden">Deliveries by channel and status, {window}</caption>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col" class="num">Total</th>
              <th scope="col" class="num">Sent</th>
              <th scope="col" class="num">Delivered</th>
              <th scope="col" class="num">Failed</th>
              <th scope="col" class="num">Bounced</th>
              <th scope="col" class="num">Skipped</th>
              <th scope="col" class="num">On their way</th>
              <th scope="col" class="num">Retried</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.channel}>
                <th scope="row">{CHANNEL_NAMES[row.channel]}</th>
                <td class="num">{formatCount(row.total)}</td>
                <td class="num">{formatCount(row.byStatus.sent ?? 0)}</td>
                <td class="num">{formatCount(row.byStatus.delivered ?? 0)}</td>
                <td class="num">{formatCount(row.byStatus.failed ?? 0)}</td>
                <td class="num">{formatCount(row.byStatus.bounced ?? 0)}</td>
                <td class="num">{formatCount(row.byStatus.skipped ?? 0)}</td>
                <td class="num">{formatCount(sumOf(row, IN_PROGRESS))}</td>
                <td class="num">{formatCount(row.retried)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function EndpointHealthTable({ summary }: { summary: DeliverySummary }) {
  return (
    <section aria-labelledby="endpoints-title">
      <h2 id="endpoints-title" class="section-title">
        Webhook endpoints
      </h2>
      {summary.endpoints.length === 0 ? (
        <Empty>No webhook endpoints yet. Add one with POST /api/notifications/webhook-endpoints; its health shows here.</Empty>
      ) : (
        <div class="table-scroll">
          <table class="table" data-testid="endpoint-health">
            <caption class="visually-hidden">Webhook endpoints: enabled or disabled, failing since, last delivery</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">State</th>
                <th scope="col">Failing since</th>
                <th scope="col">Last status</th>
                <th scope="col">Last success</th>
              </tr>
            </thead>
            <tbody>
              {summary.endpoints.map((endpoint) => (
                <tr key={endpoint.id}>
                  <th scope="row" class="truncate" title={endpoint.url}>
                    {endpoint.url}
                  </th>
                  <td>
                    <StatusPill status={endpoint.isEnabled ? 'enabled' : 'disabled'} />
                    {endpoint.disabledReason ? <div class="muted small">{endpoint.disabledReason}</div> : null}
                  </td>
                  <td>{endpoint.failingSince ? <span title={formatTime(endpoint.failingSince)}>{formatRelative(endpoint.failingSince)}</span> : <span class="muted">not failing</span>}</td>
                  <td>
                    {endpoint.lastDelivery ? (
                      <>
                        <StatusPill status={endpoint.lastDelivery.status} /> <span class="muted small">{formatRelative(endpoint.lastDelivery.at)}</span>
                        {endpoint.lastDelivery.reason ? <div class="muted small">{endpoint.lastDelivery.reason}</div> : null}
                      </>
                    ) : (
                      <span class="muted">no delivery yet</span>
                    )}
                  </td>
                  <td>{endpoint.lastSuccessAt ? formatRelative(endpoint.lastSuccessAt) : <span class="muted">never</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DeliveryList({ query, setQuery, summary }: { query: URLSearchParams; setQuery: ViewContext['setQuery']; summary: DeliverySummary | undefined }) {
  const channel = CHANNELS.find((name) => name === query.get('channel'));
  const status = STATUSES.find((name) => name === query.get('status'));
  const [page, setPage] = useState<DeliveryPage | undefined>(undefined);
  const [listError, setListError] = useState<string | undefined>(undefined);
  const [limit, setLimit] = useState(PAGE_SIZE);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [resendError, setResendError] = useState<{ id: string; message: string } | undefined>(undefined);

  // Loads overlap (a filter change, a live summary update): only the latest one may set the list, or
  // an older answer for other filters arriving last would stay on screen.
  const latestLoad = useRef(0);
  const load = async () => {
    const ticket = (latestLoad.current += 1);
    try {
      const next = await api<DeliveryPage>('/api/notifications/deliveries', { query: { channel, status, limit } });
      if (ticket !== latestLoad.current) return;
      setPage(next);
      setListError(undefined);
    } catch (error) {
      if (ticket === latestLoad.current) setListError(describeError(error));
    }
  };
  useEffect(() => {
    void load();
  }, [channel, status, limit]);
  // The list follows the live summary: it is sent again only when some count or endpoint changed.
  useEffect(() => {
    if (summary) void load();
  }, [summary]);

  const resend = async (delivery: NotificationDelivery) => {
    setBusyId(delivery.id);
    setNotice(undefined);
    setResendError(undefined);
    try {
      const created = await api<NotificationDelivery>(`/api/notifications/deliveries/${encodeURIComponent(delivery.id)}/resend`, { method: 'POST' });
      setNotice(`Delivery ${delivery.id} is being sent again as ${created.id}.`);
      await load();
    } catch (error) {
      setResendError({ id: delivery.id, message: describeError(error) });
    } finally {
      setBusyId(null);
    }
  };

  const onSelect = (key: 'channel' | 'status') => (event: Event) => setQuery({ [key]: (event.currentTarget as HTMLSelectElement).value || undefined });
  const items = page?.items ?? [];
  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title" class="section-title">
        Delivery log
      </h2>
      <div class="filters" role="group" aria-label="Filter deliveries">
        <label class="field">
          <span>Channel</span>
          <select name="channel" value={channel ?? ''} onChange={onSelect('channel')}>
            <option value="">All channels</option>
            {CHANNELS.map((name) => (
              <option key={name} value={name}>
                {CHANNEL_NAMES[name]}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Status</span>
          <select name="status" value={status ?? ''} onChange={onSelect('status')}>
            <option value="">All statuses</option>
            {STATUSES.map((name) => (
              <option key={name} value={name}>
                {titleCase(name)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      {resendError ? (
        <div data-testid="resend-error">
          <ErrorNotice title={`Delivery ${resendError.id} was not sent again.`} message={resendError.message} />
        </div>
      ) : null}
      {listError ? <ErrorNotice title="The delivery log could not be loaded." message={listError} onRetry={() => void load()} /> : null}
      {!page && !listError ? <Loading what="deliveries" /> : null}
      {page && items.length === 0 ? <Empty>{channel || status ? 'No deliveries match these filters.' : 'No deliveries yet. Every notify() call and POST /api/notifications/send shows here, one row per channel and recipient.'}</Empty> : null}
      {items.length > 0 ? (
        <div class="table-scroll">
          <table class="table" data-testid="deliveries-table">
            <caption class="visually-hidden">Deliveries matching the filters, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event and recipient</th>
                <th scope="col">Channel</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">Attempts</th>
                <th scope="col">Reason</th>
                <th scope="col">Provider message id</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((delivery) => (
                <tr key={delivery.id} data-delivery-id={delivery.id}>
                  <th scope="row">
                    {delivery.event} <span class="muted">#{delivery.id}</span>
                    <div class="muted small">{delivery.recipient || 'no address'}</div>
                    {delivery.resendOf ? <div class="muted small">resend of {delivery.resendOf}</div> : null}
                  </th>
                  <td>{CHANNEL_NAMES[delivery.channel]}</td>
                  <td>
                    <StatusPill status={delivery.status} />
                  </td>
                  <td class="num">
                    {formatCount(delivery.attempts)}
                    {delivery.attempts > 1 ? <span class="tag tag-warn">retried</span> : null}
                  </td>
                  <td class="truncate" title={delivery.reason ?? ''}>
                    {delivery.reason ?? '—'}
                  </td>
                  <td class="truncate" title={delivery.providerMessageId ?? ''}>
                    {delivery.provider ? <span class="muted">{delivery.provider} </span> : null}
                    {delivery.providerMessageId ?? '—'}
                  </td>
                  <td title={formatTime(delivery.createdAt)}>{formatRelative(delivery.createdAt)}</td>
                  <td>
                    {delivery.isResendable ? (
                      <button type="button" class="button button-small" disabled={busyId !== null} onClick={() => void resend(delivery)} aria-label={`Resend delivery ${delivery.id}`}>
                        Resend
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {page ? (
        <p class="muted small">
          Showing {formatCount(items.length)} of {formatCount(page.total)} deliveries, newest first.
          {page.total > items.length && limit < 200 ? (
            <>
              {' '}
              <button type="button" class="link-button" onClick={() => setLimit(Math.min(200, limit + PAGE_SIZE))}>
                Show more
              </button>
            </>
          ) : null}
        </p>
      ) : null}
    </section>
  );
}

function preview(message: CapturedMessage): string {
  const text = message.text.replace(/\s+/g, ' ').trim();
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function SandboxInbox({ summary }: { summary: DeliverySummary | undefined }) {
  const inbox = useResource<CapturedMessage[]>('/api/notifications/sandbox/messages');
  useEffect(() => {
    if (summary) inbox.reload();
  }, [summary]);
  const messages = [...(inbox.data ?? [])].sort((a, b) => b.capturedAt.localeCompare(a.capturedAt));
  return (
    <section aria-labelledby="inbox-title">
      <h2 id="inbox-title" class="section-title">
        Captured by the local provider fakes
      </h2>
      <p class="muted small">Sandbox mode: nothing leaves this machine. The SMTP capture server and the SendGrid, Resend and Twilio fakes keep what your agency sent.</p>
      {inbox.error && !inbox.data ? <ErrorNotice title="The sandbox inbox could not be loaded." message={inbox.error} onRetry={inbox.reload} /> : null}
      {!inbox.data && inbox.isLoading ? <Loading what="captured messages" /> : null}
      {inbox.data && messages.length === 0 ? <Empty>Nothing captured yet. Send a notification and it shows here.</Empty> : null}
      {messages.length > 0 ? (
        <div class="table-scroll">
          <table class="table" data-testid="sandbox-inbox">
            <caption class="visually-hidden">Captured messages, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">To</th>
                <th scope="col">Subject and message</th>
                <th scope="col">Captured</th>
              </tr>
            </thead>
            <tbody>
              {messages.map((message) => (
                <tr key={message.id}>
                  <td>
                    {CHANNEL_NAMES[message.channel]} <span class="muted small">{message.provider}</span>
                  </td>
                  <th scope="row">{message.to}</th>
                  <td>
                    {message.subject ? <strong>{message.subject}</strong> : null}
                    <div class="muted small">{preview(message)}</div>
                  </td>
                  <td title={formatTime(message.capturedAt)}>{formatRelative(message.capturedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function AgencyNotifications({ query, setQuery }: ViewContext) {
  const window = WINDOWS.find((option) => option.id === query.get('window')) ?? WINDOWS[0];
  const summary = useLive<DeliverySummary>(withQuery('/api/notifications/deliveries/summary', { hours: window.hours }), 'summary');
  const hasInbox = summary.data?.hasSandboxInbox === true;
  const tab = hasInbox && query.get('tab') === 'inbox' ? 'inbox' : 'deliveries';
  return (
    <div class="view-body">
      <div class="toolbar">
        <LiveIndicator status={summary.status} />
        <div class="segmented" role="tablist" aria-label="Notifications">
          <button type="button" role="tab" class="segment" aria-selected={tab === 'deliveries'} onClick={() => setQuery({ tab: undefined })}>
            Deliveries
          </button>
          {hasInbox ? (
            <button type="button" role="tab" class="segment" aria-selected={tab === 'inbox'} onClick={() => setQuery({ tab: 'inbox' })}>
              Sandbox inbox
            </button>
          ) : null}
        </div>
        {tab === 'deliveries' ? (
          <div class="segmented" role="group" aria-label="Counting window">
            {WINDOWS.map((option) => (
              <button key={option.id} type="button" class="segment" aria-pressed={window.id === option.id} onClick={() => setQuery({ window: option.id === '24h' ? undefined : option.id })}>
                {option.label}
              </button>
            ))}
          </div>
        ) : null}
      </div>
      {summary.status === 'error' && !summary.data ? <ErrorNotice title="The delivery summary is unavailable." message={summary.error} onRetry={summary.reconnect} /> : null}
      {!summary.data && summary.status === 'connecting' ? <Loading what="the delivery summary" /> : null}
      {tab === 'inbox' ? (
        <SandboxInbox summary={summary.data} />
      ) : (
        <>
          {summary.data ? <Counts summary={summary.data} hours={window.hours} /> : null}
          <DeliveryList query={query} setQuery={setQuery} summary={summary.data} />
          {summary.data ? <EndpointHealthTable summary={summary.data} /> : null}
        </>
      )}
    </div>
  );
}

function NotificationsView(context: ViewContext) {
  if (context.user.companyId === null) {
    return (
      <div class="view-body">
        <Empty>Notifications belong to an agency: its deliveries, webhook endpoints and sandbox inbox. This platform admin account is not part of an agency, so there is nothing to show here.</Empty>
      </div>
    );
  }
  return <AgencyNotifications {...context} />;
}

export const notificationsView: DashboardView = {
  id: 'notifications',
  title: 'Notifications',
  description: 'Email, SMS and webhook deliveries by channel and status, failures and retries, resend, webhook endpoint health — live; the sandbox inbox in sandbox mode.',
  isVisibleTo: canManageNotifications,
  Component: NotificationsView,
};
