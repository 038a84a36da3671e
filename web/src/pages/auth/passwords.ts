/** What the dashboard tells people about passwords before the server checks them (the server's rule: 10 to 200 characters, not the email address). */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;
export const PASSWORD_HINT = `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters, not your email address. A long passphrase is best.`;
