/**
 * Alert-driven actions: Alertmanager's webhook tells the gateway an alert
 * fired or resolved, and a known alert maps to a safe action that is undone
 * when the alert resolves:
 * - demote_provider: the provider moves behind every other target of every
 *   policy (it still serves when nothing else can), except for one plan in
 *   DEMOTED_CANARY_EVERY, which keeps it in place: the alert that demoted it
 *   needs its calls to see it recover, or it would resolve for want of
 *   traffic and undo the demotion while the fault lasts;
 * - fallback_policy: a policy that leads with the alert's provider is
 *   planned with its `fallback` policy instead;
 * - pause_catalog_jobs: the catalog-job queue stops handing out chunks
 *   (chunks already running finish).
 * Unknown alerts, and known ones whose labels name nothing this gateway
 * has, are logged and ignored. An action that Alertmanager stops repeating
 * lapses after `ttlMs`, so a lost "resolved" cannot leave it on for good.
 *
 * Alertmanager's webhook reaches one replica. With a `share` (Redis), that
 * replica writes the actions where every replica mirrors them, so they hold
 * for the whole gateway; without one, they hold for this process.
 */
import type { Logger } from 'pino';
import type { AlertmanagerAlert } from './alertmanager.js';
import type { RoutingPolicy } from '../routing/types.js';
import type { ActionShare, ShareChange } from './action-share.js';
import type { ActionKind, ActiveAction } from './types.js';

export type { ActionKind, ActiveAction } from './types.js';

/** Alert names (deploy/prometheus/rules) and the action each one takes. */
export const ALERT_ACTIONS: Readonly<Record<string, ActionKind>> = {
  GatewayProviderErrorRatioHigh: 'demote_provider',
  GatewayProviderBreakerOpen: 'demote_provider',
  GatewayQualityDegraded: 'demote_provider',
  GatewayLocalQueueSaturated: 'fallback_policy',
  GatewayLocalRequestsRejected: 'fallback_policy',
  GatewayCostOverBudget: 'pause_catalog_jobs',
};

/** One plan in this many keeps a demoted provider in its usual place (see above). */
export const DEMOTED_CANARY_EVERY = 10;

/** What the catalog-job queue must offer for pause_catalog_jobs. */
export interface PausableJobs {
  pause(): Promise<void>;
  resume(): Promise<void>;
}

export interface AlertActionsOptions {
  /** Ids of the configured providers. */
  providerIds: () => readonly string[];
  /** The routing policies, for fallback_policy. */
  policies: readonly RoutingPolicy[];
  /** The catalog-job queue; null without Redis (pause_catalog_jobs then does nothing). */
  jobs: PausableJobs | null;
  logger: Logger;
  /** An action not refreshed by a repeated "firing" for this long lapses, ms. Default 4 h. */
  ttlMs?: number;
  /** Clock, ms. Default Date.now. */
  now?: () => number;
  /** Where replicas share the actions in force (Redis); null or absent: this process only. */
  share?: ActionShare | null;
}

export interface AlertOutcome {
  alert: string;
  status: 'firing' | 'resolved';
  /** The actions started, refreshed or undone. */
  actions: Array<{ kind: ActionKind; target: string }>;
  /** Why nothing was done, when nothing was. */
  ignored?: string;
}

export class AlertActions {
  readonly #options: AlertActionsOptions;
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** By fingerprint. */
  readonly #active = new Map<string, ActiveAction[]>();
  #jobsPaused = false;
  /** Plans made per demoted provider, for the canary share. */
  readonly #demotedPlans = new Map<string, number>();
  /** Resumes jobs whose pause lapsed when no webhook comes to do it. */
  readonly #sweep: NodeJS.Timeout;

  constructor(options: AlertActionsOptions) {
    this.#options = options;
    this.#ttlMs = options.ttlMs ?? 4 * 3600_000;
    this.#now = options.now ?? Date.now;
    this.#sweep = setInterval(() => void this.#syncJobs(), Math.min(this.#ttlMs, 60_000));
    this.#sweep.unref();
  }

  /** Mirrors the shared actions (when there is a share): those in force when this replica starts, and every change after. */
  async start(): Promise<void> {
    const share = this.#options.share;
    if (!share) return;
    await share.subscribe(
      (change) => this.#mirror(change),
      (all) => {
        this.#active.clear();
        for (const [fingerprint, actions] of all) this.#active.set(fingerprint, actions);
        void this.#syncJobs();
      },
    );
  }

