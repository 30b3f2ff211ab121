import type { Connection, Edge, Node } from '@xyflow/svelte';
import { defaultNodeData, ErrorCode, type GraphEditOp, type GraphNode, type NodeTypeId, type ProjectManifest, type ServerMessage } from '@studio/node-schemas';
import { invertEdits, SyncClient, UndoHistory, type SyncStatus, type WebSocketLike } from '@studio/node-schemas/sync';
import { api, ApiError } from '$lib/api';
import { IDLE_RUNTIME, type NodeRuntime } from './canvas-context';
import { connectionProblem } from './connection-check';
import { deletionEdits } from './deletion-edits';
import { earlyClientId, markProjectOpen, projectSocketBase, takeEarlySocket } from './early-socket';
import { toFlowEdges, toFlowNodes } from './flow-nodes';
import { newElementId, nextSceneName, nextShotName, shotNameTaken } from './node-ids';

const NO_HANDLES: ReadonlySet<string> = new Set();
/** How many takes per node a canvas loads at a time. */
const TAKES_PAGE = 50;
/** The take number in a take file's name (`SHOT-010_v01_take03.png`), or null. */
const takeNumber = (path: string): number | null => {
  const match = /_take(\d+)\.[a-z0-9]+$/.exec(path);
  return match ? Number(match[1]) : null;
};

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
  /** What the notice is about (`node:<id>`, `connection`): a newer notice with the key replaces it, and fixing the problem clears it. */
  key?: string;
}

/** Info and warnings fade after this long; errors stay until dismissed or their problem is fixed. */
export const NOTICE_FADE_MS = 6000;

/**
 * projectStore (docs/sync-protocol.md#the-client): the client's single source of truth for one open project. Edits apply
 * at once and go to the engine with a client clock; refused ones roll back with the reason.
 */
