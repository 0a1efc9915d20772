/**
 * The WebSocket the CLI's client uses: the runtime's own (Bun, Deno, Node 22+), or under Node 20,
 * which has none, the `ws` package's. Loaded only there, so other runtimes never import it.
 */
import type { SocketFactory, SocketLike } from "../client/index.ts";

export async function webSocketFactory(): Promise<SocketFactory | undefined> {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === "function") return undefined;
  const { default: WebSocket } = await import("ws");
  return (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike;
}
