/** The connection status line, with a live countdown while reconnecting. */
import type { ConnectionState } from "../../client/index.ts";

export function statusText(s: ConnectionState, now: number): string {
  switch (s.name) {
    case "idle": return "not connected";
    case "connecting": return s.attempt > 0 ? `connecting (attempt ${s.attempt + 1})…` : "connecting…";
    case "syncing": return "catching up…";
    case "live": return "● connected";
    case "reconnecting": return `offline — retrying in ${Math.max(0, Math.ceil((s.nextAttemptAt - now) / 1000))} s`;
    case "stopped": return `stopped: ${s.reason}`;
  }
}

/** What a screen reader hears: the state only, not every tick of the countdown. */
export function statusAnnouncement(s: ConnectionState): string {
  switch (s.name) {
    case "live": return "connected";
    case "reconnecting": return "connection lost, reconnecting";
    case "stopped": return `disconnected: ${s.reason}`;
    default: return "connecting";
  }
}
