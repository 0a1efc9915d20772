/** The fan-out contract against Bun's own WebSocket server and real WebSocket clients on a random port. */
import { BunFanout, BunSocket } from "./bun.ts";
import { fanoutContract, type FanoutHarness, type OpenedSocket } from "./fanout.contract.ts";

const MARK = "\u0000mark:";

fanoutContract("Bun", async (): Promise<FanoutHarness> => {
  const fanout = new BunFanout();
  const opened: ((s: BunSocket) => void)[] = [];
  const server = Bun.serve<{ socket?: BunSocket }>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) { return srv.upgrade(req, { data: {} }) ? undefined : new Response("ws only", { status: 400 }); },
    websocket: {
      perMessageDeflate: false,
      open(ws) { ws.data.socket = new BunSocket(ws, "json"); opened.shift()?.(ws.data.socket); },
      message() {},
      drain(ws) { ws.data.socket?.wake(); },
      close(ws) {
        ws.data.socket?.wake();
        if (ws.data.socket) fanout.release(ws.data.socket);
      },
    },
  });
  fanout.attach(server);
  const clients: WebSocket[] = [];
  let marks = 0;
  return {
    fanout,
    async open(): Promise<OpenedSocket> {
      const got: string[] = [];
      const waiters = new Map<string, () => void>();
      const socket = new Promise<BunSocket>((r) => opened.push(r));
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
      clients.push(ws);
      ws.onmessage = (m) => {
        const d = String(m.data);
        if (d.startsWith(MARK)) waiters.get(d)?.();
        else got.push(d);
      };
      await new Promise<void>((r, j) => { ws.onopen = () => r(); ws.onerror = () => j(new Error("client could not connect")); });
      const s = await socket;
      const o: OpenedSocket & { mark(): Promise<void> } = {
        socket: s,
        received: () => got,
        close: () => new Promise<void>((r) => { ws.onclose = () => r(); ws.close(); }),
        mark() {
          const m = `${MARK}${marks++}`;
          const arrived = new Promise<void>((r) => waiters.set(m, r));
          s.sendBatch([m]); // written after every publish before it: it arrives after them
          return arrived;
        },
      };
      return o;
    },
    async settle(sockets) {
      await Promise.all(sockets.map((s) => (s as OpenedSocket & { mark(): Promise<void> }).mark()));
    },
    async stop() {
      for (const c of clients) c.close();
      await server.stop(true);
    },
  };
}, { runs: 40, timeout: 60_000 });
