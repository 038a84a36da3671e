/** The figures at the top of account settings: who, verified or not, which workspace, sessions, members. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { BrowserSession, CurrentSession, Member } from '../../api/types.ts';
import { ErrorNotice, SuccessNotice } from '../../components/feedback.tsx';
import { Stat } from '../../components/display.tsx';
import { capitalize, formatCount, formatDateTime } from '../../format.ts';
import { useAction } from '../../hooks.ts';

interface Props {
  current: CurrentSession;
  sessions: BrowserSession[] | undefined;
  members: Member[] | undefined;
}

export function AccountSummary({ current, sessions, members }: Props) {
  const verifiedAt = current.user.email_verified_at;
  const [resent, setResent] = useState(false);
  const resend = useAction(async () => {
    await api.post<void>('/v1/auth/email/verification');
    setResent(true);
  });
  return (
    <section aria-label="Account summary" className="summary">
      <dl className="stats">
        <Stat label="User" value={current.user.email || 'Customer'} hint={current.user.email ? `${capitalize(current.org.role)} of this workspace.` : 'No email on session.'} testId="summary-user" />
        <Stat
          label="Verification"
          value={verifiedAt ? 'Verified' : 'Pending'}
          hint={verifiedAt ? `Email verified ${formatDateTime(verifiedAt)}.` : 'Verify email to keep account recovery healthy.'}
          testId="summary-verification"
        />
        <Stat label="Workspace" value={current.org.display_name || 'Unknown org'} hint={current.org.id || 'No customer org loaded.'} testId="summary-workspace" />
        <Stat label="Active sessions" value={sessions ? formatCount(sessions.length) : '--'} hint="Browser sessions currently able to act as this user." testId="summary-sessions" />
        <Stat label="Members" value={members ? formatCount(members.length) : '--'} hint="Customer accounts currently attached to this workspace." testId="summary-members" />
      </dl>
      {!verifiedAt && (
        <div className="verify-prompt">
          <ErrorNotice error={resend.error} />
          <SuccessNotice>{resent && `A new verification link was sent to ${current.user.email}.`}</SuccessNotice>
          <button type="button" className="button" onClick={() => void resend.run()} disabled={resend.pending}>
            Resend verification email
          </button>
        </div>
      )}
    </section>
  );
}
