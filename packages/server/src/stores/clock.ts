/** Time source for stores and auth (tests move it forward instead of waiting). */
export interface Clock {
  now(): Date;
}

export const SYSTEM_CLOCK: Clock = Object.freeze({ now: () => new Date() });