export class ProjectStore {
  nodes = $state.raw<Node[]>([]);
  edges = $state.raw<Edge[]>([]);
  /** Each node's handles that have an edge: far out, a node draws only these. */
  // Rebuilt whole from the edges each time they change, never mutated after: plain Map and Set.
  /* eslint-disable svelte/prefer-svelte-reactivity */
  readonly #connected = $derived.by(() => {
    const byNode = new Map<string, Set<string>>();
    const add = (node: string, handle: string | null | undefined) => {
      if (!handle) return;
      let set = byNode.get(node);
      if (!set) byNode.set(node, (set = new Set()));
      set.add(handle);
    };
    for (const edge of this.edges) {
      add(edge.source, edge.sourceHandle);
      add(edge.target, edge.targetHandle);
    }
    return byNode;
  });
  /* eslint-enable svelte/prefer-svelte-reactivity */
  manifest = $state<ProjectManifest | null>(null);
  status = $state<SyncStatus>('connecting');
  statusDetail = $state<string | null>(null);
  serverClock = $state<number | null>(null);
  notices = $state<Notice[]>([]);
  /** Who is in the project now (this tab included), from server:presence. */
  presence = $state<Array<{ clientId: string; name: string; kind: string }>>([]);
  runtimes = $state<Record<string, NodeRuntime>>({});
  /** Each generating node's takes loaded so far (its newest TAKES_PAGE at open, more on request), oldest first. */
  takes = $state<Record<string, string[]>>({});
  /** Nodes that may have takes older than those loaded. */
  olderTakes = $state<Record<string, boolean>>({});
  canUndo = $state(false);
  canRedo = $state(false);
  loaded = $state(false);

  readonly #client: SyncClient;
  readonly #history = new UndoHistory();
  #undoInFlight = new WeakSet<GraphEditOp[]>();
  #frame = 0;
  #noticeId = 0;
  /** Nodes whose cancel was asked for and not yet answered (bookkeeping, not shown: no reactivity needed). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #cancelling = new Set<string>();

  constructor(
    readonly projectId: string,
    createSocket: (url: string) => WebSocketLike = (url) => new WebSocket(url) as unknown as WebSocketLike,
  ) {
    const clientId = earlyClientId(projectId);
    this.#client = new SyncClient({
      url: projectSocketBase(projectId),
      // The socket the layout opened while this page's code loaded, if it is this project's.
      createSocket: (url) => takeEarlySocket(url) ?? createSocket(url),
      ...(clientId ? { clientId } : {}),
      onChange: (cause) => {
        this.serverClock = this.#client.serverClock;
        if (cause === 'sync' && !this.loaded) {
          this.loaded = true;
          performance.mark('studio:first-sync');
          // The first graph is drawn now, not a frame later: nothing is on the canvas yet to batch with.
          cancelAnimationFrame(this.#frame);
          this.#frame = 0;
          this.refresh();
          return;
        }
        if (cause !== 'local') this.#scheduleRefresh();
      },
      onStatus: (status, detail) => {
        this.status = status;
        this.statusDetail = detail ?? null;
        if (status === 'live') this.clearNotice('connection');
      },
      onReject: (reason, edits) => {
        if (this.#undoInFlight.delete(edits)) {
          this.#history.discardLastRedo();
          this.notify('warning', `Cannot undo: ${reason}`);
        } else this.notify('warning', `Edit refused: ${reason}`);
        this.#syncHistoryFlags();
      },
      onMessage: (message) => this.#onServerMessage(message),
    });
  }

  async open(): Promise<void> {
    markProjectOpen(this.projectId, true);
    this.#client.connect();
    void this.loadTakes();
    try {
      const project = await api.getProject(this.projectId);
      const { graph: _graph, id: _id, name: _name, ...manifest } = project;
      this.manifest = manifest as ProjectManifest;
    } catch (error) {
      this.notify('error', `Cannot load the project: ${(error as Error).message}`);
    }
  }

  close(): void {
    markProjectOpen(this.projectId, false);
    this.#client.close();
    cancelAnimationFrame(this.#frame);
  }

  get view() {
    return this.#client.view;
  }

  /** This tab's client id (presence marks it as "you"). */
  get clientId(): string {
    return this.#client.clientId;
  }

  notify(level: Notice['level'], message: string, key?: string): void {
    const notice: Notice = { id: ++this.#noticeId, level, message, ...(key ? { key } : {}) };
    const kept = key ? this.notices.filter((n) => n.key !== key) : this.notices;
    this.notices = [...kept.slice(-4), notice];
    if (level !== 'error') setTimeout(() => this.dismiss(notice.id), NOTICE_FADE_MS);
  }

  dismiss(id: number): void {
    if (this.notices.some((n) => n.id === id)) this.notices = this.notices.filter((n) => n.id !== id);
  }

  /** The problem a keyed notice was about is fixed: its notice goes. */
  clearNotice(key: string): void {
    if (this.notices.some((n) => n.key === key)) this.notices = this.notices.filter((n) => n.key !== key);
  }

  /** Asks the engine to cancel a node's task, and remembers it so a take that still arrives is explained. */
  cancel(nodeId: string): void {
    this.#cancelling.add(nodeId);
    if (this.send({ type: 'client:cancel_generation', node_id: nodeId, task_id: this.runtime(nodeId).taskId ?? undefined }))
      this.notify('info', 'Cancelling…', `node:${nodeId}`);
  }

  #scheduleRefresh(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.refresh();
    });
  }

  #front = 0;
  /** A clicked node comes to the front of the nodes it overlaps (this view only). */
  bringToFront(id: string): void {
    const index = this.nodes.findIndex((n) => n.id === id);
    const node = this.nodes[index];
    if (!node || node.type === 'sceneGroup' || (this.#front > 0 && node.zIndex === this.#front)) return;
    const next = [...this.nodes];
    next[index] = { ...node, zIndex: ++this.#front };
    this.nodes = next;
  }

  /** Rebuilds Svelte Flow's arrays from the synced graph. */
  refresh(): void {
    this.nodes = toFlowNodes(this.#client.view, this.nodes);
    this.edges = toFlowEdges(this.#client.view, this.edges);
  }

  #syncHistoryFlags(): void {
    this.canUndo = this.#history.canUndo;
    this.canRedo = this.#history.canRedo;
  }

  /** Applies and sends edits, recording their inverse for undo. False (with a notice) when refused locally. */
  edit(edits: GraphEditOp[], { record = true, refresh = true }: { record?: boolean; refresh?: boolean } = {}): boolean {
    if (!edits.length) return true;
    const inverse = record ? invertEdits(this.#client.view, edits) : null;
    const result = this.#client.edit(edits);
    if (!result.ok) {
      this.notify('warning', result.reason);
      if (refresh) this.refresh();
      return false;
    }
    if (inverse) this.#history.record(edits, inverse);
    this.#syncHistoryFlags();
    if (refresh) this.refresh();
    return true;
  }

  addNode(type: NodeTypeId, position: { x: number; y: number }, data: Record<string, unknown> = {}): string | null {
    const id = newElementId(type);
    const extra = {
      ...(type === 'shot' ? { scene: 'SCENE_01', shot: nextShotName(this.#client.view, String(data.scene ?? 'SCENE_01')) } : {}),
      ...(type === 'sceneGroup' ? { scene: nextSceneName(this.#client.view) } : {}),
      ...data,
    };
    const node: GraphNode = {
      id,
      type,
      position: { x: Math.round(position.x), y: Math.round(position.y) },
      data: defaultNodeData(type, extra) as Record<string, unknown>,
      ...(type === 'sceneGroup' ? { width: 640, height: 360 } : {}),
    };
    return this.edit([{ op: 'add_node', node }]) ? id : null;
  }

  updateNodeData(id: string, patch: Record<string, unknown>): void {
    this.edit([{ op: 'update_node', id, changes: { data: patch } }]);
  }

  resizeNode(id: string, size: { x: number; y: number; width: number; height: number }): void {
    this.edit([
      {
        op: 'update_node',
        id,
        changes: { position: { x: Math.round(size.x), y: Math.round(size.y) }, width: Math.round(size.width), height: Math.round(size.height) },
      },
    ]);
  }

  beginDrag(): void {
    this.#history.beginGroup(`drag-${Date.now()}`);
  }

  /** Positions from a drag in progress: Svelte Flow already shows them, so no rebuild. */
  dragTo(nodes: readonly Node[], final: boolean): void {
    const edits: GraphEditOp[] = [];
    for (const n of nodes) {
      const current = this.#client.view.nodes.get(n.id);
      if (!current) continue;
      const position = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
      if (current.position.x !== position.x || current.position.y !== position.y) edits.push({ op: 'update_node', id: n.id, changes: { position } });
    }
    this.edit(edits, { refresh: final });
    if (final) this.#history.endGroup();
  }

  /**
   * Puts a dropped node into the scene group under it, or takes it out of its group when dropped
   * outside. Membership is meaning: a shot dropped into SCENE_02's group becomes SCENE_02 (renumbered
   * when its shot name is taken there), so its next takes go to that scene's folder; takes already
   * made stay where they are. The group grows to hold what was dropped in it.
   */
  regroup(node: Node, group: Node | null): void {
    const view = this.#client.view;
    const graphNode = view.nodes.get(node.id);
    if (!graphNode || graphNode.type === 'sceneGroup') return;
    const parent = graphNode.parentId ? view.nodes.get(graphNode.parentId) : undefined;
    if ((group?.id ?? null) === (parent?.id ?? null)) return;
    const absolute = parent ? { x: graphNode.position.x + parent.position.x, y: graphNode.position.y + parent.position.y } : graphNode.position;
    const position = group ? { x: Math.round(absolute.x - group.position.x), y: Math.round(absolute.y - group.position.y) } : absolute;
    const changes: Record<string, unknown> = { parentId: group?.id ?? null, position };
    const groupNode = group ? view.nodes.get(group.id) : undefined;
    const scene = groupNode?.data.scene as string | undefined;
    if (graphNode.type === 'shot' && scene && graphNode.data.scene !== scene) {
      const shot = shotNameTaken(view, scene, String(graphNode.data.shot), graphNode.id) ? nextShotName(view, scene) : graphNode.data.shot;
      changes.data = { scene, shot };
    }
    const edits: GraphEditOp[] = [{ op: 'update_node', id: node.id, changes }];
    if (groupNode) {
      const pad = 24;
      const width = Math.max(groupNode.width ?? 640, position.x + (node.measured?.width ?? 280) + pad);
      const height = Math.max(groupNode.height ?? 360, position.y + (node.measured?.height ?? 300) + pad);
      if (width !== groupNode.width || height !== groupNode.height)
        edits.push({ op: 'update_node', id: groupNode.id, changes: { width: Math.round(width), height: Math.round(height) } });
    }
    this.edit(edits);
  }

  /**
   * Renames a scene group's scene and, with it, its shots' (membership is meaning). A scene another
   * group already has is refused: scene names stay unique; a shot whose name is taken in the new
   * scene by a shot outside the group gets the next free one.
   */
  renameScene(groupId: string, scene: string): boolean {
    const view = this.#client.view;
    const group = view.nodes.get(groupId);
    if (!group || group.data.scene === scene) return false;
    if ([...view.nodes.values()].some((n) => n.type === 'sceneGroup' && n.id !== groupId && n.data.scene === scene)) {
      this.notify('warning', `${scene} is already another scene group's name: scene names stay unique`);
      return false;
    }
    const edits: GraphEditOp[] = [{ op: 'update_node', id: groupId, changes: { data: { scene } } }];
    for (const member of view.nodes.values()) {
      if (member.parentId !== groupId || member.type !== 'shot') continue;
      const shot = shotNameTaken(view, scene, String(member.data.shot), member.id) ? nextShotName(view, scene) : member.data.shot;
      edits.push({ op: 'update_node', id: member.id, changes: { data: { scene, shot } } });
    }
    return this.edit(edits);
  }

  /** Lays a scene group's members out in a tidy grid, in shot order, and sizes the group to hold them. */
  arrangeScene(groupId: string): void {
    const view = this.#client.view;
    const members = [...view.nodes.values()]
      .filter((n) => n.parentId === groupId)
      .sort((a, b) => String(a.data.shot ?? a.id).localeCompare(String(b.data.shot ?? b.id)));
    if (!members.length) return;
    const columns = Math.ceil(Math.sqrt(members.length));
    const cell = { width: 320, height: 340 };
    const edits: GraphEditOp[] = members.map((n, i) => ({
      op: 'update_node',
      id: n.id,
      changes: { position: { x: 24 + (i % columns) * cell.width, y: 48 + Math.floor(i / columns) * cell.height } },
    }));
    const rows = Math.ceil(members.length / columns);
    edits.push({ op: 'update_node', id: groupId, changes: { width: 48 + columns * cell.width, height: 72 + rows * cell.height } });
    this.edit(edits);
  }

  remove(nodeIds: Iterable<string>, edgeIds: Iterable<string>): void {
    this.edit(deletionEdits(this.#client.view, nodeIds, edgeIds));
  }

  connectionProblem(c: Connection | Edge): string | null {
    return connectionProblem(this.#client.view, c);
  }

  connect(c: Connection): void {
    const problem = this.connectionProblem(c);
    if (problem) return this.notify('warning', `Cannot connect: ${problem}`);
    this.edit([
      {
        op: 'add_edge',
        edge: { id: newElementId('edge'), source: c.source, sourceHandle: c.sourceHandle ?? '', target: c.target, targetHandle: c.targetHandle ?? '' },
      },
    ]);
  }

  undo(): void {
    const edits = this.#history.takeUndo();
    if (!edits) return;
    this.#undoInFlight.add(edits);
    if (!this.edit(edits, { record: false })) this.#history.discardLastRedo();
    this.#syncHistoryFlags();
  }

  redo(): void {
    const edits = this.#history.takeRedo();
    if (edits) this.edit(edits, { record: false });
    this.#syncHistoryFlags();
  }

  /** Settings are last-write-wins per field: a stale version is retried once at the current one. */
  async updateSettings(
    changes: Partial<{ title: string; quality: string; aspect_ratio: string; description: string; hardware_policy: string }>,
  ): Promise<void> {
    const patch = (version: number | null) => api.updateProject(this.projectId, { version, ...changes });
    try {
      const updated = await patch(this.#client.serverClock).catch((error) => {
        if (error instanceof ApiError && error.code === ErrorCode.enum.STALE_VERSION) return patch(error.data.current_version as number);
        throw error;
      });
      const { id: _id, name: _name, ...manifest } = updated as ProjectManifest & { id: string; name: string };
      this.manifest = manifest;
    } catch (error) {
      this.notify('warning', `Settings not saved: ${(error as Error).message}`);
    }
  }

  /** The handles of a node that have an edge. */
  connectedHandles(nodeId: string): ReadonlySet<string> {
    return this.#connected.get(nodeId) ?? NO_HANDLES;
  }

  /** Opening a canvas reads each node's newest takes only: a shot with thousands of takes costs one page. */
  async loadTakes(): Promise<void> {
    try {
      const newest = await api.newestTakes(this.projectId, TAKES_PAGE);
      this.takes = Object.fromEntries(Object.entries(newest).map(([node, paths]) => [node, [...paths].reverse()]));
      this.olderTakes = Object.fromEntries(Object.entries(newest).map(([node, paths]) => [node, paths.length === TAKES_PAGE]));
    } catch {
      // takes show up with the next generation
    }
  }

  /** The next page of a node's takes, older than the oldest loaded. */
  async loadOlderTakes(nodeId: string): Promise<void> {
    const known = this.takes[nodeId] ?? [];
    const before = known.length ? takeNumber(known[0]!) : undefined;
    try {
      const page = await api.takesPage(this.projectId, nodeId, TAKES_PAGE, before ?? undefined);
      const older = [...page.takes].reverse().filter((path) => !known.includes(path));
      this.takes = { ...this.takes, [nodeId]: [...older, ...(this.takes[nodeId] ?? [])] };
      this.olderTakes = { ...this.olderTakes, [nodeId]: page.next_before !== null };
    } catch (error) {
      this.notify('warning', `Older takes not loaded: ${(error as Error).message}`);
    }
  }

  /** Export EDL: the engine saves and commits the list; the browser downloads it. */
  async exportEdl(nodeId: string): Promise<string[] | null> {
    try {
      const { files, warnings = [] } = await api.exportEdl(this.projectId, nodeId);
      for (const file of files) {
        const link = document.createElement('a');
        link.href = file.url;
        link.download = file.path.split('/').pop()!;
        link.click();
      }
      this.notify('info', `EDL saved to ${files.map((f) => f.path).join(', ')}`);
      for (const w of warnings) this.notify('warning', `${w.scene}/${w.shot}: ${w.message}`);
      return files.map((f) => f.path);
    } catch (error) {
      this.notify('warning', `EDL not exported: ${(error as Error).message}`);
      return null;
    }
  }

  runtime(nodeId: string): NodeRuntime {
    return this.runtimes[nodeId] ?? IDLE_RUNTIME;
  }

  /** Sends a job request over the socket (generation, render). */
  send(message: Parameters<SyncClient['send']>[0]): boolean {
    const sent = this.#client.send(message);
    if (!sent) this.notify('warning', 'Not connected: try again when the canvas is back online', 'connection');
    return sent;
  }

  #setRuntime(nodeId: string, patch: Partial<NodeRuntime>): void {
    this.runtimes = { ...this.runtimes, [nodeId]: { ...this.runtime(nodeId), ...patch } };
  }

  #onServerMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'server:project_updated': {
        const { id: _id, ...manifest } = message.project as ProjectManifest & { id: string };
        this.manifest = manifest as ProjectManifest;
        return;
      }
      case 'server:node_state_updated':
        if (message.state === 'cancelled' && this.#cancelling.delete(message.node_id))
          this.notify('info', 'Cancelled: no take was made', `node:${message.node_id}`);
        if (message.state === 'queued' || message.state === 'generating') this.clearNotice(`node:${message.node_id}`);
        return this.#setRuntime(message.node_id, {
          state: message.state,
          ...(message.task_id ? { taskId: message.task_id } : {}),
          ...(message.state === 'queued' || message.state === 'generating' ? { error: null } : {}),
        });
      case 'server:task_progress':
        return this.#setRuntime(message.node_id, { state: 'generating', progress: message.progress, step: message.step, taskId: message.task_id });
      case 'server:task_success': {
        const known = this.takes[message.node_id] ?? [];
        if (!known.includes(message.result.take)) this.takes = { ...this.takes, [message.node_id]: [...known, message.result.take] };
        if (this.#cancelling.delete(message.node_id))
          this.notify('warning', `The cancel came too late: the take ${message.result.take.split('/').pop()} was already made`, `node:${message.node_id}`);
        else this.clearNotice(`node:${message.node_id}`);
        return this.#setRuntime(message.node_id, { state: 'done', progress: 100, step: null, error: null, taskId: message.task_id });
      }
      case 'server:task_failed':
        this.#setRuntime(message.node_id, { state: 'failed', error: message.error, step: null, taskId: message.task_id });
        this.#cancelling.delete(message.node_id);
        return this.notify('error', message.error, `node:${message.node_id}`);
      case 'server:notice':
        return this.notify(message.level, message.message);
      case 'server:presence':
        this.presence = message.people;
        return;
      case 'server:error':
        return this.notify('warning', message.error);
    }
  }
}
