/**
 * Client message ids (cmid): the idempotency key of a send, edit or delete, chosen by the client.
 *
 * Any 1-64 character string is accepted, but the ids this module makes sort in the order they
 * were made: fixed-width time in ms, a per-process counter, then randomness. The log's
 * uniqueness index is keyed on the cmid first, so ids that grow with time are appended at one
 * edge of it instead of scattered across it (see store/schema.ts for what that saves).
 * Web-standard APIs only: it runs in browsers, Bun, Node and Deno.
 */
const TIME_WIDTH = 9; // base-36 ms since 1970 fit in 9 digits until the year 5188
const COUNTER_WIDTH = 4;
const COUNTER_SPAN = 36 ** COUNTER_WIDTH;
const RANDOM_BYTES = 6;

let counter = 0;
let lastMs = 0;

export function newCmid(now: number = Date.now()): string {
  // The counter restarts each millisecond, so ids made within one millisecond still sort in order.
  if (now !== lastMs) {
    lastMs = now;
    counter = 0;
  }
  const time = Math.max(0, Math.floor(now)).toString(36).padStart(TIME_WIDTH, "0");
  const count = (counter++ % COUNTER_SPAN).toString(36).padStart(COUNTER_WIDTH, "0");
  const random = crypto.getRandomValues(new Uint8Array(RANDOM_BYTES));
  let tail = "";
  for (const b of random) tail += b.toString(36).padStart(2, "0");
  return `${time}${count}-${tail}`;
}
