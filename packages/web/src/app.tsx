import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, errorSentence, setCsrfToken, setUnauthenticatedHandler } from './api/client';
import type { User } from './api/types';
import { ErrorAlert, Spinner } from './components/feedback';
import { Header } from './components/header';
import { navigate, useLocation } from './router';
import { knowsAccount, SessionContext } from './session';

// One chunk per page: the first screen loads only what it shows.
const AuthPage = lazy(() => import('./pages/auth-page').then((m) => ({ default: m.AuthPage })));
const HomePage = lazy(() => import('./pages/home-page').then((m) => ({ default: m.HomePage })));
const ConnectorsPage = lazy(() =>
  import('./pages/connectors-page').then((m) => ({ default: m.ConnectorsPage })),
);
const ConnectorFormPage = lazy(() =>
  import('./pages/connector-form-page').then((m) => ({ default: m.ConnectorFormPage })),
);
const PlatformPickerPage = lazy(() =>
  import('./pages/connector-form-page').then((m) => ({ default: m.PlatformPickerPage })),
);
const ProfilePage = lazy(() => import('./pages/profile-page').then((m) => ({ default: m.ProfilePage })));
const DiffPage = lazy(() => import('./pages/diff-page').then((m) => ({ default: m.DiffPage })));
const NotFoundPage = lazy(() => import('./pages/not-found-page').then((m) => ({ default: m.NotFoundPage })));

function route(pathname: string): ReactNode {
  if (pathname === '/') return <HomePage />;
  if (pathname === '/connectors') return <ConnectorsPage />;
  if (pathname === '/connectors/new') return <PlatformPickerPage />;
  const create = /^\/connectors\/new\/([^/]+)$/.exec(pathname);
  if (create?.[1]) return <ConnectorFormPage key={create[1]} platformId={decodeURIComponent(create[1])} />;
  const edit = /^\/connectors\/([^/]+)\/edit$/.exec(pathname);
  if (edit?.[1]) return <ConnectorFormPage key={edit[1]} connectorId={decodeURIComponent(edit[1])} />;
  if (pathname.startsWith('/images/')) return <ProfilePage />;
  if (pathname === '/diff') return <DiffPage />;
  return <NotFoundPage />;
}

const PageFallback = () => (
  <div className="page-loading">
    <Spinner />
  </div>
);

type SessionState =
  | { kind: 'loading' }
  | { kind: 'anonymous' }
  | { kind: 'user'; user: User }
  | { kind: 'failed'; detail: string };

export function App() {
  const { pathname, search, href } = useLocation();
  const [session, setSession] = useState<SessionState>({ kind: 'loading' });

  const load = useCallback(() => {
    api
      .me()
      .then((me) => {
        setCsrfToken(me.csrfToken);
        setSession({ kind: 'user', user: me.user });
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) setSession({ kind: 'anonymous' });
        else setSession({ kind: 'failed', detail: errorSentence(e) });
      });
  }, []);

  useEffect(() => {
    load();
    setUnauthenticatedHandler(() => {
      setCsrfToken(undefined);
      setSession({ kind: 'anonymous' });
    });
    return () => setUnauthenticatedHandler(undefined);
  }, [load]);

  const isAuthPage = pathname === '/login' || pathname === '/signup';

  // Signed out on a page that needs an account: go to log-in, or to sign-up while the server has
  // no account yet (the browser's memory decides only if the server cannot say), remembering
  // where to come back to.
  useEffect(() => {
    if (session.kind !== 'anonymous' || isAuthPage) return;
    let alive = true;
    const next = href === '/' ? '' : `?next=${encodeURIComponent(href)}`;
    void api
      .authStatus()
      .then((status) => !status.hasAccounts)
      .catch(() => !knowsAccount())
      .then((firstAccount) => {
        if (alive) navigate(`${firstAccount ? '/signup' : '/login'}${next}`, { replace: true });
      });
    return () => {
      alive = false;
    };
  }, [session.kind, isAuthPage, href]);

  useEffect(() => {
    if (session.kind === 'user' && isAuthPage) {
      const next = search.get('next');
      navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    }
  }, [session.kind, isAuthPage, search]);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setCsrfToken(undefined);
      setSession({ kind: 'anonymous' });
      navigate('/login', { replace: true });
    }
  }, []);

  const context = useMemo(
    () => (session.kind === 'user' ? { user: session.user, signOut } : undefined),
    [session, signOut],
  );

  if (session.kind === 'loading') return <PageFallback />;
  if (session.kind === 'failed')
    return (
      <main className="auth-wrap">
        <div className="auth-card">
          <ErrorAlert title="Berth could not start">{session.detail}</ErrorAlert>
          <button type="button" className="btn btn-primary" onClick={load}>
            Try again
          </button>
        </div>
      </main>
    );
  if (session.kind === 'anonymous' || !context)
    return (
      <Suspense fallback={<PageFallback />}>
        {isAuthPage ? (
          <AuthPage
            mode={pathname === '/signup' ? 'signup' : 'login'}
            onSignedIn={(user, csrf) => {
              setCsrfToken(csrf);
              setSession({ kind: 'user', user });
            }}
          />
        ) : (
          <PageFallback />
        )}
      </Suspense>
    );
  return (
    <SessionContext.Provider value={context}>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <main id="main" className="main" tabIndex={-1}>
        <Suspense fallback={<PageFallback />}>{isAuthPage ? <PageFallback /> : route(pathname)}</Suspense>
      </main>
    </SessionContext.Provider>
  );
}
