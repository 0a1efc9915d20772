// Node 20 + ws: the relay most people would write by hand. Same work per message as raw-bun.ts.
import { WebSocketServer } from "ws";

let seq = 0;
const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(process.env.PORT ?? 0), perMessageDeflate: false });
wss.on("connection", (ws) => {
  ws.on("message", (data) => {
    const f = JSON.parse(data.toString());
    f.seq = ++seq;
    const out = JSON.stringify(f);
    for (const c of wss.clients) if (c.readyState === 1) c.send(out);
  });
});
wss.on("listening", () => console.log(`listening ${wss.address().port}`));
