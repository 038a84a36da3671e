/** Active sessions: every browser signed in as this person, with a revoke for each one not recognised. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { BrowserSession, List } from '../../api/types.ts';
import { ConfirmButton } from '../../components/buttons.tsx';
import { Section } from '../../components/display.tsx';
import { EmptyState, ErrorNotice, Loading, SuccessNotice } from '../../components/feedback.tsx';
import { formatDateTime } from '../../format.ts';
import { useAction, type Resource } from '../../hooks.ts';

/** "Chrome on Linux"-style words for a user agent, for recognising a session at a glance. */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown browser';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrome\/|Chromium\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : /curl\//.test(userAgent) ? 'curl' : 'Browser';
  const system = /Windows/.test(userAgent) ? 'Windows' : /Mac OS X|Macintosh/.test(userAgent) ? 'macOS' : /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Linux/.test(userAgent) ? 'Linux' : null;
  return system ? `${browser} on ${system}` : browser;
}

export function SessionsSection({ sessions }: { sessions: Resource<List<BrowserSession>> }) {
  const [notice, setNotice] = useState<string | null>(null);
  const revoke = useAction(async (session: BrowserSession) => {
    await api.post<unknown>(`/v1/auth/sessions/${encodeURIComponent(session.id)}/revoke`);
    await sessions.reload();
    setNotice(`Session on ${describeUserAgent(session.user_agent)} revoked: it is signed out.`);
  });
  const list = sessions.data?.data ?? [];
  return (
    <Section id="sessions" title="Active sessions" description="Review recent browser sessions and revoke any session you no longer recognize or need.">
      {sessions.loading && !sessions.data && <Loading>Loading sessions…</Loading>}
      <ErrorNotice error={revoke.error ?? sessions.error} />
      <SuccessNotice>{notice}</SuccessNotice>
      {sessions.data && list.length === 0 && <EmptyState title="No account sessions found.">Sign in from a browser session to manage it here.</EmptyState>}
      {list.length > 0 && (
        <ul className="plain-list">
          {list.map((session) => (
            <li key={session.id} className="list-row" data-testid={`session-${session.id}`}>
              <div>
                <p>
                  <strong>{describeUserAgent(session.user_agent)}</strong>
                  {session.current && <span className="tag">this browser</span>}
                </p>
                <p className="hint">
                  {session.ip ?? 'Unknown address'} · signed in {formatDateTime(session.created_at)} · last active {formatDateTime(session.last_seen_at)} · expires{' '}
                  {formatDateTime(session.idle_expires_at < session.expires_at ? session.idle_expires_at : session.expires_at)}
                </p>
              </div>
              {session.current ? (
                <span className="hint">Use Sign out to end this one.</span>
              ) : (
                <ConfirmButton
                  accessibleLabel={`Revoke the session on ${describeUserAgent(session.user_agent)} from ${session.ip ?? 'an unknown address'}`}
                  question="Sign this session out?"
                  confirmText="Revoke"
                  disabled={revoke.pending}
                  onConfirm={() => revoke.run(session)}
                >
                  Revoke
                </ConfirmButton>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
