import { Link, useLocation } from '../router';
import { useSession } from '../session';
import { BerthMark } from './icons';
import { SearchBox } from './search-box';

const NAV = [
  { to: '/', label: 'Home', match: (p: string) => p === '/' || p.startsWith('/images/') },
  { to: '/connectors', label: 'Connectors', match: (p: string) => p.startsWith('/connectors') },
];

/** The global header: brand, navigation, the always-present search and the account. */
export function Header() {
  const { pathname } = useLocation();
  const { user, signOut } = useSession();
  return (
    <header className="header">
      <div className="header-inner">
        <Link to="/" className="brand" aria-label="Berth home">
          <BerthMark size={26} />
          <span className="brand-name">Berth</span>
        </Link>
        <nav className="nav" aria-label="Main">
          {NAV.map((item) => (
            <Link
              key={item.to}
              to={item.to}
              className="nav-link"
              aria-current={item.match(pathname) ? 'page' : undefined}
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <SearchBox />
        <div className="account">
          <span className="account-email" title={user.email}>
            {user.email}
          </span>
          <button type="button" className="btn btn-ghost-dark btn-sm" onClick={() => void signOut()}>
            Log out
          </button>
        </div>
      </div>
    </header>
  );
}
