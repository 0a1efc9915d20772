/**
 * The Bun WebSocket adapter: it only translates. Upgrade (origin check, encoding negotiation),
 * then for each frame: decode, validate, enqueue on the connection actor. No business logic
 * and no awaiting here, and nothing may throw out of a handler (in Bun that ends the process).
 */
import type { Server, WebSocketHandler } from "bun";
import {
  CloseCode, ErrorCode, SUBPROTOCOLS, guardClientFrame, negotiateEncoding,
  type Encoding, type GuardLimits,
} from "../protocol/index.ts";
import { ConnectionActor } from "../actors/connection.ts";
import type { Hub } from "../actors/hub.ts";
import { BunSocket } from "../fanout/bun.ts";
import type { Config } from "./config.ts";
import type { SocketData } from "./socket-data.ts";
import { logClose } from "./close-log.ts";
import { OpenLog } from "./open-log.ts";
import { clientAddress, parseTrustedProxies, type TrustedProxies } from "./client-address.ts";
import { type ConnectionGate, addressKey } from "./connection-gate.ts";
import { type HostPolicy, hostAllowed, hostPolicy, hostRefused } from "./host-check.ts";


export type { SocketData } from "./socket-data.ts";
export type HubServer = Server<SocketData>;

/**
 * A browser's Origin must be listed in --allowed-origins, or be this server itself: a host on the
 * allow-list (host-check.ts), the very host:port the request was sent to. The request's own Host
 * proves nothing alone (under DNS rebinding it is the attacker's name), hence the allow-list.
 */
function originAllowed(req: Request, config: Config, hosts: HostPolicy): boolean {
  const origin = req.headers.get("origin");
  if (!origin) return true; // not a browser: CLI, SDK under Bun/Node
  if (config.allowedOrigins.includes("*") || config.allowedOrigins.includes(origin)) return true;
  const host = req.headers.get("host");
  try {
    const o = new URL(origin);
    return hostAllowed(hosts, o.host) && o.host === host; // (with --allowed-hosts "*": the old same-host rule)
  } catch {
    return false;
  }
}

export function upgrade(
  req: Request, server: HubServer, config: Config, gate?: ConnectionGate,
  hosts: HostPolicy = hostPolicy(config), trusted: TrustedProxies = parseTrustedProxies(config.trustedProxies),
): Response | undefined {
  if (!hostAllowed(hosts, req.headers.get("host"))) return hostRefused(req.headers.get("host"));
  const ip = clientAddress(server.requestIP(req)?.address, req.headers.get("x-forwarded-for"), trusted);
  let address: string | undefined;
  if (gate) {
    address = addressKey(ip);
    if (!gate.attempt(address)) {
      return new Response("too many connection attempts from your address (see --connect-rate-limit); retry shortly\n", { status: 429, headers: { "Retry-After": "1" } });
    }
  }
  if (!originAllowed(req, config, hosts)) return new Response("origin not allowed (see --allowed-origins)\n", { status: 403 });
  const offered = req.headers.get("sec-websocket-protocol");
  const encoding = negotiateEncoding(offered);
  // An unknown subprotocol is still upgraded, so the client gets a close code that says "stop", not a bare failure.
  const headers = encoding && offered ? { "Sec-WebSocket-Protocol": SUBPROTOCOLS[encoding] } : undefined;
  if (server.upgrade(req, { data: { encoding, preHelloFrames: 0, preHelloBytes: 0, openedAt: performance.now(), address, ip }, headers })) return undefined;
  return new Response("expected a WebSocket upgrade\n", { status: 426 });
}

function overPreHelloBudget(d: SocketData, message: string | Buffer, config: Config): boolean {
  d.preHelloFrames++;
  d.preHelloBytes += typeof message === "string" ? Buffer.byteLength(message) : message.byteLength;
  return d.preHelloFrames > config.preHelloFrames || d.preHelloBytes > config.preHelloBytes;
}

