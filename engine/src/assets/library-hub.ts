import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_CODES, LOCAL_TENANT, type LibraryTrainingEvent } from '@studio/node-schemas';
import type { Authenticated } from '../auth/auth-service.ts';
import { upgradeAuthOf } from '../auth/upgrade-auth.ts';

export const LIBRARY_WS_PATH = '/ws/library';

/**
 * `/ws/library`: the Asset Manager's WebSocket. Assets belong to a tenant's library, not to a
 * project, so their training events go to everyone of that tenant watching the library, and to no
 * one else; a client that connects mid-run gets each of its tenant's tasks' latest state at once.
 */
export class LibraryHub {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  readonly #clients = new Map<WebSocket, string>();
  /** Per tenant, each task's latest state (the last 200 tasks): one tenant's runs never push out another's. */
  readonly #latest = new Map<string, Map<string, LibraryTrainingEvent>>();
  /** Events go out in the order they were told, though finding an asset's tenant may wait on the disk. */
  #delivering: Promise<void> = Promise.resolve();

  /** `tenantOfAsset`: whose library an asset is in (null: none, the event goes nowhere). */
  constructor(private readonly tenantOfAsset: (assetId: string) => Promise<string | null> = async () => LOCAL_TENANT) {}

  /**
   * Takes the upgrade when it is for the library; false leaves it to the project sync server. The
   * socket's tenant is its session's: the one the sync server verified when it passes it, else the
   * multi-user gate of the request's server is asked again; none (single-user): the local tenant.
   */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer, session?: Authenticated | null): boolean {
    const path = (request.url ?? '').split('?')[0];
    if (path !== LIBRARY_WS_PATH) return false;
    void this.#sessionOf(request, session).then(
      (who) => {
        if (who === null) return void socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        this.#accept(request, socket, head, who);
      },
      () => socket.destroy(),
    );
    return true;
  }

  /** The socket's tenant and when its token ends (null: no token, single-user); null when refused. */
  async #sessionOf(request: IncomingMessage, session: Authenticated | null | undefined): Promise<{ tenant: string; expiresAt: number | null } | null> {
    if (session) return { tenant: session.actor.tenant, expiresAt: session.expiresAt };
    const users = upgradeAuthOf((request.socket as { server?: Server }).server ?? ({} as Server));
    if (!users) return { tenant: LOCAL_TENANT, expiresAt: null };
    const verified = await users.authenticate(request).catch(() => null);
    // A worker's job token reaches its project over git only.
    return verified && verified.project === undefined ? { tenant: verified.actor.tenant, expiresAt: verified.expiresAt } : null;
  }

  #accept(request: IncomingMessage, socket: Duplex, head: Buffer, { tenant, expiresAt }: { tenant: string; expiresAt: number | null }): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      if (expiresAt !== null) {
        // As a project's socket: it ends with its token, and the client signs in again.
        const timer = setTimeout(
          () => ws.close(CLOSE_CODES.unauthorized, 'the token has expired: sign in again'),
          Math.min(2 ** 31 - 1, Math.max(0, expiresAt * 1000 - Date.now())),
        );
        timer.unref();
        ws.on('close', () => clearTimeout(timer));
      }
      // The library socket only listens: anything a client sends is ignored.
      this.#clients.set(ws, tenant);
      ws.on('close', () => this.#clients.delete(ws));
      for (const event of this.#latest.get(tenant)?.values() ?? []) ws.send(JSON.stringify(event));
    });
  }

  broadcast(event: LibraryTrainingEvent): void {
    this.#delivering = this.#delivering.then(() => this.#deliver(event)).catch(() => undefined);
  }

  /** Resolves once every event told so far has gone out. */
  delivered(): Promise<void> {
    return this.#delivering;
  }

  async #deliver(event: LibraryTrainingEvent): Promise<void> {
    const tenant = await this.tenantOfAsset(event.asset_id);
    if (tenant === null) return;
    let latest = this.#latest.get(tenant);
    if (!latest) this.#latest.set(tenant, (latest = new Map()));
    const previous = latest.get(event.task_id);
    // Keep the last sample and version on the remembered state, so a late joiner sees them.
    latest.set(event.task_id, { ...previous, ...event, sample_url: event.sample_url ?? previous?.sample_url });
    if (latest.size > 200) latest.delete(latest.keys().next().value!);
    const text = JSON.stringify(event);
    for (const [ws, own] of this.#clients) if (own === tenant && ws.readyState === ws.OPEN) ws.send(text);
  }

  close(): void {
    for (const ws of this.#clients.keys()) ws.terminate();
    this.#wss.close();
  }
}
