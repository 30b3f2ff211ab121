import { LibraryTrainingEvent } from '@studio/node-schemas';

/** A training run as the page follows it: the latest event plus the loss curve and samples so far. */
export interface FollowedRun {
  task_id: string;
  asset_id: string;
  state: LibraryTrainingEvent['state'];
  phase: string;
  step: string;
  train_step: number | null;
  total_steps: number | null;
  loss: number | null;
  eta_s: number | null;
  curve: Array<[number, number]>;
  samples: string[];
  error: string | null;
  version: string | null;
}

/**
 * `/ws/library`: every training run's events, validated with node-schemas, folded into runs the
 * page shows. Reconnects after a drop; a status fetch fills in what was missed.
 */
export class LibrarySocket {
  runs = $state<Record<string, FollowedRun>>({});
  connected = $state(false);
  #ws: WebSocket | null = null;
  #closed = false;

  connect(): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/library`;
    const ws = new WebSocket(url);
    this.#ws = ws;
    ws.onopen = () => (this.connected = true);
    ws.onclose = () => {
      this.connected = false;
      if (!this.#closed) setTimeout(() => this.connect(), 1000);
    };
    ws.onmessage = (message) => {
      const parsed = LibraryTrainingEvent.safeParse(JSON.parse(String(message.data)));
      if (parsed.success) this.apply(parsed.data);
    };
  }

  /** Starts following a run known from the API (after a reload or a resume). */
  seed(run: Partial<FollowedRun> & { task_id: string; asset_id: string }): void {
    const known = this.runs[run.task_id];
    this.runs[run.task_id] = {
      ...blank(run.task_id, run.asset_id),
      ...known,
      ...run,
      curve: run.curve ?? known?.curve ?? [],
      samples: run.samples ?? known?.samples ?? [],
    };
  }

  apply(event: LibraryTrainingEvent): void {
    const run = this.runs[event.task_id] ?? blank(event.task_id, event.asset_id);
    run.state = event.state;
    if (event.phase) run.phase = event.phase;
    if (event.step) run.step = event.step;
    if (event.train_step !== undefined) run.train_step = event.train_step;
    if (event.total_steps !== undefined) run.total_steps = event.total_steps;
    if (event.eta_s !== undefined) run.eta_s = event.eta_s;
    if (event.loss !== undefined && event.train_step !== undefined) {
      run.loss = event.loss;
      const last = run.curve.at(-1);
      if (!last || last[0] < event.train_step) run.curve = [...run.curve, [event.train_step, event.loss]];
    }
    if (event.sample_url && !run.samples.includes(event.sample_url)) run.samples = [...run.samples, event.sample_url];
    if (event.error) run.error = event.error;
    if (event.version) run.version = event.version.name;
    this.runs[event.task_id] = { ...run };
  }

  close(): void {
    this.#closed = true;
    this.#ws?.close();
  }
}

function blank(task_id: string, asset_id: string): FollowedRun {
  return {
    task_id,
    asset_id,
    state: 'queued',
    phase: 'queued',
    step: 'Queued',
    train_step: null,
    total_steps: null,
    loss: null,
    eta_s: null,
    curve: [],
    samples: [],
    error: null,
    version: null,
  };
}
