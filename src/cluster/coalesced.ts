/**
 * A read shared by everyone who asks while it is under way, and a fresh one for those who come
 * after it was sent: each caller still gets an answer read after its call (what a catch-up needs:
 * "everything committed before I asked"), yet a reconnect storm or a flood of refused commands
 * costs at most two reads in flight, not one per caller.
 */
export function coalesced<T>(read: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const p = read().finally(() => { if (current === p) current = undefined; });
    current = p;
    return p;
  };
  return () => {
    if (!current) return start();
    next ??= current.then(() => {}, () => {}).then(() => { next = undefined; return start(); });
    return next;
  };
}
