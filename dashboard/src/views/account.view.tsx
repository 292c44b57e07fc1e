import { useState } from 'preact/hooks';
import { api, describeError } from '../api.js';
import { Empty, ErrorNotice, Loading } from '../components/states.js';
import { formatRelative, formatTime } from '../format.js';
import { useResource } from '../live.js';
import type { UserSession } from '../types.js';
import type { DashboardView, ViewContext } from './view.js';

/** A short name for a User-Agent string: the browser and the system, when they can be told. */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown client';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrome\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : undefined;
  const system = /Windows/.test(userAgent) ? 'Windows' : /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Mac OS X/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : undefined;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}

/**
 * The signed-in user's own sessions: every login that is not logged out or expired, where it
 * started, and a way to end any of them (a lost laptop, a shared computer) or all but this one.
 */
function AccountView({ user }: ViewContext) {
  const sessions = useResource<{ items: UserSession[] }>('/api/auth/sessions');
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const [busyId, setBusyId] = useState<string | undefined>(undefined);

  const endSession = async (session: UserSession) => {
    setBusyId(session.id);
    setActionError(undefined);
    try {
      await api<void>(`/api/auth/sessions/${encodeURIComponent(session.id)}`, { method: 'DELETE' });
      setNotice(`Signed out ${describeUserAgent(session.userAgent)} (started ${formatRelative(session.createdAt)}).`);
      sessions.reload();
    } catch (error) {
      setActionError(describeError(error));
    } finally {
      setBusyId(undefined);
    }
  };

  const endOthers = async () => {
    setBusyId('others');
    setActionError(undefined);
    try {
      const { ended } = await api<{ ended: number }>('/api/auth/sessions/sign-out-others', { method: 'POST' });
      setNotice(ended === 0 ? 'There were no other sessions.' : `Signed out ${ended} other ${ended === 1 ? 'session' : 'sessions'}.`);
      sessions.reload();
    } catch (error) {
      setActionError(describeError(error));
    } finally {
      setBusyId(undefined);
    }
  };

  const items = sessions.data?.items ?? [];
  const others = items.filter((session) => !session.isCurrent);
  return (
    <div class="view-body">
      <section class="panel" aria-labelledby="account-title">
        <h2 id="account-title">{user.name}</h2>
        <p class="muted">
          {user.email} · {user.role.replace('_', ' ')}
        </p>
      </section>
      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title" class="section-title">
          Your sessions
        </h2>
        <p class="muted">Every sign-in that has not been signed out or expired. Signing one out ends it at once, on any device.</p>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        {actionError ? <ErrorNotice title="The session could not be signed out." message={actionError} /> : null}
        {sessions.error ? <ErrorNotice title="Sessions could not be loaded." message={sessions.error} onRetry={sessions.reload} /> : null}
        {!sessions.data && sessions.isLoading ? <Loading what="your sessions" /> : null}
        {sessions.data && items.length === 0 ? <Empty>No live session.</Empty> : null}
        {items.length > 0 ? (
          <>
            <div class="table-scroll">
              <table class="table" data-testid="sessions-table">
                <caption class="visually-hidden">Your live sessions, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Client</th>
                    <th scope="col">From</th>
                    <th scope="col">Signed in</th>
                    <th scope="col">Expires</th>
                    <th scope="col">
                      <span class="visually-hidden">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((session) => (
                    <tr key={session.id}>
                      <th scope="row" title={session.userAgent ?? undefined}>
                        {describeUserAgent(session.userAgent)}
                        {session.isCurrent ? (
                          <>
                            {' '}
                            <span class="pill pill-active">this session</span>
                          </>
                        ) : null}
                      </th>
                      <td>{session.ip ?? '—'}</td>
                      <td title={formatTime(session.createdAt)}>{formatRelative(session.createdAt)}</td>
                      <td>{formatTime(session.expiresAt)}</td>
                      <td>
                        {session.isCurrent ? null : (
                          <button type="button" class="button" disabled={busyId !== undefined} onClick={() => void endSession(session)}>
                            Sign out
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div class="actions">
              <button type="button" class="button" disabled={others.length === 0 || busyId !== undefined} onClick={() => void endOthers()}>
                Sign out all other sessions
              </button>
            </div>
          </>
        ) : null}
      </section>
    </div>
  );
}

export const accountView: DashboardView = {
  id: 'account',
  title: 'Account',
  description: 'Your sign-ins on every device, and signing them out.',
  isVisibleTo: () => true,
  Component: AccountView,
};
