// The sign-in page: email and password, then back to the page the user wanted (`?next=`). The app sends every page
// here while nobody is signed in on a server that requires it; a server that needs no sign-in yet says so instead
// and offers to create the owner.
import { useRef, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { LogIn, Moon, Sun } from 'lucide-react';
import { useMe, useSignIn } from '../api/auth';
import { Logo } from '../components/Layout';
import { Alert, ErrorAlert, Loading, Spinner } from '../components/ui';
import { safeNext } from '../lib/access';
import { signInProblem } from '../lib/credentials';
import { useTheme } from '../lib/theme';
import { CreateOwnerForm } from './account/CreateOwnerForm';

export function SignInPage() {
  const [theme, toggleTheme] = useTheme();
  const me = useMe();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const signIn = useSignIn();
  // Signed in (now, or already): on to the page wanted.
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const passwordField = useRef<HTMLInputElement>(null);

  if (me.data?.user && !signIn.isPending) return <Navigate to={next} replace />;
  const open = me.data && !me.data.sign_in_required;
  const problem = signIn.error ? signInProblem(signIn.error) : null;

  return (
    <div className="auth-page">
      <button
        type="button"
        className="btn btn--ghost btn--sm auth-page__theme"
        onClick={toggleTheme}
        aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
      >
        {theme === 'dark' ? <Sun /> : <Moon />}
      </button>
      <main className="auth-card card" aria-labelledby="auth-title">
        <div className="auth-card__brand">
          <Logo />
          <span>Wand</span>
        </div>
        {me.isPending && <Loading what="Asking the server" />}
        {me.error != null && <ErrorAlert error={me.error} title="Cannot reach the server" onRetry={() => void me.refetch()} />}
        {open && (
          <>
            <h1 id="auth-title">No sign-in needed yet</h1>
            <p className="muted auth-card__lead">
              This server has no user, so anyone who can reach it on this machine uses Wand without signing in.
            </p>
            <Link className="btn btn--primary auth-card__submit" to={next}>
              Open Wand
            </Link>
            <details className="auth-card__more">
              <summary>Create the owner account now</summary>
              <CreateOwnerForm onCreated={() => void navigate(next, { replace: true })} />
            </details>
          </>
        )}
        {me.data?.sign_in_required && (
          <>
            <h1 id="auth-title">Sign in</h1>
            <form
              className="form-section"
              onSubmit={(e) => {
                e.preventDefault();
                if (!email.trim() || !password) return;
                signIn.mutate(
                  { email: email.trim(), password },
                  {
                    onError: () => {
                      // Typed again, not corrected: the field is cleared for it.
                      setPassword('');
                      passwordField.current?.focus();
                    },
                  },
                );
              }}
            >
              <div className="field">
                <label htmlFor="sign-in-email">Email</label>
                <input
                  id="sign-in-email"
                  className="input"
                  type="email"
                  autoComplete="username"
                  autoFocus
                  required
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                />
              </div>
              <div className="field">
                <label htmlFor="sign-in-password">Password</label>
                <input
                  id="sign-in-password"
                  className="input"
                  type="password"
                  autoComplete="current-password"
                  ref={passwordField}
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              </div>
              {problem && (
                <Alert tone={problem.tone}>
                  <span data-testid="sign-in-error">{problem.text}</span>
                </Alert>
              )}
              <button type="submit" className="btn btn--primary auth-card__submit" disabled={signIn.isPending} data-testid="sign-in">
                {signIn.isPending ? <Spinner /> : <LogIn />} Sign in
              </button>
            </form>
            <p className="muted small auth-card__foot">Forgot your password? An admin can set a new one in Settings → Users.</p>
          </>
        )}
      </main>
    </div>
  );
}
