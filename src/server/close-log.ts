/**
 * What a closed connection leaves in the log and the metrics: one `conn.close` line with the
 * close code, a named cause for the codes an operator acts on (auth failures, rate limits, slow
 * consumers...), who it was, from which address and how long it lasted, at warn for the codes
 * that mean trouble. It is each connection's one line at info (conn.open is at debug: open-log.ts).
 * Never the token, never message text: only the close reason, which hubbub writes itself for
 * its own codes (a client's reason is at most 123 bytes of its own choosing).
 */
import { CloseCode } from "../protocol/index.ts";
import type { Hub } from "../actors/hub.ts";
import type { SocketData } from "./socket-data.ts";

type Level = "info" | "warn" | "error";

/** Close code -> [cause, level]. Codes not listed are logged as "other" at info. */
const CAUSES = new Map<number, [string, Level]>([
  [CloseCode.Normal, ["normal", "info"]],
  [CloseCode.GoingAway, ["going_away", "info"]],
  [1005, ["no_status", "info"]],
  [CloseCode.Abnormal, ["abnormal", "info"]],
  [CloseCode.MessageTooBig, ["too_big", "warn"]],
  [CloseCode.InternalError, ["internal_error", "error"]],
  [CloseCode.Unauthorized, ["auth_failed", "warn"]],
  [CloseCode.UnsupportedProtocol, ["unsupported_protocol", "warn"]],
  [CloseCode.Forbidden, ["forbidden", "warn"]],
  [CloseCode.PreHelloLimit, ["pre_hello_limit", "warn"]],
  [CloseCode.HelloTimeout, ["hello_timeout", "warn"]],
  [CloseCode.Flood, ["rate_limit", "warn"]],
  [CloseCode.Overloaded, ["overloaded", "warn"]],
  [CloseCode.HeartbeatTimeout, ["heartbeat_timeout", "info"]],
  [CloseCode.UserConnectionLimit, ["user_connection_limit", "warn"]],
  [CloseCode.AddressConnectionLimit, ["address_connection_limit", "warn"]],
  // info: the outage itself is one error line (cluster.store_down); one warn per socket would flood the log.
  [CloseCode.StoreUnreachable, ["store_unreachable", "info"]],
  [CloseCode.SlowConsumer, ["slow_consumer", "warn"]],
  [CloseCode.ServerRestart, ["server_restart", "info"]],
]);

export function causeOf(code: number): [string, Level] {
  return CAUSES.get(code) ?? ["other", "info"];
}

export function logClose(hub: Hub, data: SocketData, code: number, reason: string): void {
  const conn = data.conn;
  // A socket refused in open() (4002, 4105) never got a ConnectionActor and was never counted as open: only its close code counts.
  hub.metrics.connectionClosed(conn ? data.encoding : undefined, conn?.client ?? "", code);
  const [cause, level] = causeOf(code);
  const fields = {
    event: "conn.close", conn: conn?.id, code, cause, reason: reason.slice(0, 123),
    user: conn?.user || undefined, device: conn?.device || undefined, client: conn?.client || undefined,
    encoding: data.encoding, ip: data.ip, ms: Math.round(performance.now() - data.openedAt),
  };
  if (level === "error") hub.logger.error("connection closed", undefined, fields);
  else hub.logger[level]("connection closed", fields);
}
