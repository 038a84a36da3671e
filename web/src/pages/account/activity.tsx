/** Recent activity: this person's sign-ins, verification, recovery and account changes, newest first. */
import type { ActivityEvent } from '../../api/types.ts';
import { Section } from '../../components/display.tsx';
import { EmptyState, ErrorNotice, Loading } from '../../components/feedback.tsx';
import { LoadMore } from '../../components/load-more.tsx';
import { formatDateTime } from '../../format.ts';
import { usePagedList } from '../../hooks.ts';

/** Plain words for the audit log's actions; unknown ones are shown as they are. */
const ACTIONS: Record<string, string> = {
  'user.signed_up': 'Account created',
  'user.signed_in': 'Signed in',
  'user.signed_out': 'Signed out',
  'user.signin_failed': 'Failed sign-in attempt',
  'user.password_check_failed': 'Wrong current password entered',
  'user.email_verified': 'Email verified',
  'user.password_reset_requested': 'Password reset requested',
  'user.password_reset': 'Password reset',
  'user.password_changed': 'Password changed',
  'user.email_change_requested': 'Email change requested',
  'user.email_changed': 'Sign-in email changed',
  'session.revoked': 'Session revoked',
  'session.org_switched': 'Switched workspace',
  'invitation.created': 'Teammate invited',
  'invitation.accepted': 'Invitation accepted',
  'invitation.revoked': 'Invitation withdrawn',
  'member.role_changed': 'Member role changed',
  'member.removed': 'Member removed',
  'member.left': 'Left the workspace',
  'org.renamed': 'Workspace renamed',
  'org.agent_registered': 'Workspace registered by an agent',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'api_key.legacy_imported': 'Legacy API key imported',
  'webhook.saved': 'Delivery webhook saved',
  'webhook.secret_rotated': 'Webhook secret rotated',
  'webhook.tested': 'Webhook test ping sent',
  'webhook.redelivered': 'Webhook delivery sent again',
  'webhook.removed': 'Delivery webhook removed',
  'webhook.url_refused': 'Webhook URL refused',
  'batch.submitted': 'Batch submitted',
  'batch.cancelled': 'Batch cancelled',
  'credits.granted': 'Credits granted',
};

export function describeAction(action: string): string {
  return ACTIONS[action] ?? action;
}

export function ActivitySection() {
  const activity = usePagedList<ActivityEvent>('/v1/auth/account/activity?mine=true&limit=10');
  return (
    <Section id="activity" title="Recent activity" description="A recent history of sign-in, verification, recovery, and account-management events tied to this user.">
      {activity.loading && activity.items.length === 0 && <Loading>Loading account activity...</Loading>}
      <ErrorNotice error={activity.error} />
      {!activity.loading && !activity.error && activity.items.length === 0 && <EmptyState title="No activity yet." />}
      {activity.items.length > 0 && (
        <ol className="timeline" data-testid="activity-list">
          {activity.items.map((event) => (
            <li key={event.id}>
              <span className="timeline-action">{describeAction(event.action)}</span>
              {event.target_type && event.target_type !== 'user' && event.target_id && <code className="timeline-target">{event.target_id}</code>}
              <span className="timeline-meta">
                <time dateTime={event.created_at}>{formatDateTime(event.created_at)}</time>
                {event.ip && ` · ${event.ip}`}
                {event.user_agent && <span className="user-agent"> · {event.user_agent}</span>}
              </span>
            </li>
          ))}
        </ol>
      )}
      <LoadMore list={activity} what="activity" />
    </Section>
  );
}
