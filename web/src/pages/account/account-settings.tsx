/**
 * Account settings, laid out as the dashboard's settings page (seed 002): summary, preferences,
 * delivery webhooks, profile and sign-in, security, workspace access, activity, API keys, the
 * API quickstart and the browser sessions.
 */
import type { ApiKey, BrowserSession, List, Member } from '../../api/types.ts';
import { SectionNav } from '../../components/display.tsx';
import { Loading } from '../../components/feedback.tsx';
import { useResource, useTitle } from '../../hooks.ts';
import { useCurrentSession } from '../../session.tsx';
import { AccountSummary } from './account-summary.tsx';
import { ActivitySection } from './activity.tsx';
import { API_KEYS_PATH, ApiKeysSection } from './api-keys.tsx';
import { ApiQuickstartSection } from './api-quickstart.tsx';
import { DeliveryWebhookSection } from './delivery-webhook.tsx';
import { PreferencesSection } from './preferences.tsx';
import { ProfileSection } from './profile.tsx';
import { SecuritySection } from './security.tsx';
import { SessionsSection } from './sessions.tsx';
import { WorkspaceAccessSection } from './workspace-access.tsx';

const SECTIONS = [
  ['preferences', 'Account preferences'],
  ['delivery-webhooks', 'Delivery webhooks'],
  ['profile', 'Profile and sign-in'],
  ['security', 'Security and access'],
  ['workspace-access', 'Workspace access'],
  ['activity', 'Recent activity'],
  ['api-keys', 'API keys'],
  ['api-quickstart', 'API quickstart'],
  ['sessions', 'Active sessions'],
] as const;

export function AccountSettingsPage() {
  useTitle('Account settings');
  const current = useCurrentSession();
  const sessions = useResource<List<BrowserSession>>('/v1/auth/sessions');
  const members = useResource<List<Member>>('/v1/auth/account/members');
  const keys = useResource<List<ApiKey>>(API_KEYS_PATH);
  // The quickstart's key placeholder follows the instance's environment (br_live_ or br_test_).
  const environment = keys.data?.data[0]?.environment ?? 'live';
  return (
    <div className="settings">
      <header className="page-header">
        <h1>Account settings</h1>
        <p className="description">
          Manage profile details, sign-in identity, email verification, org visibility, and the browser sessions attached to this customer account.
        </p>
      </header>
      {(sessions.loading || members.loading) && !sessions.data && !members.data && <Loading>Loading account settings...</Loading>}
      <AccountSummary current={current} sessions={sessions.data?.data} members={members.data?.data} />
      <SectionNav label="Account settings sections" sections={SECTIONS} />
      <PreferencesSection />
      <DeliveryWebhookSection />
      <ProfileSection />
      <SecuritySection onPasswordChanged={() => void sessions.reload()} />
      <WorkspaceAccessSection members={members} />
      <ActivitySection />
      <ApiKeysSection keys={keys} />
      <ApiQuickstartSection environment={environment} />
      <SessionsSection sessions={sessions} />
    </div>
  );
}
