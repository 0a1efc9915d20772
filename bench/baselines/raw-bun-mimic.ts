/**
 * Raw Bun doing on the wire what a hubbub connection does, with (almost) nothing kept in
 * JavaScript: the same topics subscribed, frames of the same sizes sent and published. A
 * measurement baseline (bench/rss.ts modes `mimic-hello`, `mimic-join100`, `mimic-join1`): what
 * Bun and uWS themselves keep per connection for hubbub's traffic, apart from hubbub's heap.
 * $MIMIC drops parts to attribute them: a comma list of `nosend` (no welcome, presence list or
 * room events: only the ack and `synced`), `notopics` (no subscriptions), `nousertopic` (not the
 * topic of the user's own, the only one with one subscriber).
 */
const opts = new Set((process.env.MIMIC ?? "").split(",").filter(Boolean));
const send = !opts.has("nosend"), topics = !opts.has("notopics"), userTopic = !opts.has("nousertopic");
const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - s.length));
/** Members per room, in join order: the presence list a joiner is sent. */
const rooms = new Map<string, string[]>();
let seq = 0;
type Data = { user: string };
const server = Bun.serve<Data, never>({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req, srv) {
    if (srv.upgrade(req, { data: { user: "" }, headers: { "Sec-WebSocket-Protocol": "hubbub.v1.json" } })) return undefined;
    return new Response("websocket only", { status: 400 });
  },
  websocket: {
    perMessageDeflate: false,
    sendPings: true,
    idleTimeout: Number(process.env.IDLE_TIMEOUT ?? 120),
    message(ws, m) {
      const f = JSON.parse(m as string) as { type: string; user?: string; room?: string; id?: string };
      if (f.type === "hello") {
        ws.data.user = f.user!;
        if (send) ws.send(pad(`{"type":"welcome","user":"${f.user}","device":"d","streams":[]}`, 361), false);
        ws.send('{"type":"synced"}', false);
        if (topics) { if (userTopic) ws.subscribe(`user:${f.user}|json`); ws.subscribe("broadcast|json"); }
      } else if (f.type === "join") {
        const r = f.room!;
        const members = rooms.get(r) ?? [];
        rooms.set(r, members);
        if (topics) ws.subscribe(`room:${r}|json`);
        const s = ++seq;
        if (send) {
          server.publish(`room:${r}|json`, pad(`{"type":"event","stream":"room:${r}","seq":${s},"author":"${ws.data.user}","kind":"joined","body":{}}`, 118), false);
          server.publish(`user:${ws.data.user}|json`, pad(`{"type":"event","stream":"user:${ws.data.user}","kind":"room_joined","body":{"room":"${r}"}}`, 132), false);
          ws.send(`{"type":"presence","room":"${r}","online":[${members.map((u) => `{"user":"${u}","device":"d","client":"bench"}`).join(",")}]}`, false);
        }
        ws.send(`{"type":"ack","id":"${f.id}","stream":"room:${r}","seq":${s}}`, false);
        if (send) server.publish(`room:${r}|json`, `{"type":"presence","room":"${r}","joined":[{"user":"${ws.data.user}","device":"d","client":"bench"}]}`, false);
        members.push(ws.data.user);
      }
    },
  },
});
console.log(`listening ${server.port}`);
