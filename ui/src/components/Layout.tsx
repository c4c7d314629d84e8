// The frame of every page: the left bar (project, navigation, the signed-in user, theme) and the page on the right.
// While nobody is signed in on a server that requires it, every page sends the user to the sign-in page instead,
// with the page wanted as `next`.
import { Navigate, NavLink, Outlet, useLocation } from 'react-router';
import { ChartColumn, Clock, Database, FolderTree, History, Moon, Settings, SquareTerminal, Sun, Workflow } from 'lucide-react';
import { useMe } from '../api/auth';
import { useProject } from '../api/project';
import { useTheme } from '../lib/theme';
import { Loading } from './ui';
import { UserMenu } from './UserMenu';

const NAV = [
  { to: '/', label: 'Overview', icon: ChartColumn },
  { to: '/pipelines', label: 'Pipelines', icon: Workflow },
  { to: '/triggers', label: 'Triggers', icon: Clock },
  { to: '/runs', label: 'Pipeline runs', icon: History },
  { to: '/data-products', label: 'Data products', icon: Database },
  { to: '/files', label: 'Files', icon: FolderTree },
  { to: '/terminal', label: 'Terminal', icon: SquareTerminal },
  { to: '/settings', label: 'Settings', icon: Settings },
];

export function Logo() {
  return (
    <svg className="sidebar__logo" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="#5b4cf0" />
      <path d="M9 23 L21 11" stroke="#fff" strokeWidth="3" strokeLinecap="round" />
      <circle cx="22.5" cy="9.5" r="3" fill="#ffd166" />
      <path d="M13 8v3M11.5 9.5h3M24 17v2M23 18h2" stroke="#ffd166" strokeWidth="1.4" strokeLinecap="round" />
    </svg>
  );
}

export function Layout() {
  const [theme, toggle] = useTheme();
  const me = useMe();
  const location = useLocation();
  const signedOut = !!me.data?.sign_in_required && !me.data.user;
  const project = useProject({ staleTime: 60_000, retry: 1, enabled: !!me.data && !signedOut });
  const name = project.data?.name;

  if (signedOut) {
    const next = location.pathname + location.search + location.hash;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  // Pages wait for who is signed in (their controls follow the role); a server that cannot be reached shows them
  // anyway, with their own errors.
  if (me.isPending) return <Loading what="Starting" />;

  return (
    <div className="app">
      <aside className="sidebar">
        <div className="sidebar__brand">
          <Logo />
          <div>
            <div className="sidebar__product">Wand</div>
            <div className="sidebar__project" title={project.data?.root} data-testid="project-name">
              {name ?? (project.isError || me.isError ? 'server unreachable' : '…')}
            </div>
          </div>
        </div>
        <nav className="sidebar__nav" aria-label="Main">
          {NAV.map(({ to, label, icon: Icon }) => (
            <NavLink key={to} to={to} end={to === '/'} className="sidebar__link">
              <Icon aria-hidden="true" />
              {label}
            </NavLink>
          ))}
        </nav>
        <div className="sidebar__spacer" />
        <UserMenu />
        <div className="sidebar__footer">
          <span title="Wand version">{project.data ? `v${project.data.version}` : ''}</span>
          <button
            type="button"
            className="theme-toggle"
            onClick={toggle}
            aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
            data-testid="theme-toggle"
          >
            {theme === 'dark' ? <Sun /> : <Moon />}
            {theme === 'dark' ? 'Light' : 'Dark'}
          </button>
        </div>
      </aside>
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}
