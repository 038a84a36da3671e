/** Pages for paths that show nothing, and for a server that cannot say who is signed in. */
import type { ApiRequestError } from '../api/client.ts';
import { ErrorNotice } from '../components/feedback.tsx';
import { useTitle } from '../hooks.ts';
import { Link } from '../router.tsx';

export function NotFoundPage() {
  useTitle('Page not found');
  return (
    <div className="narrow">
      <h1>Page not found</h1>
      <p>There is no dashboard page at this address.</p>
      <p>
        <Link to="/batches">Go to your batches</Link> or <a href="/docs">read the API reference</a>.
      </p>
    </div>
  );
}

export function SessionUnavailablePage({ error }: { error: ApiRequestError }) {
  useTitle('Dashboard unavailable');
  return (
    <main id="main" className="page narrow">
      <h1>The dashboard cannot reach the server</h1>
      <ErrorNotice error={error} />
      <p>
        <button type="button" className="button primary" onClick={() => window.location.reload()}>
          Try again
        </button>
      </p>
    </main>
  );
}
