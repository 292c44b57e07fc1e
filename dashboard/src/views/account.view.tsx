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

/** Change password: the current one, the new one twice; the API signs out every other session. */
function PasswordPanel({ onChanged }: { onChanged: (endedSessions: number) => void }) {
  const [form, setForm] = useState({ currentPassword: '', newPassword: '', repeat: '' });
  const [error, setError] = useState<string | undefined>(undefined);
  const [isBusy, setIsBusy] = useState(false);
  const bind = (name: keyof typeof form) => ({
    value: form[name],
    onInput: (event: Event) => setForm((current) => ({ ...current, [name]: (event.currentTarget as HTMLInputElement).value })),
  });
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    if (form.newPassword !== form.repeat) {
      setError('The two new passwords differ.');
      return;
    }
    setIsBusy(true);
    try {
      const { endedSessions } = await api<{ endedSessions: number }>('/api/auth/password', { method: 'POST', body: { currentPassword: form.currentPassword, newPassword: form.newPassword } });
      setForm({ currentPassword: '', newPassword: '', repeat: '' });
      onChanged(endedSessions);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setIsBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <form class="stack" aria-label="Change password" onSubmit={(event) => void submit(event)}>
        <label class="field">
          <span>Current password</span>
          <input {...bind('currentPassword')} type="password" required autoComplete="current-password" maxLength={200} />
        </label>
        <label class="field">
          <span>New password</span>
          <input {...bind('newPassword')} type="password" required minLength={10} autoComplete="new-password" maxLength={200} />
          <small class="muted">At least 10 characters. Your other sessions are signed out.</small>
        </label>
        <label class="field">
          <span>New password again</span>
          <input {...bind('repeat')} type="password" required minLength={10} autoComplete="new-password" maxLength={200} />
        </label>
        {error ? (
          <p class="form-error" role="alert" data-testid="password-error">
            {error}
          </p>
        ) : null}
        <div class="actions">
          <button type="submit" class="button button-primary" disabled={isBusy}>
            Change password
          </button>
        </div>
      </form>
    </section>
  );
}

/**
 * The signed-in user's password and own sessions: every login that is not logged out or expired,
 * where it started, and a way to end any of them (a lost laptop, a shared computer) or all but this one.
 */
function AccountView({ user }: ViewContext) {
  const sessions = useResource<{ items: UserSession[] }>('/api/auth/sessions');
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const [isBusy, setIsBusy] = useState(false);

  /** One sign-out action: its request, then the notice it leaves and the list read again. */
  const signOut = async (request: () => Promise<string>) => {
    setIsBusy(true);
    setActionError(undefined);
    try {
      setNotice(await request());
      sessions.reload();
    } catch (error) {
      setActionError(describeError(error));
    } finally {
      setIsBusy(false);
    }
  };
  const endSession = (session: UserSession) =>
    signOut(async () => {
      await api<void>(`/api/auth/sessions/${encodeURIComponent(session.id)}`, { method: 'DELETE' });
      return `Signed out ${describeUserAgent(session.userAgent)} (started ${formatRelative(session.createdAt)}).`;
    });
  const endOthers = () =>
    signOut(async () => {
      const { ended } = await api<{ ended: number }>('/api/auth/sessions/sign-out-others', { method: 'POST' });
      return ended === 0 ? 'There were no other sessions.' : `Signed out ${ended} other ${ended === 1 ? 'session' : 'sessions'}.`;
    });

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
      <PasswordPanel
        onChanged={(endedSessions) => {
          setNotice(`Password changed. ${endedSessions === 0 ? 'You had no other sessions.' : `Signed out ${endedSessions} other ${endedSessions === 1 ? 'session' : 'sessions'}.`}`);
          sessions.reload();
        }}
      />
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
                          <button type="button" class="button" disabled={isBusy} onClick={() => void endSession(session)}>
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
              <button type="button" class="button" disabled={others.length === 0 || isBusy} onClick={() => void endOthers()}>
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
  description: 'Your password, your sign-ins on every device, and signing them out.',
  isVisibleTo: () => true,
  Component: AccountView,
};
