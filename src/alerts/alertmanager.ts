/**
 * Alertmanager's webhook body (version 4), validated: only the fields the
 * actions read are required, and everything else Alertmanager sends is
 * allowed through untouched.
 */
import { z } from 'zod';

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  fingerprint: z.string().min(1).max(128),
});

const webhookSchema = z.object({
  version: z.string().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  alerts: z.array(alertSchema).max(1000),
});

export type AlertmanagerAlert = z.output<typeof alertSchema>;

/** Parses a webhook body; throws a TypeError naming what is wrong. */
export function parseAlertmanagerWebhook(text: string): AlertmanagerAlert[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`the body is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = webhookSchema.safeParse(raw);
  if (!parsed.success)
    throw new TypeError(
      `not an Alertmanager webhook: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data.alerts;
}
