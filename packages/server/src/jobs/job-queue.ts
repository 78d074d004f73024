/** A unit of background work (DESIGN.md `JobQueue`). */
export interface JobRecord {
  readonly id: string;
  readonly kind: string;
  readonly key: string;
  readonly ownerId: string | null;
  readonly connectorId: string | null;
  readonly payload: Record<string, unknown>;
  readonly status: 'queued' | 'running' | 'done' | 'failed';
  readonly attempts: number;
  readonly progress: Record<string, number> | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface NewJob {
  readonly kind: string;
  /** Jobs with one key run one at a time, and a new job joins a queued one with its key. */
  readonly key: string;
  readonly ownerId?: string;
  readonly connectorId?: string;
  readonly payload?: Record<string, unknown>;
  readonly maxAttempts?: number;
}

export interface JobContext {
  readonly signal: AbortSignal;
  reportProgress(progress: Record<string, number>): Promise<void>;
}

export type JobHandler = (job: JobRecord, context: JobContext) => Promise<void>;

/** Thrown by a handler to be tried again later (rate limits, unreachable registries). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(
    message: string,
    readonly delayMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface JobQueue {
  /** Queues a job unless one with the same key is already queued; returns the job that will run. */
  enqueue(job: NewJob): Promise<JobRecord>;
  /**
   * A queued job with this key that waits out a retry delay becomes due now: someone asked for
   * the same work again (a reload, "Try again"), so the registry is worth another try at once.
   * Never creates a job and never touches a running one. Resolves whether one was brought forward.
   */
  expedite(key: string): Promise<boolean>;
  get(id: string): Promise<JobRecord | undefined>;
  /** Starts the workers of this process. */
  start(handlers: Readonly<Record<string, JobHandler>>): void;
  /** Stops taking jobs and waits for running ones (up to the deadline, then aborts them). */
  stop(deadlineMs?: number): Promise<void>;
  /** Resolves when no job is queued or running (tests, `berth sync --wait`). */
  idle(): Promise<void>;
}
