/**
 * Single-use, expiring tokens for emailed links (verify an address, reset a password, confirm a new
 * address; invitations keep theirs on the invitation). Random 32 bytes, stored as SHA-256 only. A
 * used, expired or unknown token is one answer: `link_invalid`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { findUsableLinkToken, insertLinkToken, useAllLinkTokens, useLinkToken } from '../db/queries/link-tokens.ts';
import type { Executor, LinkPurpose } from '../db/schema.ts';
import { ApiError } from './errors.ts';

const HOUR_MS = 3600_000;

export const LINK_LIFETIME_MS: Record<LinkPurpose | 'invitation', number> = {
  email_verification: 24 * HOUR_MS,
  password_reset: HOUR_MS,
  email_change: 24 * HOUR_MS,
  invitation: 7 * 24 * HOUR_MS,
};

/** The dashboard page each link opens. */
export const LINK_PATHS: Record<LinkPurpose | 'invitation', string> = {
  email_verification: '/verify-email',
  password_reset: '/reset-password',
  email_change: '/confirm-email',
  invitation: '/invite',
};

/** A fresh random token and the hash that is stored instead of it. */
export function newSecretToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/** SHA-256 (hex) of a token: what the database keeps. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function linkUrl(baseUrl: string, purpose: LinkPurpose | 'invitation', token: string): string {
  return `${baseUrl}${LINK_PATHS[purpose]}?token=${encodeURIComponent(token)}`;
}

export function linkInvalid(): ApiError {
  return new ApiError('link_invalid', 'This link is not valid: it was already used, it expired, or it was never issued. Ask for a new one.');
}

/** Stores a new token for a user's link (spending that user's older ones of the same purpose); returns the token. */
export async function issueLinkToken(db: Executor, purpose: LinkPurpose, userId: string, email: string, now: Date): Promise<string> {
  const { token, hash } = newSecretToken();
  await useAllLinkTokens(db, userId, purpose, now);
  await insertLinkToken(db, { token_hash: hash, purpose, user_id: userId, email, created_at: now, expires_at: new Date(now.getTime() + LINK_LIFETIME_MS[purpose]) });
  return token;
}

/** The stored token behind a link if it can still be used, or `link_invalid`; it is not spent. */
export async function peekLinkToken(db: Executor, token: string, purpose: LinkPurpose, now: Date) {
  const row = await findUsableLinkToken(db, hashToken(token), purpose, now);
  if (!row) throw linkInvalid();
  return row;
}

/** Spends a link's token, once: a second use, an expired or an unknown token is `link_invalid`. */
export async function spendLinkToken(db: Executor, token: string, purpose: LinkPurpose, now: Date) {
  const row = await useLinkToken(db, hashToken(token), purpose, now);
  if (!row) throw linkInvalid();
  return row;
}
