/**
 * The ceiling: Bun's own pub/sub with no log and no actors. Each message is parsed, given a
 * seq and re-serialised (the least any real server does), then published to the room.
 */
let seq = 0;
const server = Bun.serve({
  hostname: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch(req, srv) {
    if (srv.upgrade(req, { data: undefined })) return undefined;
    return new Response("websocket only", { status: 400 });
  },
  websocket: {
    perMessageDeflate: false,
    idleTimeout: Number(process.env.IDLE_TIMEOUT ?? 120),
    open(ws) { ws.subscribe("room"); },
    message(_ws, m) {
      const f = JSON.parse(m as string) as { seq?: number };
      f.seq = ++seq;
      server.publish("room", JSON.stringify(f), false);
    },
  },
});
console.log(`listening ${server.port}`);
