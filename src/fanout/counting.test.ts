import { expect, test } from "bun:test";
import type { WireData } from "../protocol/index.ts";
import { CountingFanout } from "./counting.ts";
import { fanoutContract, wireText } from "./fanout.contract.ts";
import { MemoryFanout } from "./memory.ts";
import type { Socket } from "./ports.ts";

class RecordingSocket implements Socket {
  readonly encoding = "json" as const;
  readonly got: string[] = [];
  sendBatch(frames: WireData[]): void { for (const f of frames) this.got.push(wireText(f)); }
  close(): void {}
  bufferedAmount(): number { return 0; }
  drained(): Promise<void> { return Promise.resolve(); }
}

fanoutContract("counting, over memory", async () => {
  const fanout = new CountingFanout(new MemoryFanout(), () => {});
  return {
    fanout,
    async open() {
      const socket = new RecordingSocket();
      return { socket, received: () => socket.got, close: async () => fanout.release(socket) };
    },
    async settle() {},
    async stop() {},
  };
}, { runs: 100, timeout: 20_000 });

test("each publish reports exactly as many deliveries as sockets received it; a released socket no longer counts", () => {
  const reported: number[] = [];
  const fanout = new CountingFanout(new MemoryFanout(), (_d, n) => reported.push(n));
  const [a, b, c] = [new RecordingSocket(), new RecordingSocket(), new RecordingSocket()];
  fanout.subscribe(a, "t");
  fanout.subscribe(b, "t");
  fanout.subscribe(b, "t"); // twice: still one subscriber
  fanout.subscribe(c, "u");
  fanout.publish("t", "1");
  fanout.unsubscribe(a, "t");
  fanout.publish("t", "2");
  fanout.release(b);
  fanout.publish("t", "3");
  fanout.publish("u", "4");
  expect(reported).toEqual([2, 1, 0, 1]);
  expect(a.got.length + b.got.length).toBe(3);
  expect(fanout.subscriberCount("t")).toBe(0);
  expect(fanout.subscriberCount("u")).toBe(1);
});
