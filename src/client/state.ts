/** The states a connection goes through, as values a UI can show. */
export type ConnectionState =
  | { name: "idle" }
  | { name: "connecting"; attempt: number }
  | { name: "syncing" }
  | { name: "live"; since: number }
  | { name: "reconnecting"; attempt: number; nextAttemptAt: number; lastClose?: { code: number; reason: string } }
  | { name: "stopped"; reason: string; code?: number };

export type StateName = ConnectionState["name"];

/** Which transitions are legal; anything else is a bug in the client. */
export const TRANSITIONS: Record<StateName, readonly StateName[]> = {
  idle: ["connecting", "stopped"],
  connecting: ["syncing", "reconnecting", "stopped"],
  syncing: ["live", "reconnecting", "stopped"],
  live: ["reconnecting", "stopped"],
  reconnecting: ["connecting", "stopped"],
  stopped: ["connecting"],
};
