/** Messages: errors (announced at once), confirmations (announced politely), loading text. */
import type { ReactNode } from 'react';
import type { ApiRequestError } from '../api/client.ts';

/**
 * An API error as the person should read it: the API's own message, the request id to quote, and,
 * when the page knows better than the API what to do in the dashboard, its `advice`.
 */
export function ErrorNotice({ error, title, advice }: { error: ApiRequestError | undefined; title?: string | undefined; advice?: ReactNode }) {
  if (!error) return null;
  return (
    <div className="notice error" role="alert" data-code={error.code}>
      {title && <strong>{title} </strong>}
      {error.message}
      {error.details.length > 0 && (
        <ul>
          {error.details.map((detail) => (
            <li key={`${detail.path}:${detail.message}`}>
              {detail.path}: {detail.message}
            </li>
          ))}
        </ul>
      )}
      {error.requestId && <span className="request-id"> (request {error.requestId})</span>}
      {advice && <p className="advice">{advice}</p>}
    </div>
  );
}

export function SuccessNotice({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <div className="notice success" role="status">
      {children}
    </div>
  );
}

export function Loading({ children }: { children: ReactNode }) {
  return (
    <p className="loading" role="status">
      {children}
    </p>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children && <p>{children}</p>}
    </div>
  );
}
