/**
 * Who is signed in to this browser: `GET /v1/auth/session` once at start, again after anything
 * that changes it, and "signed out" as soon as any request answers that the session is gone.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiRequestError, onSignedOut, setCsrfToken } from './api/client.ts';
import type { CurrentSession } from './api/types.ts';

export type SessionState =
  | { status: 'checking' }
  | { status: 'signed-out' }
  | { status: 'unavailable'; error: ApiRequestError }
  | { status: 'signed-in'; current: CurrentSession };

interface SessionApi {
  state: SessionState;
  /** Reads the session again (after a change of email, workspace name, verification…). */
  refresh(): Promise<void>;
  /** Takes a session answer: sign-in, sign-up, an accepted invitation, a workspace switch. */
  signedIn(current: CurrentSession): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'checking' });

  const refresh = useCallback(async () => {
    try {
      const current = await api.get<CurrentSession>('/v1/auth/session');
      setCsrfToken(current.csrf_token);
      setState({ status: 'signed-in', current });
    } catch (error) {
      setCsrfToken(null);
      if (error instanceof ApiRequestError && error.status === 401) setState({ status: 'signed-out' });
      else setState({ status: 'unavailable', error: error instanceof ApiRequestError ? error : new ApiRequestError(0, 'unknown', String(error)) });
    }
  }, []);

  const signedIn = useCallback((current: CurrentSession) => {
    setCsrfToken(current.csrf_token);
    setState({ status: 'signed-in', current });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.post<void>('/v1/auth/signout');
    } finally {
      setCsrfToken(null);
      setState({ status: 'signed-out' });
    }
  }, []);

  useEffect(() => {
    void refresh();
    return onSignedOut(() => {
      setCsrfToken(null);
      setState({ status: 'signed-out' });
    });
  }, [refresh]);

  const value = useMemo(() => ({ state, refresh, signedIn, signOut }), [state, refresh, signedIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in session; only for pages rendered behind the sign-in gate. */
export function useCurrentSession(): CurrentSession & { refresh(): Promise<void> } {
  const { state, refresh } = useSession();
  if (state.status !== 'signed-in') throw new Error('useCurrentSession on a signed-out page');
  return { ...state.current, refresh };
}

/** Owners and admins manage keys, members, webhooks and the workspace name. */
export function canManageWorkspace(current: Pick<CurrentSession, 'org'>): boolean {
  return current.org.role === 'owner' || current.org.role === 'admin';
}
