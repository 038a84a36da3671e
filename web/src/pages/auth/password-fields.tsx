/**
 * Fields choosing a new password, the same wherever one is chosen (sign up, accepting an
 * invitation, a reset link, account settings): the server's rule (10 to 200 characters, not the
 * email address) told before it checks, and the browser asked to suggest a new password.
 * @example <NewPasswordField label="New password" name="password" error={error?.detailFor('password')} />
 */
import { Field } from '../../components/forms.tsx';

const PASSWORD_MIN_LENGTH = 10;
const PASSWORD_MAX_LENGTH = 200;
const PASSWORD_HINT = `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters, not your email address. A long passphrase is best.`;

export function NewPasswordField({ label, name, error }: { label: string; name: string; error: string | undefined }) {
  return <Field label={label} name={name} type="password" autoComplete="new-password" required minLength={PASSWORD_MIN_LENGTH} maxLength={PASSWORD_MAX_LENGTH} hint={PASSWORD_HINT} error={error} />;
}

/** The new password typed again, as `confirmation`; the page compares the two before sending. */
export function RepeatPasswordField() {
  return <Field label="Repeat the new password" name="confirmation" type="password" autoComplete="new-password" required minLength={PASSWORD_MIN_LENGTH} maxLength={PASSWORD_MAX_LENGTH} />;
}
