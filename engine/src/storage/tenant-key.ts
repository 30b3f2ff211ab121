import { oidFanout } from './oid.ts';

/** The same rule as project.json's `tenant`: no slash, no dot, so no key can reach another tenant's prefix. */
const TENANT = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** `tenants/<tenant>/lfs/objects/`: the only prefix a tenant's objects live under. */
export function tenantPrefix(tenant: string): string {
  if (!TENANT.test(tenant)) throw new Error(`'${tenant}' is not a tenant name`);
  return `tenants/${tenant}/lfs/objects/`;
}

export function tenantObjectKey(tenant: string, oid: string): string {
  return tenantPrefix(tenant) + oidFanout(oid);
}
