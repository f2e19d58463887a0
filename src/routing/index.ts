export { createRouter, type RouterOptions, type BulkheadSettings } from './router.js';
export {
  defaultPolicies,
  parsePolicyOverride,
  resolvePolicies,
  PolicyOverrideError,
  DEFAULT_OVERRIDE_RETRIES,
  LOCAL_PROVIDER_IDS,
  MOBILE_TIMEOUT_MS,
  type DefaultPolicyOptions,
  type PolicyOverride,
} from './policies.js';
export { DEFAULT_BREAKER_SETTINGS, type BreakerSettings } from './breaker.js';
export { DEFAULT_RETRY_SETTINGS, type RetrySettings } from './retry.js';
export {
  createMemoryStateStore,
  type RouterStateStore,
  type CachedGeneration,
  type MemoryStateStoreOptions,
} from './state-store.js';
export { generationCacheKey, canonicalJson } from './cache-key.js';
export { weightedIndex, weightedFirst } from './weighted.js';
export type * from './types.js';
