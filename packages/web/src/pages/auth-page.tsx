import { useState, type FormEvent } from 'react';
import { api, errorSentence } from '../api/client';
import type { User } from '../api/types';
import { ErrorAlert } from '../components/feedback';
import { BerthMark } from '../components/icons';
import { Link, useLocation } from '../router';
import { rememberAccount, useTitle } from '../session';

/** Sign-up (the first account on a new server becomes its administrator) and log-in. */
export function AuthPage({
  mode,
  onSignedIn,
}: {
  mode: 'signup' | 'login';
  onSignedIn: (user: User, csrfToken: string | undefined) => void;
}) {
  const { search } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const signup = mode === 'signup';
  useTitle(signup ? 'Create your account' : 'Log in');
  const keep = search.get('next') ? `?next=${encodeURIComponent(search.get('next') ?? '')}` : '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const session = signup ? await api.signup(email, password) : await api.login(email, password);
      rememberAccount();
      onSignedIn(session.user, session.csrfToken);
    } catch (err) {
      setError(errorSentence(err));
      setBusy(false);
    }
  };

  return (
    <main className="auth-wrap">
      <div className="auth-brand">
        <BerthMark size={40} />
        <span>Berth</span>
      </div>
      <form className="auth-card" onSubmit={(e) => void submit(e)} noValidate={false}>
        <h1>{signup ? 'Create your account' : 'Log in to Berth'}</h1>
        <p className="muted">
          {signup
            ? 'Connect your registries, browse and search your images. The first account on a new server becomes its administrator.'
            : 'Welcome back. Your registries are waiting.'}
        </p>
        {error && <ErrorAlert>{error}</ErrorAlert>}
        <label className="field">
          <span className="field-label">E-mail address</span>
          <input
            type="email"
            name="email"
            autoComplete="email"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">Password</span>
          <input
            type="password"
            name="password"
            autoComplete={signup ? 'new-password' : 'current-password'}
            required
            minLength={8}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          {signup && <span className="field-help">At least 8 characters.</span>}
        </label>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'One moment…' : signup ? 'Create account' : 'Log in'}
        </button>
        <p className="auth-switch">
          {signup ? (
            <>
              Already have an account? <Link to={`/login${keep}`}>Log in</Link>
            </>
          ) : (
            <>
              New to Berth? <Link to={`/signup${keep}`}>Create an account</Link>
            </>
          )}
        </p>
      </form>
      <p className="auth-foot">Berth only ever reads from your registries.</p>
    </main>
  );
}
