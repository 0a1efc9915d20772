/**
 * The hubbub SDK. Runtime-neutral (browser, Bun, Node 20+, Deno): only web-standard APIs here;
 * file storage for CLIs lives in ./storage-file.ts (it needs node:fs) and is imported separately.
 */
export {
  HubbubClient, CommandError,
  type ClientOptions, type ClientEvents, type Clock, type SocketLike, type SocketFactory, type BrowserSignals,
} from "./client.ts";
export type { ConnectionState, StateName } from "./state.ts";
export type { RoomSettings } from "./room-settings.ts";
export type { OutboxItem, OutboxStatus } from "./outbox.ts";
export { memoryStorage, type ClientStorage, type SavedState } from "./storage.ts";
export { localStorageStorage } from "./storage-browser.ts";
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
export { socketUrl } from "./url.ts";
