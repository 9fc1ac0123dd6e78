/**
 * A small pool of worker threads (handler-worker.ts) for the local runner:
 * started on first use, one call at a time per worker, stopped with the run.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { bundledEntry } from '../../bin/cache-folder.mjs';
import type { HandlerName } from '../../pipelines/flows/index.ts';
import type { HandlerCall, HandlerReply, HandlerWorkerData } from './handler-worker.ts';

/** Where a worker starts: the bundled entry when the CLI runs from its bundle, else the sources through tsx. */
function workerEntry(data: HandlerWorkerData): { file: string; workerData: HandlerWorkerData & { module?: string } } {
  const bundled = bundledEntry('handler-worker');
  if (bundled) return { file: bundled, workerData: data };
  return {
    file: fileURLToPath(new URL('./handler-worker-boot.mjs', import.meta.url)),
    workerData: { ...data, module: new URL('./handler-worker.ts', import.meta.url).href },
  };
}

interface Slot {
  readonly worker: Worker;
  busy: boolean;
}

export class HandlerWorkers {
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; slot: Slot }>();
  private sequence = 0;

  /** @param size workers at most (the runner: as many as a flow unpacks at once, at most the cores) */
  constructor(
    private readonly data: HandlerWorkerData,
    readonly size: number,
  ) {}

  /** Workers running now. */
  get threads(): number {
    return this.slots.length;
  }

  /** Runs a handler in a free worker (starting one if fewer than `size` run), waiting for one to be free. */
  async run(handler: HandlerName, event: unknown): Promise<unknown> {
    const slot = await this.takeSlot();
    try {
      return await new Promise((resolve, reject) => {
        const call: HandlerCall = { id: ++this.sequence, handler, event };
        this.pending.set(call.id, { resolve, reject, slot });
        slot.worker.postMessage(call);
      });
    } finally {
      slot.busy = false;
      this.waiting.shift()?.();
    }
  }

  /** A free worker, marked busy before anyone else can take it. */
  private async takeSlot(): Promise<Slot> {
    for (;;) {
      const slot = this.slots.find((candidate) => !candidate.busy) ?? (this.slots.length < this.size ? this.start() : undefined);
      if (slot) {
        slot.busy = true;
        return slot;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private start(): Slot {
    const entry = workerEntry(this.data);
    const slot: Slot = { worker: new Worker(entry.file, { workerData: entry.workerData }), busy: false };
    slot.worker.on('message', (reply: HandlerReply) => {
      const call = this.pending.get(reply.id);
      if (!call) return;
      this.pending.delete(reply.id);
      if ('result' in reply) return call.resolve(reply.result);
      const error = new Error(reply.error.message);
      error.name = reply.error.name;
      if (reply.error.stack) error.stack = reply.error.stack;
      call.reject(error);
    });
    const fail = (error: Error) => {
      for (const [id, call] of this.pending) {
        if (call.slot !== slot) continue;
        this.pending.delete(id);
        call.reject(error);
      }
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`handler worker exited with code ${code} while running a step`)));
    this.slots.push(slot);
    return slot;
  }

  /** Stops the workers; a later call starts new ones. */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }
}