/** `openLog` counts opened connections; its owner flushes it every second (start.ts). */
export function websocketHandler(hub: Hub, config: Config, gate?: ConnectionGate, openLog = new OpenLog(hub.logger)): WebSocketHandler<SocketData> {
  const framesIn = hub.metrics.framesIn;
  const codecs = hub.codecs;
  const limits: GuardLimits = { maxText: config.maxText, maxCursors: 5000, maxPage: 500 };
  return {
    maxPayloadLength: config.maxPayload,
    idleTimeout: config.idleTimeout,
    sendPings: true,
    perMessageDeflate: false,
    // Bun's own hard stop; hubbub closes with 4200 (resume) well before this, see Hub.sweepSlowConsumers.
    backpressureLimit: Math.max(config.slowConsumerBytes * 4, 16 * 1024 * 1024),
    closeOnBackpressureLimit: true,
    open(ws) {
      try {
        const enc = ws.data.encoding;
        const address = ws.data.address;
        ws.data.address = undefined; // set again below once counted, so close() uncounts only what was counted
        if (!enc) return ws.close(CloseCode.UnsupportedProtocol, `speak one of: ${Object.values(SUBPROTOCOLS).join(", ")}`);
        if (hub.refusing) return ws.close(hub.refusing.code, hub.refusing.reason);
        if (gate && address !== undefined) {
          if (!gate.opened(address)) return ws.close(CloseCode.AddressConnectionLimit, `your address already has ${config.maxConnectionsPerIp} connections open`);
          ws.data.address = address;
        }
        const socket = (ws.data.socket = new BunSocket(ws, enc));
        const conn = (ws.data.conn = new ConnectionActor(socket, codecs[enc], hub));
        hub.metrics.connectionOpened(enc);
        openLog.open(conn.id, enc, ws.data.ip ?? ws.remoteAddress);
      } catch (e) {
        hub.logger.error("websocket open failed", e, { event: "transport.failed", handler: "open" });
        ws.close(CloseCode.InternalError, "internal error");
      }
    },
    message(ws, message) {
      const conn = ws.data.conn;
      if (!conn) return;
      try {
        // Until authenticated (the user is set once hello is accepted), a socket gets a tiny budget. One field test per frame after.
        if (conn.user === "" && overPreHelloBudget(ws.data, message, config)) {
          return ws.close(CloseCode.PreHelloLimit, "too much before hello: send one hello and wait for welcome");
        }
        const enc = ws.data.encoding as Encoding;
        let raw: unknown;
        try {
          // A Buffer is a Uint8Array (Bun hands each message its own): decoded in place, not copied first.
          raw = codecs[enc].decode(message);
        } catch {
          framesIn.invalid.inc();
          const hint = enc === "msgpack" ? "send one MessagePack-encoded object per binary frame" : "send one JSON object per text frame";
          return conn.post({ kind: "reject", id: undefined, code: ErrorCode.BadFrame, message: `undecodable frame: ${hint}` });
        }
        const g = guardClientFrame(raw, limits);
        if (g.ok) {
          framesIn[g.frame.type].inc();
          conn.post({ kind: "frame", frame: g.frame });
        } else {
          framesIn.invalid.inc();
          conn.post({ kind: "reject", id: g.id, code: g.code, message: g.message });
        }
      } catch (e) {
        hub.logger.error("websocket message failed", e, { event: "transport.failed", handler: "message" });
      }
    },
    drain(ws) {
      ws.data.socket?.wake();
    },
    close(ws, code, reason) {
      try {
        ws.data.socket?.wake();
        ws.data.conn?.socketClosed();
        if (gate && ws.data.address !== undefined) gate.closed(ws.data.address);
        if (ws.data.socket) hub.fanout.release(ws.data.socket);
        logClose(hub, ws.data, code, reason);
      } catch (e) {
        hub.logger.error("websocket close failed", e, { event: "transport.failed", handler: "close" });
      }
    },
  };
}
