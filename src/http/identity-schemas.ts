/** Schemas shared by the dashboard identity routes: people, sessions, and the fields of their forms. */
import { Type } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);

export const EmailField = Type.String({ format: 'email', minLength: 3, maxLength: 254, description: 'An email address' });

/** Passwords are 10 to 200 characters (checked by the domain, which also refuses the email address itself). */
export const NewPasswordField = Type.String({ minLength: 1, maxLength: 1024, description: '10 to 200 characters, not your email address' });
export const PasswordField = Type.String({ minLength: 1, maxLength: 1024 });

/** The token of an emailed link (from its `?token=`). */
export const LinkTokenField = Type.String({ minLength: 1, maxLength: 200, description: "The link's token (its ?token= value)" });

export const UserSchema = Type.Object({
  id: Type.String({ examples: ['usr_3kTMd9Xq2VbZ8pLw1RcY5n'] }),
  email: Type.String(),
  email_verified_at: Nullable(Type.String()),
  last_login_at: Nullable(Type.String()),
  created_at: Type.String(),
});

const OrgMembership = Type.Object({ id: Type.String(), display_name: Type.String(), role: RoleSchema });

export const SessionAnswerSchema = Type.Object({
  user: UserSchema,
  org: OrgMembership,
  orgs: Type.Array(OrgMembership, { description: 'Every workspace the user belongs to' }),
  session: Type.Object({
    id: Type.String({ examples: ['ses_3kTMd9Xq2VbZ8pLw1RcY5n'] }),
    created_at: Type.String(),
    last_seen_at: Type.String(),
    idle_expires_at: Type.String({ description: 'When the session ends if unused until then' }),
    expires_at: Type.String({ description: 'When the session ends however active' }),
  }),
  csrf_token: Type.String({ description: 'Send as X-CSRF-Token on every POST, PUT, PATCH and DELETE made with the session cookie' }),
});

export const UserAnswerSchema = Type.Object({ user: UserSchema });
export const MessageSchema = Type.Object({ message: Type.String() });

export const MemberSchema = Type.Object({
  user_id: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  joined_at: Type.String(),
  email_verified_at: Nullable(Type.String()),
});

export const InvitationSchema = Type.Object({
  id: Type.String({ examples: ['inv_3kTMd9Xq2VbZ8pLw1RcY5n'] }),
  email: Type.String(),
  role: RoleSchema,
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('revoked'), Type.Literal('expired')]),
  expires_at: Type.String(),
  created_at: Type.String(),
  invited_by: Nullable(Type.String({ description: 'user id of the inviter' })),
  revoked_at: Nullable(Type.String()),
});

/** How the dashboard's routes are documented: the session cookie. */
export const SESSION_SECURITY: { [scheme: string]: string[] }[] = [{ session: [] }];
export const SESSION_OR_KEY_SECURITY: { [scheme: string]: string[] }[] = [{ bearer: [] }, { session: [] }];
