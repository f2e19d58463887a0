import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertActions } from '../alerts/actions.js';
import { parseAlertmanagerWebhook } from '../alerts/alertmanager.js';
import { ErrorCode } from '../errors/codes.js';
import { BodyError, readBody } from './body.js';
import { sendGraphQLError, sendJson } from './respond.js';

/** Largest webhook body: Alertmanager batches a group's alerts, a few KiB each. */
const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * POST /internal/alerts: Alertmanager's webhook (the caller is already
 * authenticated as internal). Answers 200 with what each alert did, or 400
 * with BAD_USER_INPUT for a body that is not a webhook; Alertmanager retries
 * on 5xx only, so a bad body is not sent again and again.
 */
export async function serveAlertWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  actions: AlertActions,
): Promise<void> {
  let alerts;
  try {
    alerts = parseAlertmanagerWebhook(await readBody(req, MAX_WEBHOOK_BYTES));
  } catch (error) {
    if (error instanceof BodyError && error.reason === 'TOO_LARGE')
      return sendGraphQLError(res, 413, ErrorCode.PAYLOAD_TOO_LARGE, error.message);
    if (error instanceof BodyError || error instanceof TypeError)
      return sendGraphQLError(res, 400, ErrorCode.BAD_USER_INPUT, error.message, { reason: 'INVALID_WEBHOOK' });
    throw error;
  }
  sendJson(res, 200, { outcomes: await actions.handle(alerts) });
}
