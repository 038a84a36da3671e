/**
 * What the dashboard's identity code (sessions, sign-in, recovery, members, invitations) runs with,
 * beyond the common domain context: the mailer, background work, the instance's CSRF key and the
 * configured limits.
 */
import type { Mailer } from '../mail/mailer.ts';
import type { BackgroundTasks } from './background.ts';
import type { DomainContext } from './context.ts';

export interface IdentityPolicy {
  /** A session ends after this long without a request… */
  sessionIdleMs: number;
  /** …and this long after sign-in, however active. */
  sessionMaxMs: number;
  /** Failed sign-ins allowed per account, and per client address, in SIGNIN_WINDOW_MS. */
  signinFailuresPerAccount: number;
  signinFailuresPerAddress: number;
  signupPerHour: number;
  /** Test credits a new workspace starts with. */
  starterCreditsMicros: number;
}

export interface IdentityContext extends DomainContext {
  mailer: Mailer;
  background: BackgroundTasks;
  /** Key of the HMAC that derives each session's CSRF token from its session token. */
  csrfKey: Buffer;
  policy: IdentityPolicy;
}

/** Where emailed links point: the configured public URL, else the base URL of the request that caused the mail. */
export interface LinkBase {
  baseUrl: string;
}
