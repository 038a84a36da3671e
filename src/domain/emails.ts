/** The emails BatchRouter sends about identity, as plain text. */
import { isoTimestamp } from '../clock.ts';
import type { MailMessage } from '../mail/mailer.ts';
import type { Role } from '../db/schema.ts';

const SIGNATURE = '\n\n— BatchRouter';

export function verificationEmail(to: string, link: string): MailMessage {
  return {
    kind: 'email_verification',
    to,
    subject: 'Verify your email address for BatchRouter',
    text: `Open this link to verify ${to} (it works once, for 24 hours):\n\n${link}\n\nIf you did not sign up for BatchRouter, ignore this message.${SIGNATURE}`,
    link,
  };
}

export function passwordResetEmail(to: string, link: string): MailMessage {
  return {
    kind: 'password_reset',
    to,
    subject: 'Reset your BatchRouter password',
    text: `Open this link to choose a new password (it works once, for one hour):\n\n${link}\n\nSetting a new password signs you out everywhere. If you did not ask for this, ignore this message: your password stays as it is.${SIGNATURE}`,
    link,
  };
}

export function passwordChangedEmail(to: string, at: Date): MailMessage {
  return {
    kind: 'password_changed',
    to,
    subject: 'Your BatchRouter password was changed',
    text: `The password of your BatchRouter account (${to}) was changed at ${isoTimestamp(at)}.\n\nIf this was not you, reset your password now and review your sessions.${SIGNATURE}`,
  };
}

export function emailChangeEmail(to: string, link: string): MailMessage {
  return {
    kind: 'email_change',
    to,
    subject: 'Confirm your new BatchRouter sign-in address',
    text: `Open this link to make ${to} the sign-in address of your BatchRouter account (it works once, for 24 hours):\n\n${link}\n\nNothing changes until you do. If you did not ask for this, ignore this message.${SIGNATURE}`,
    link,
  };
}

export function emailChangedNotice(to: string, newEmail: string, at: Date): MailMessage {
  return {
    kind: 'email_changed_notice',
    to,
    subject: 'Your BatchRouter sign-in address was changed',
    text: `At ${isoTimestamp(at)} the sign-in address of your BatchRouter account changed from ${to} to ${newEmail}.\n\nIf this was not you, contact your workspace owner or the operator of this BatchRouter instance at once.${SIGNATURE}`,
  };
}

export function invitationEmail(to: string, workspace: string, role: Role, invitedBy: string, link: string): MailMessage {
  return {
    kind: 'invitation',
    to,
    subject: `You are invited to ${workspace} on BatchRouter`,
    text: `${invitedBy} invited you to join the workspace "${workspace}" on BatchRouter as ${role === 'admin' ? 'an admin' : `a ${role}`}.\n\nOpen this link to accept (it works once, for 7 days):\n\n${link}${SIGNATURE}`,
    link,
  };
}