  /** Applies one webhook's alerts in order; returns what was done for each. */
  async handle(alerts: readonly AlertmanagerAlert[]): Promise<AlertOutcome[]> {
    const outcomes: AlertOutcome[] = [];
    for (const alert of alerts) outcomes.push(alert.status === 'firing' ? this.#fire(alert) : this.#resolve(alert));
    // Resolutions always reach the share (this replica's mirror may lag); firings when they started actions.
    await this.#publish(
      alerts
        .filter((alert, i) => alert.status === 'resolved' || !outcomes[i]?.ignored)
        .map((alert) => alert.fingerprint),
    );
    await this.#syncJobs();
    for (const outcome of outcomes) {
      if (outcome.ignored)
        this.#options.logger.info(
          { alert: outcome.alert, status: outcome.status, reason: outcome.ignored },
          'alert ignored',
        );
      else
        this.#options.logger.warn(
          { alert: outcome.alert, status: outcome.status, actions: outcome.actions },
          outcome.status === 'firing' ? 'alert action taken' : 'alert action undone',
        );
    }
    return outcomes;
  }

  /** The policy to plan with for `name`: its fallback while an action switched it. */
  policyFor(name: string): string {
    const switched = this.active().find((a) => a.kind === 'fallback_policy' && a.target.startsWith(`${name}→`));
    return switched ? switched.target.slice(name.length + 1) : name;
  }

  /** Whether an action demoted `providerId`. */
  isDemoted(providerId: string): boolean {
    return this.active().some((a) => a.kind === 'demote_provider' && a.target === providerId);
  }

  /** Where planning puts `providerId`: last while demoted, but in place for one plan in DEMOTED_CANARY_EVERY. */
  placement(providerId: string): 'ok' | 'last' {
    if (!this.isDemoted(providerId)) return 'ok';
    const plans = (this.#demotedPlans.get(providerId) ?? 0) + 1;
    this.#demotedPlans.set(providerId, plans);
    return plans % DEMOTED_CANARY_EVERY === 0 ? 'ok' : 'last';
  }

  /** Every action in force, lapsed ones dropped. */
  active(): ActiveAction[] {
    const now = this.#now();
    for (const [fingerprint, actions] of this.#active) {
      if (actions.every((a) => now - a.refreshedAt > this.#ttlMs)) {
        this.#active.delete(fingerprint);
        // Lapsed here lapses for every replica (they share the clock's verdict), so the shared copy goes too.
        this.#options.share
          ?.remove(fingerprint)
          .catch((error: unknown) =>
            this.#options.logger.warn({ err: error, fingerprint }, 'lapsed alert action not removed from the share'),
          );
      }
    }
    return [...this.#active.values()].flat();
  }

  /**
   * Resumes paused jobs, so a stopping gateway leaves no queue paused on its
   * account. With a share the pause stays: it belongs to the alert, which the
   * other replicas still hold, not to this process.
   */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    const share = this.#options.share;
    if (share) {
      await share.close();
      return;
    }
    this.#active.clear();
    await this.#syncJobs();
  }

  /** Writes the webhook's alerts' actions to the share; when it is unreachable, they hold on this replica only (logged). */
  async #publish(fingerprints: readonly string[]): Promise<void> {
    const share = this.#options.share;
    if (!share) return;
    for (const fingerprint of new Set(fingerprints)) {
      const actions = this.#active.get(fingerprint);
      try {
        await (actions ? share.put(fingerprint, actions) : share.remove(fingerprint));
      } catch (error) {
        this.#options.logger.error(
          { err: error, fingerprint },
          'alert actions: not shared with the other replicas (Redis unavailable), in force on this one only',
        );
      }
    }
  }

  /** Another replica's change (or this one's, echoed back). */
  #mirror(change: ShareChange): void {
    if (change.actions) this.#active.set(change.fingerprint, change.actions);
    else this.#active.delete(change.fingerprint);
    void this.#syncJobs();
  }

  #fire(alert: AlertmanagerAlert): AlertOutcome {
    const name = alert.labels.alertname ?? '';
    const base = { alert: name, status: 'firing' as const };
    const kind = ALERT_ACTIONS[name];
    if (!kind) return { ...base, actions: [], ignored: 'no action for this alert' };
    const targets = this.#targets(kind, alert.labels);
    if (typeof targets === 'string') return { ...base, actions: [], ignored: targets };
    const now = this.#now();
    const since = Date.parse(alert.startsAt ?? '') || now;
    const provider = kind === 'pause_catalog_jobs' ? null : (alert.labels.provider ?? null);
    const actions = targets.map((target) => ({
      kind,
      target,
      provider,
      alert: name,
      fingerprint: alert.fingerprint,
      since,
      refreshedAt: now,
    }));
    this.#active.set(alert.fingerprint, actions);
    return { ...base, actions: actions.map(({ kind: k, target }) => ({ kind: k, target })) };
  }

  #resolve(alert: AlertmanagerAlert): AlertOutcome {
    const name = alert.labels.alertname ?? '';
    const actions = this.#active.get(alert.fingerprint) ?? [];
    this.#active.delete(alert.fingerprint);
    return {
      alert: name,
      status: 'resolved',
      actions: actions.map(({ kind, target }) => ({ kind, target })),
      ...(actions.length ? {} : { ignored: 'no action was in force for it' }),
    };
  }

  /** What `kind` applies to for an alert with `labels`, or why it applies to nothing. */
  #targets(kind: ActionKind, labels: Readonly<Record<string, string>>): string[] | string {
    if (kind === 'pause_catalog_jobs')
      return this.#options.jobs ? ['catalog'] : 'no catalog-job queue here (REDIS_URL unset)';
    const provider = labels.provider;
    if (!provider) return 'the alert has no provider label';
    if (!this.#options.providerIds().includes(provider)) return `provider "${provider}" is not configured here`;
    if (kind === 'demote_provider') return [provider];
    const switched = this.#options.policies
      .filter((p) => p.fallback !== undefined && p.targets[0]?.provider === provider)
      .map((p) => `${p.name}→${p.fallback}`);
    return switched.length ? switched : `no policy that leads with "${provider}" has a fallback`;
  }

  async #syncJobs(): Promise<void> {
    const jobs = this.#options.jobs;
    const wanted = this.active().some((a) => a.kind === 'pause_catalog_jobs');
    if (!jobs || wanted === this.#jobsPaused) return;
    try {
      await (wanted ? jobs.pause() : jobs.resume());
      this.#jobsPaused = wanted;
    } catch (error) {
      this.#options.logger.error({ err: error, pause: wanted }, 'catalog jobs: pause or resume failed');
    }
  }
}
