import type { IncomingMessage, Server } from 'node:http';
import type { Authenticated } from './auth-service.ts';

/** How the WebSocket upgrade of a multi-user engine checks who connects and which projects they may open. */
export interface UpgradeAuth {
  /** Throws UnauthorizedError or TokenExpiredError. */
  authenticate(request: IncomingMessage): Promise<Authenticated>;
  /** False for another tenant's project (answered like a missing one). */
  mayOpen(session: Authenticated, projectId: string): Promise<boolean>;
}

// The gate installs it for the app's server; the sync server looks it up per upgrade (it is attached before the gate).
const byServer = new WeakMap<Server, UpgradeAuth>();

export function setUpgradeAuth(server: Server, auth: UpgradeAuth): void {
  byServer.set(server, auth);
}

export function upgradeAuthOf(server: Server): UpgradeAuth | null {
  return byServer.get(server) ?? null;
}
