/** Gateway keys for tests: long enough for GATEWAY_API_KEYS, distinct per role, recognisable in a leak scan. */
export const TEST_KEYS = {
  mobile: 'test-mobile-key-7f3a9c1e5b',
  personalization: 'test-personalization-key-2d8e4f6a0c',
  internal: 'test-internal-key-9b1c3e5a7d',
} as const;

export const TEST_GATEWAY_API_KEYS = Object.entries(TEST_KEYS)
  .map(([role, key]) => `${role}:${key}`)
  .join(',');

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
