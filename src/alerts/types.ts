/** What an alert action is, shared by the actions and the store replicas share them in. */

export type ActionKind = 'demote_provider' | 'fallback_policy' | 'pause_catalog_jobs';

/** One action in force. */
export interface ActiveAction {
  kind: ActionKind;
  /** The provider demoted, the policy switched (as `policy→fallback`), or `catalog` for paused jobs. */
  target: string;
  /** The provider the alert is about (none for paused jobs). */
  provider: string | null;
  alert: string;
  /** Alertmanager's fingerprint of the alert: one alert, one set of actions. */
  fingerprint: string;
  /** When the alert started, as Alertmanager says, epoch ms. */
  since: number;
  /** When Alertmanager last said it was firing, epoch ms. */
  refreshedAt: number;
}
