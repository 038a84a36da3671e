/**
 * The closed set of error codes the API can return, each with its HTTP status, what it means and
 * how to fix it. Domain code throws `ApiError(code, message)`; the HTTP layer renders the seed's
 * error body from it in one place. `/docs/errors` is generated from this table.
 */

export interface ErrorDefinition {
  status: number;
  meaning: string;
  fix: string;
  /** Where in the product the fix is done (rendered as `action_url`), relative to the instance. */
  actionPath?: string;
}

export const ERROR_CODES = {
  api_key_required: {
    status: 401,
    meaning: 'The request carried no Authorization header.',
    fix: 'Send your key as `Authorization: Bearer br_live_…` on every /v1 request.',
    actionPath: '/docs#authentication',
  },
  api_key_malformed: {
    status: 401,
    meaning: 'The Authorization header is not `Bearer <key>`, or the key is not in a BatchRouter key format (a mistyped or truncated key fails its checksum).',
    fix: 'Copy the key again from where you stored it; send exactly `Authorization: Bearer <key>` with one space and nothing after the key.',
  },
  api_key_invalid: {
    status: 401,
    meaning: 'The key is well formed but no such key exists on this instance.',
    fix: 'Check that the key belongs to this instance; create a new key if it was lost.',
  },
  api_key_revoked: {
    status: 401,
    meaning: 'The key was revoked. Revoked keys stop working immediately and for good.',
    fix: 'Create a replacement key (POST /v1/auth/account/api-keys with a working key, or from the dashboard) and deploy it.',
  },
  api_key_expired: {
    status: 401,
    meaning: 'The key passed its expires_at.',
    fix: 'Create a replacement key, with a later expires_at or none.',
  },
  api_key_wrong_environment: {
    status: 401,
    meaning: 'The key belongs to the other environment: br_live_ keys work against the live instance only, br_test_ keys against the test instance only.',
    fix: "Use this environment's key, or send the request to the other environment's base URL.",
  },
  insufficient_scope: {
    status: 403,
    meaning: 'The key is valid but lacks the scope this endpoint needs.',
    fix: 'Create a key with the scope named in `details` (an owner or admin can), and use it for this call.',
  },
  role_not_allowed: {
    status: 403,
    meaning: "The key's role does not allow this action (for example, members cannot create or revoke keys).",
    fix: 'Ask a workspace owner or admin to do it, or to create a key with the role it needs.',
  },
  grant_exceeds_creator: {
    status: 403,
    meaning: 'A key can never hold more than the key that creates it: a higher role, a scope it lacks, or a later expiry.',
    fix: 'Request only the scopes, role and expiry of the creating key or less, or create the key with a more privileged key.',
  },
  agent_register_disabled: {
    status: 403,
    meaning: 'The operator of this instance has turned agent registration off.',
    fix: 'Ask the operator for an org and key, or sign up in the dashboard.',
  },
  insufficient_credits: {
    status: 402,
    meaning: "The org's available credit balance cannot cover the batch's maximum cost, which submit reserves.",
    fix: 'Add credits, then check the balance with GET /v1/auth/account.',
  },
  invalid_request: {
    status: 400,
    meaning: 'The request is not valid: `details` lists every problem with its location.',
    fix: 'Correct each field named in `details` and send the request again.',
  },
  invalid_json: {
    status: 400,
    meaning: 'The body is not valid JSON.',
    fix: 'Send a JSON document that parses, with Content-Type: application/json.',
  },
  quote_not_found: {
    status: 404,
    meaning: 'No quote with that id exists in your org.',
    fix: 'Quote the manifest with POST /v1/batches/quote and use its quote_id, or submit without quote_id.',
  },
  quote_expired: {
    status: 422,
    meaning: 'The quote is more than ten minutes old: its prices are no longer locked.',
    fix: 'Quote again, or submit without quote_id to run at current prices.',
  },
  quote_mismatch: {
    status: 422,
    meaning: 'The quote was made for a different manifest (items, models, SLA, privacy or regions differ).',
    fix: 'Quote exactly this manifest, or submit without quote_id.',
  },
  idempotency_key_required: {
    status: 400,
    meaning: 'Submitting a batch needs an Idempotency-Key header of 8 to 128 characters.',
    fix: 'Send a unique Idempotency-Key per batch (a UUID works) and reuse it only to retry the same request.',
  },
  idempotency_key_reused: {
    status: 409,
    meaning: 'This Idempotency-Key was already used with a different request body.',
    fix: 'Use a new key for a new batch; reuse a key only to retry the identical request.',
  },
  idempotency_key_in_flight: {
    status: 409,
    meaning: 'A request with this Idempotency-Key is still being processed.',
    fix: 'Wait a moment and retry: you will get the batch it created.',
  },
  file_not_found: {
    status: 404,
    meaning: 'No uploaded manifest file with that id exists in your org.',
    fix: 'Upload the JSONL manifest with POST /v1/files and use the id it returns as input_file_id.',
  },
  batch_not_found: {
    status: 404,
    meaning: "No batch with that id exists in your org (another org's batches are never visible).",
    fix: 'List your batches with GET /v1/batches and use one of their ids.',
  },
  batch_finished: {
    status: 409,
    meaning: 'The batch has already finished (completed, failed, cancelled or expired): it cannot be changed.',
    fix: 'Nothing to do; read its results.',
  },
  artifact_not_ready: {
    status: 409,
    meaning: 'The results artifact exists once the batch has finished.',
    fix: 'Poll GET /v1/batches/{id} until its status is terminal, or page GET /v1/batches/{id}/results meanwhile.',
  },
  artifact_link_invalid: {
    status: 403,
    meaning: 'The artifact link is expired or its signature does not match.',
    fix: 'Ask for a fresh link with GET /v1/batches/{id}/artifact-url.',
  },
  webhook_url_refused: {
    status: 400,
    meaning:
      'The webhook URL cannot be used: it is not https, has a user name or password, names an internal or metadata host, or resolves to a private, loopback, link-local, shared (CGNAT), unique-local, multicast or reserved address. Deliveries check again every time they connect.',
    fix: 'Use a public https:// URL whose name resolves only to public addresses. An operator can exempt a named host with BATCHROUTER_WEBHOOK_ALLOWED_HOSTS.',
  },
  webhook_not_found: {
    status: 404,
    meaning: 'This workspace has no delivery webhook saved.',
    fix: 'Save one with PUT /v1/auth/account/delivery-webhook (url, and optionally your own secret).',
  },
  webhook_delivery_not_found: {
    status: 404,
    meaning: "No webhook delivery with that id exists in your org (another org's deliveries are never visible).",
    fix: 'List deliveries with GET /v1/webhooks/deliveries and use one of their ids.',
  },
  webhook_disabled: {
    status: 409,
    meaning: 'The endpoint this delivery goes to is disabled (its receiver answered 410 Gone) or was removed.',
    fix: 'Save the endpoint again with PUT /v1/auth/account/delivery-webhook, which enables it, then redeliver.',
  },
  api_key_not_found: {
    status: 404,
    meaning: "No key with that id exists in your org (another org's keys are never visible).",
    fix: 'List your keys with GET /v1/auth/account/api-keys and use one of their ids.',
  },
  org_not_found: {
    status: 404,
    meaning: 'No org with that id exists on this instance.',
    fix: 'Check the org id (it starts with org_).',
  },
  session_required: {
    status: 401,
    meaning: 'This endpoint needs a signed-in dashboard session (the br_session cookie), and the request had none that is valid: missing, signed out, revoked, or past its idle or absolute timeout. API keys cannot call it.',
    fix: 'Sign in again (POST /v1/auth/signin) and send the cookie it sets.',
  },
  csrf_token_invalid: {
    status: 403,
    meaning: 'A state-changing request made with the session cookie lacks the X-CSRF-Token header or carries a wrong one, or a sign-in form was posted from another site.',
    fix: 'Send X-CSRF-Token with the csrf_token from sign-in or GET /v1/auth/session; post sign-in forms from the dashboard itself.',
  },
  invalid_credentials: {
    status: 401,
    meaning: 'The email address or the password is wrong.',
    fix: 'Check both and try again, or reset the password with POST /v1/auth/password/forgot.',
  },
  password_incorrect: {
    status: 403,
    meaning: 'The current password given to confirm this change is wrong.',
    fix: 'Type your current password again; if you forgot it, sign out and reset it.',
  },
  email_taken: {
    status: 409,
    meaning: 'Another account already uses this email address.',
    fix: 'Sign in to that account (or reset its password), or use another address.',
  },
  link_invalid: {
    status: 400,
    meaning: 'The link is not valid: it was already used, it expired, or it was never issued.',
    fix: 'Ask for a new link (resend the verification email, request a new password reset, or ask for a new invitation).',
  },
  session_not_found: {
    status: 404,
    meaning: 'None of your sessions has that id.',
    fix: 'List your sessions with GET /v1/auth/sessions and use one of their ids.',
  },
  member_not_found: {
    status: 404,
    meaning: 'No member of your workspace has that user id.',
    fix: 'List members with GET /v1/auth/account/members and use one of their user ids.',
  },
  last_owner: {
    status: 409,
    meaning: 'The workspace must keep at least one owner: its last owner can be neither demoted nor removed.',
    fix: 'Make another member an owner first.',
  },
  already_member: {
    status: 409,
    meaning: 'That email address already belongs to a member of this workspace.',
    fix: 'Change their role instead (PATCH /v1/auth/account/members/{user_id}).',
  },
  invitation_not_found: {
    status: 404,
    meaning: 'No invitation of your workspace has that id.',
    fix: 'List pending invitations with GET /v1/auth/account/invitations and use one of their ids.',
  },
  invitation_wrong_account: {
    status: 403,
    meaning: 'The invitation was sent to another email address than the account signed in.',
    fix: 'Sign out and sign in (or sign up) with the invited address, then open the link again.',
  },
  org_membership_required: {
    status: 403,
    meaning: 'You are not a member of that workspace.',
    fix: 'Pick one of the workspaces listed in GET /v1/auth/session (orgs), or ask an owner of the other one for an invitation.',
  },
  import_file_not_found: {
    status: 404,
    meaning: "No import file with that id exists in your org (another org's files are never visible).",
    fix: 'Upload your OpenAI Batch output file with POST /v1/files?purpose=import, or fetch it with POST /v1/imports/openai, and use the id it returns.',
  },
  import_too_large: {
    status: 422,
    meaning: 'The import holds more lines than one import may (100,000 output lines, and as many input lines).',
    fix: 'Import fewer batches at a time (name them with batch_ids), or split the file.',
  },
  import_empty: {
    status: 422,
    meaning: 'OpenAI has no finished batch with results to import for this request.',
    fix: 'Name finished batches with batch_ids, or widen since; batches still running can be imported once they end.',
  },
  provider_key_not_found: {
    status: 404,
    meaning: 'Your org has stored no API key for this provider.',
    fix: 'An owner or admin stores one with PUT /v1/auth/account/provider-keys/openai {"api_key": "sk-…"}.',
  },
  provider_key_unusable: {
    status: 409,
    meaning: "The stored provider key was encrypted under another instance encryption key (BATCHROUTER_ENCRYPTION_KEY) and cannot be read by this server.",
    fix: 'Store the key again with PUT /v1/auth/account/provider-keys/openai; the operator should give every process the same BATCHROUTER_ENCRYPTION_KEY.',
  },
  provider_key_rejected: {
    status: 422,
    meaning: 'The provider refused the stored API key (revoked, mistyped, or without access to batches and files).',
    fix: 'Store a working key with PUT /v1/auth/account/provider-keys/openai (it needs read access to Batches and Files).',
  },
  provider_batch_not_found: {
    status: 404,
    meaning: 'The provider knows no batch with that id for the stored key.',
    fix: "Check the batch ids (OpenAI's look like batch_…) and that the stored key belongs to the project that ran them.",
  },
  provider_unavailable: {
    status: 502,
    meaning: 'The provider did not answer, answered with an error, or did not deliver the files in the time one request may take.',
    fix: 'Retry later, import fewer batches at a time, or download the files yourself and upload them with POST /v1/files?purpose=import.',
  },
  route_not_found: {
    status: 404,
    meaning: 'No endpoint answers this method and path.',
    fix: 'Check the path and method against the API reference at /docs.',
  },
  payload_too_large: {
    status: 413,
    meaning: 'The body is larger than this instance accepts.',
    fix: 'Send a smaller body; upload large manifests as a file.',
  },
  unsupported_media_type: {
    status: 415,
    meaning: 'The body has a Content-Type this endpoint does not read.',
    fix: 'Send Content-Type: application/json.',
  },
  request_header_too_large: {
    status: 431,
    meaning: 'The request headers are larger than the server accepts.',
    fix: 'Send smaller headers.',
  },
  bad_request: {
    status: 400,
    meaning: 'The HTTP request itself could not be read.',
    fix: 'Send a well-formed HTTP/1.1 request.',
  },
  rate_limited: {
    status: 429,
    meaning: 'Too many requests from this client in the current window.',
    fix: 'Wait for the number of seconds in the Retry-After header, then try again.',
  },
  admin_token_required: {
    status: 401,
    meaning: 'Operator endpoints need the operator token as a bearer token.',
    fix: 'Send `Authorization: Bearer <BATCHROUTER_ADMIN_TOKEN>`; the CLI does this for you.',
  },
  admin_token_invalid: {
    status: 401,
    meaning: 'The operator token is wrong.',
    fix: 'Use the BATCHROUTER_ADMIN_TOKEN of this instance, or the admin-token file in its data directory.',
  },
  legacy_key_exists: {
    status: 409,
    meaning: 'That legacy key was imported already.',
    fix: 'Nothing to do: the key works. Revoke it through the API if it should not.',
  },
  service_unavailable: {
    status: 503,
    meaning: 'The server cannot reach its database right now.',
    fix: 'Retry with backoff; the operator should check the database.',
  },
  internal_error: {
    status: 500,
    meaning: 'Something failed on our side. Nothing you sent was wrong.',
    fix: 'Retry with backoff; if it persists, report the request_id.',
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with one field of a request. */
export interface ErrorDetail {
  /** Where the problem is, as a path into the request: `body.expires_at`, `items[3].model`. */
  path: string;
  message: string;
}

/** The one error type of the domain: a stable code, a message for people, optional details. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ErrorCode;
  readonly details: ErrorDetail[] | undefined;
  /** Extra response headers, such as Retry-After. */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetail[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}
