/**
 * The events the platform sends to webhooks (docs/api.md); `*` subscribes to all, including ones added later. One
 * list for the server's schemas and the web app's administration page, which imports it as a value through
 * `@khatam/server/webhook-events` (this module, which imports nothing, is all of the server the app then bundles).
 */
export const WEBHOOK_EVENTS = [
  "envelope.sent",
  "envelope.viewed",
  "envelope.signed",
  "envelope.approved",
  "envelope.completed",
  "envelope.declined",
  "envelope.expired",
  "envelope.voided",
] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
