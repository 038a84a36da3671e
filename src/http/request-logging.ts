/**
 * Request log lines without the secrets that travel in URLs: the token of an invitation link
 * (`/v1/auth/invitations/<token>`) and any `token` query parameter (the dashboard's link pages).
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

const TOKEN_IN_PATH = /^(\/v1\/auth\/invitations\/)(?!accept(?:[/?#]|$))[^/?#]+/;
const TOKEN_IN_QUERY = /([?&](?:token|code)=)[^&#]*/gi;

/** The URL as logs may show it. */
export function redactUrl(url: string): string {
  return url.replace(TOKEN_IN_PATH, '$1[redacted]').replace(TOKEN_IN_QUERY, '$1[redacted]');
}

function describeRequest(request: FastifyRequest) {
  return { method: request.method, url: redactUrl(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort };
}

/** Fastify's request logging, with URLs redacted. */
export class RedactingLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.info({ req: describeRequest(request) }, 'incoming request');
  }

  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (reply.statusCode >= 500) reply.log.error({ req: describeRequest(request), err: error }, error.message);
    else reply.log.info({ err: error }, error.message);
  }
}
