/** Where a client's WebSocket goes for a server base URL: ws(s)://, with `/ws` appended unless given. */
export function socketUrl(base: string): string {
  const url = base.replace(/^http/, "ws").replace(/\/+$/, "");
  return url.endsWith("/ws") ? url : `${url}/ws`;
}
