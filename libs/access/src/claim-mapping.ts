import type { ClaimMapping, ClaimPath } from '@praesidium/config';
import { ROLES, type Principal, type Role } from './principal.js';

/** What a verified token says about its holder, before any client certificate is considered. */
export type MappedIdentity = Omit<Principal, 'subject' | 'issuer' | 'expiresAt' | 'certificateThumbprint'>;

/**
 * Reads the Principal attributes out of verified claims as the issuer's mapping says: Keycloak's
 * `realm_access.roles`, Entra's `roles`, a custom `department` claim… Only own properties are
 * followed, so `__proto__` or `constructor` in a payload can never supply a value.
 */
export function mapClaims(claims: Record<string, unknown>, mapping: ClaimMapping): MappedIdentity {
  const name = firstString(claims, mapping.name);
  const site = firstString(claims, mapping.site);
  const clientId = firstString(claims, mapping.clientId);
  return {
    ...(name !== undefined ? { name } : {}),
    roles: praesidiumRoles(allStrings(claims, mapping.roles), mapping.roleMap),
    departments: allStrings(claims, mapping.departments),
    ...(site !== undefined ? { site } : {}),
    trainings: allStrings(claims, mapping.trainings),
    ...(clientId !== undefined ? { clientId } : {}),
  };
}

/** IdP role names → Praesidium roles; anything that does not map to a known role is dropped. */
function praesidiumRoles(idpRoles: readonly string[], roleMap: ClaimMapping['roleMap']): Role[] {
  const mapped = roleMap
    ? idpRoles.flatMap((role) => (Object.hasOwn(roleMap, role) ? [roleMap[role]] : []))
    : idpRoles;
  const known = mapped.filter((role): role is Role => (ROLES as readonly string[]).includes(role));
  return [...new Set(known)];
}

/** The value at a dotted path (or at the given segments), own properties only. */
export function valueAt(claims: Record<string, unknown>, path: ClaimPath): unknown {
  const segments = typeof path === 'string' ? path.split('.') : path;
  let value: unknown = claims;
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function allStrings(claims: Record<string, unknown>, paths: readonly ClaimPath[]): string[] {
  const values = paths.flatMap((path) => stringList(valueAt(claims, path)));
  return [...new Set(values)];
}

function firstString(claims: Record<string, unknown>, paths: readonly ClaimPath[]): string | undefined {
  for (const path of paths) {
    const value = valueAt(claims, path);
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
