import { useEffect, useRef, useState } from 'preact/hooks';
import { api, describeError, onUnauthenticated, setCsrfToken } from './api.js';
import { ErrorNotice, Loading } from './components/states.js';
import { LoginPage } from './login-page.js';
import type { BrowserSession, SessionState, User } from './types.js';
import { DASHBOARD_VIEWS } from './views/index.js';
import type { DashboardView } from './views/view.js';

const BASE = '/dashboard';

type AppState =
  | { kind: 'loading' }
  | { kind: 'unreachable'; message: string }
  | { kind: 'anonymous'; isDemoAvailable: boolean; reason: 'expired' | 'logged_out' | undefined }
  | { kind: 'signed_in'; user: User; isDemoAvailable: boolean };

interface Route {
  viewId: string;
  query: URLSearchParams;
}

function readRoute(): Route {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : '';
  return { viewId: path.replace(/^\/+|\/+$/g, '').split('/')[0] ?? '', query: new URLSearchParams(window.location.search) };
}

const ROLE_NAMES: Record<User['role'], string> = { platform_admin: 'Platform admin', agency_admin: 'Agency admin', member: 'Location member' };

function Frame({ user, onLogout }: { user: User; onLogout: () => void }) {
  const views = DASHBOARD_VIEWS.filter((view) => view.isVisibleTo(user));
  const [route, setRoute] = useState<Route>(readRoute);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const current: DashboardView | undefined = views.find((view) => view.id === route.viewId) ?? views[0];

  useEffect(() => {
    const onPop = () => setRoute(readRoute());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  useEffect(() => {
    document.title = current ? `${current.title} · Switchboard` : 'Switchboard';
  }, [current?.id]);

  const go = (viewId: string, query: URLSearchParams, isReplace = false) => {
    const search = query.toString();
    const url = `${BASE}/${viewId}${search ? `?${search}` : ''}`;
    if (isReplace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
    setRoute({ viewId, query });
  };
  const navigate = (viewId: string, query: Record<string, string> = {}) => {
    go(viewId, new URLSearchParams(query));
    // Moving to another page moves focus to its heading (screen readers announce it).
    window.setTimeout(() => headingRef.current?.focus(), 0);
  };
  const setQuery = (patch: Record<string, string | undefined>) => {
    const query = new URLSearchParams(route.query);
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || value === '') query.delete(key);
      else query.set(key, value);
    }
    go(current?.id ?? route.viewId, query, true);
  };

  return (
    <div class="frame">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Switchboard</span>
        <nav aria-label="Dashboard views" class="nav">
          {views.map((view) => (
            <a
              key={view.id}
              href={`${BASE}/${view.id}`}
              class="nav-link"
              aria-current={view.id === current?.id ? 'page' : undefined}
              onClick={(event) => {
                if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                event.preventDefault();
                navigate(view.id);
              }}
            >
              {view.title}
            </a>
          ))}
        </nav>
        <div class="account">
          <span class="account-name" title={user.email}>
            {user.name} <span class="muted">· {ROLE_NAMES[user.role]}</span>
          </span>
          <button type="button" class="button button-small" onClick={onLogout}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" class="main">
        {current ? (
          <>
            <h1 tabIndex={-1} ref={headingRef}>
              {current.title}
            </h1>
            <p class="view-description">{current.description}</p>
            <current.Component key={current.id} user={user} query={route.query} setQuery={setQuery} navigate={navigate} />
          </>
        ) : (
          <p>No view is available for your role.</p>
        )}
      </main>
    </div>
  );
}

export function App() {
  const [state, setState] = useState<AppState>({ kind: 'loading' });

  const loadSession = async () => {
    try {
      const session = await api<SessionState>('/api/auth/session', { isAuthAttempt: true });
      setCsrfToken(session.csrfToken);
      setState(session.isAuthenticated && session.user ? { kind: 'signed_in', user: session.user, isDemoAvailable: session.isDemoAvailable } : { kind: 'anonymous', isDemoAvailable: session.isDemoAvailable, reason: undefined });
    } catch (error) {
      setState({ kind: 'unreachable', message: describeError(error) });
    }
  };

  useEffect(() => {
    void loadSession();
    // Any 401 on a signed-in request: the session expired (or the user lost access); back to login.
    return onUnauthenticated(() => {
      setCsrfToken(null);
      setState((current) => ({ kind: 'anonymous', isDemoAvailable: current.kind === 'signed_in' || current.kind === 'anonymous' ? current.isDemoAvailable : false, reason: 'expired' }));
    });
  }, []);

  const onSession = (session: BrowserSession) => {
    setCsrfToken(session.csrfToken);
    setState((current) => ({ kind: 'signed_in', user: session.user, isDemoAvailable: current.kind === 'anonymous' ? current.isDemoAvailable : false }));
  };

  const logout = async () => {
    try {
      await api<void>('/api/auth/session', { method: 'DELETE', isAuthAttempt: true });
    } finally {
      setCsrfToken(null);
      setState((current) => ({ kind: 'anonymous', isDemoAvailable: current.kind === 'signed_in' ? current.isDemoAvailable : false, reason: 'logged_out' }));
    }
  };

  switch (state.kind) {
    case 'loading':
      return (
        <main class="login" id="main">
          <Loading what="your session" />
        </main>
      );
    case 'unreachable':
      return (
        <main class="login" id="main">
          <ErrorNotice title="The dashboard cannot reach the Switchboard API." message={state.message} onRetry={() => void loadSession()} />
        </main>
      );
    case 'anonymous':
      return <LoginPage isDemoAvailable={state.isDemoAvailable} reason={state.reason} onSession={onSession} />;
    case 'signed_in':
      return <Frame user={state.user} onLogout={() => void logout()} />;
  }
}
