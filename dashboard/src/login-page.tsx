import { useState } from 'preact/hooks';
import { api, describeError } from './api.js';
import type { BrowserSession } from './types.js';

type Mode = 'login' | 'signup';

/** Log in with a Switchboard account, create an agency, or (in development) open the demo agency. */
export function LoginPage({ isDemoAvailable, reason, onSession }: { isDemoAvailable: boolean; reason: 'expired' | 'logged_out' | undefined; onSession: (session: BrowserSession) => void }) {
  const [mode, setMode] = useState<Mode>('login');
  const [error, setError] = useState<string | undefined>(undefined);
  const [isBusy, setIsBusy] = useState(false);
  const [form, setForm] = useState({ email: '', password: '', name: '', companyName: '', inviteCode: '' });
  const bind = (key: keyof typeof form) => ({
    name: key,
    value: form[key],
    onInput: (event: Event) => setForm({ ...form, [key]: (event.currentTarget as HTMLInputElement).value }),
  });

  const run = async (work: () => Promise<BrowserSession>) => {
    setIsBusy(true);
    setError(undefined);
    try {
      onSession(await work());
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setIsBusy(false);
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    if (mode === 'login') {
      void run(() => api<BrowserSession>('/api/auth/session', { method: 'POST', body: { email: form.email, password: form.password }, isAuthAttempt: true }));
      return;
    }
    const body = form.inviteCode.trim().length > 0
      ? { email: form.email, password: form.password, name: form.name, inviteCode: form.inviteCode.trim() }
      : { email: form.email, password: form.password, name: form.name, companyName: form.companyName };
    void run(() => api<BrowserSession>('/api/auth/session/register', { method: 'POST', body, isAuthAttempt: true }));
  };

  return (
    <main class="login" id="main">
      <div class="login-card">
        <h1>Switchboard</h1>
        <p class="muted">The operator dashboard of your GoHighLevel backend.</p>
        {reason === 'expired' ? (
          <p class="notice" role="status">
            Your session has ended. Log in again to continue.
          </p>
        ) : null}
        {reason === 'logged_out' ? (
          <p class="notice" role="status">
            You are logged out.
          </p>
        ) : null}
        <div class="segmented" role="tablist" aria-label="Log in or sign up">
          <button type="button" role="tab" class="segment" aria-selected={mode === 'login'} onClick={() => setMode('login')}>
            Log in
          </button>
          <button type="button" role="tab" class="segment" aria-selected={mode === 'signup'} onClick={() => setMode('signup')}>
            Create an agency
          </button>
        </div>
        <form onSubmit={submit} class="stack" aria-label={mode === 'login' ? 'Log in' : 'Create an agency'}>
          {mode === 'signup' ? (
            <>
              <label class="field">
                <span>Your name</span>
                <input {...bind('name')} required autoComplete="name" maxLength={200} />
              </label>
              <label class="field">
                <span>Agency name</span>
                <input {...bind('companyName')} required={form.inviteCode.trim().length === 0} autoComplete="organization" maxLength={200} />
              </label>
            </>
          ) : null}
          <label class="field">
            <span>Email</span>
            <input {...bind('email')} type="email" required autoComplete="email" maxLength={254} />
          </label>
          <label class="field">
            <span>Password</span>
            <input {...bind('password')} type="password" required minLength={mode === 'signup' ? 10 : 1} autoComplete={mode === 'login' ? 'current-password' : 'new-password'} maxLength={200} />
            {mode === 'signup' ? <small class="muted">At least 10 characters.</small> : null}
          </label>
          {mode === 'signup' ? (
            <label class="field">
              <span>Invite code (to join an existing agency instead)</span>
              <input {...bind('inviteCode')} autoComplete="off" maxLength={200} />
            </label>
          ) : null}
          {error ? (
            <p class="form-error" role="alert" data-testid="login-error">
              {error}
            </p>
          ) : null}
          <button type="submit" class="button button-primary" disabled={isBusy}>
            {mode === 'login' ? 'Log in' : 'Create the agency and log in'}
          </button>
        </form>
        {isDemoAvailable ? (
          <div class="demo">
            <p class="muted">Development: try it with a demo agency (two locations, an admin and a member).</p>
            <button type="button" class="button" disabled={isBusy} onClick={() => void run(() => api<BrowserSession>('/api/auth/demo-session', { method: 'POST', body: {}, isAuthAttempt: true }))}>
              Open the demo agency
            </button>
          </div>
        ) : null}
      </div>
    </main>
  );
}
