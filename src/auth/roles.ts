import type { AuthChecker } from 'type-graphql';
import type { ApiKeyRole } from '../storage/types.js';
import { ErrorCode, GatewayError } from '../errors/index.js';

export type Role = ApiKeyRole;

export const ROLES: readonly Role[] = ['mobile', 'personalization', 'editor', 'internal'];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/**
 * The rights each role holds besides its own. Personalization and editor
 * both read what mobile reads; the content team's editor reviews and
 * publishes but never generates, and the personalization service generates
 * but never publishes. Internal holds everything.
 */
const HOLDS: Readonly<Record<Role, readonly Role[]>> = {
  mobile: ['mobile'],
  personalization: ['mobile', 'personalization'],
  editor: ['mobile', 'editor'],
  internal: ROLES,
};

/** True when `have` includes the rights of `need` (internal ⊃ personalization ⊃ mobile, internal ⊃ editor ⊃ mobile). */
export function roleAllows(have: Role, need: Role): boolean {
  return HOLDS[have].includes(need);
}

/** Who is calling: the key's name and role, never the key. */
export interface Principal {
  /** The api_keys row id; null when the gateway runs open (no keys configured). */
  keyId: string | null;
  name: string;
  role: Role;
}

/** The principal used when no key is configured outside production. */
export const OPEN_PRINCIPAL: Readonly<Principal> = Object.freeze({
  keyId: null,
  name: 'open-access',
  role: 'internal',
});

/**
 * The one place authorization is decided: type-graphql calls it for every
 * field marked `@Authorized(role)`. With several roles listed, any one
 * suffices; hierarchy means `@Authorized('mobile')` admits every role.
 * Throws (rather than returning false) so the client sees our codes.
 */
export const authChecker: AuthChecker<{ principal?: Principal | null }, Role> = ({ context }, roles) => {
  const principal = context.principal;
  if (!principal)
    throw new GatewayError(ErrorCode.UNAUTHENTICATED, 'an API key is required: send Authorization: Bearer <key>');
  if (roles.length === 0 || roles.some((need) => roleAllows(principal.role, need))) return true;
  throw new GatewayError(
    ErrorCode.FORBIDDEN,
    `the ${principal.role} role may not do this (needs ${roles.join(' or ')})`,
    { role: principal.role },
  );
};
