/** What a client announces: `client.on(name, fn)` with one of these names. */
import type { ErrorFrame, EventFrame, PresenceFrame, TruncatedFrame, TypingEventFrame, WelcomeFrame } from "../protocol/index.ts";
import type { OutboxItem } from "./outbox.ts";
import type { RoomSettings } from "./room-settings.ts";
import type { ConnectionState } from "./state.ts";

export interface ClientEvents extends Record<string, unknown> {
  /** Every state change. */
  state: ConnectionState;
  /** The server's welcome on each (re)connection: who I am, my streams with heads and unread counts, my reads. */
  welcome: WelcomeFrame;
  /** The replay after a (re)connection is complete; the state is now `live`. */
  synced: void;
  /** Every event once, in seq order per stream: duplicates dropped, gaps filled first. */
  event: EventFrame;
  presence: PresenceFrame;
  typing: TypingEventFrame;
  /** Events of a stream before `first` were deleted by retention: they will never arrive. */
  truncated: TruncatedFrame;
  /** A hole was seen in a stream; it is being fetched with `history` before later events are delivered. */
  gap: { stream: string; from: number; to: number };
  /** An outbox item changed: queued (`pending`), acknowledged (`sent`, with stream and seq) or refused (`failed`). */
  outbox: OutboxItem;
  /** A room's settings changed (only rooms asked about with `roomInfo` are followed). */
  room_settings: RoomSettings;
  /** An `error` frame no command waits for (e.g. a refused hello). */
  error: ErrorFrame;
  /** A frame that is not hubbub protocol arrived (undecodable, or of no known type) and was ignored: the server may not be hubbub. */
  unexpected: { reason: string };
}
