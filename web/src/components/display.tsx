/** Small pieces of display: sections and links to them, summary cards, a secret shown once, status badges, progress. */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { CopyButton } from './buttons.tsx';
import { capitalize, formatCount } from '../format.ts';

/** A titled part of a page; `id` lets other pages link straight to it. */
export function Section({ id, title, description, children, actions }: { id: string; title: string; description?: ReactNode; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card" id={id} aria-labelledby={`${id}-title`}>
      <header className="card-header">
        <div>
          <h2 id={`${id}-title`}>{title}</h2>
          {description && <p className="description">{description}</p>}
        </div>
        {actions && <div className="card-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/** Links to the sections of a long page: `[id, label]` pairs, in page order. */
export function SectionNav({ label, sections }: { label: string; sections: readonly (readonly [id: string, label: string])[] }) {
  return (
    <nav aria-label={label} className="section-nav">
      <ul>
        {sections.map(([id, text]) => (
          <li key={id}>
            <a href={`#${id}`}>{text}</a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** A figure with its name and a line explaining it ("Active sessions · 2 · Browser sessions…"). */
export function Stat({ label, value, hint, testId }: { label: string; value: ReactNode; hint: ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <dt>{label}</dt>
      <dd>
        <span className="stat-value">{value}</span>
        <span className="stat-hint">{hint}</span>
      </dd>
    </div>
  );
}

/**
 * A secret the server shows only once (an API key, a webhook signing secret): selectable,
 * copyable, announced, and gone once dismissed.
 */
export function OneTimeSecret({ label, value, onDismiss }: { label: string; value: string; onDismiss(): void }) {
  const headingId = useId();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div className="secret" role="region" aria-labelledby={headingId} tabIndex={-1} ref={ref}>
      <p id={headingId} className="secret-title">
        {label}
      </p>
      <p>Copy it now and store it somewhere safe: it will not be shown again.</p>
      <div className="secret-row">
        <code className="secret-value" data-testid="one-time-secret">
          {value}
        </code>
        <CopyButton text={value} describedThing={label} />
      </div>
      <button type="button" className="button small" onClick={onDismiss}>
        I have stored it
      </button>
    </div>
  );
}

const STATUS_TONES: Record<string, string> = {
  completed: 'good',
  succeeded: 'good',
  delivered: 'good',
  enabled: 'good',
  active: 'good',
  failed: 'bad',
  expired: 'bad',
  disabled: 'bad',
  revoked: 'muted',
  cancelled: 'muted',
  missing: 'muted',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${STATUS_TONES[status] ?? 'busy'}`}>{capitalize(status.replaceAll('_', ' '))}</span>;
}

/** How far a batch has got: finished items of all items, as an accessible progress bar. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const percent = total === 0 ? 0 : Math.round((done / total) * 100);
  const fill = useRef<HTMLDivElement>(null);
  // Set through the CSSOM, which the page's CSP allows (style attributes would not be).
  useEffect(() => {
    if (fill.current) fill.current.style.width = `${percent}%`;
  }, [percent]);
  return (
    <div className="progress">
      <div className="progress-track" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} aria-valuetext={`${formatCount(done)} of ${formatCount(total)} items finished (${percent}%)`}>
        <div className="progress-fill" ref={fill} />
      </div>
      <span className="progress-text">
        {formatCount(done)} / {formatCount(total)} ({percent}%)
      </span>
    </div>
  );
}
