import { EmptyState } from '../components/feedback';
import { Link } from '../router';
import { useTitle } from '../session';

export function NotFoundPage() {
  useTitle('Not found');
  return (
    <div className="page">
      <EmptyState
        title="There is no page at this address"
        action={
          <Link to="/" className="btn btn-primary">
            Go to your registries
          </Link>
        }
      >
        The link may be old, or the connector it pointed to was deleted.
      </EmptyState>
    </div>
  );
}
