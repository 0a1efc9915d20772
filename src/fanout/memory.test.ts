import type { WireData } from "../protocol/index.ts";
import { fanoutContract, wireText, type FanoutHarness } from "./fanout.contract.ts";
import { MemoryFanout } from "./memory.ts";
import type { Socket } from "./ports.ts";

/** A socket that records what is written to it; nothing is ever queued. */
class RecordingSocket implements Socket {
  readonly encoding = "json" as const;
  readonly got: string[] = [];
  closed = false;
  sendBatch(frames: WireData[]): void { if (!this.closed) for (const f of frames) this.got.push(wireText(f)); }
  close(): void { this.closed = true; }
  bufferedAmount(): number { return 0; }
  drained(): Promise<void> { return Promise.resolve(); }
}

fanoutContract("memory", async (): Promise<FanoutHarness> => {
  const fanout = new MemoryFanout();
  return {
    fanout,
    async open() {
      const socket = new RecordingSocket();
      return { socket, received: () => socket.got, close: async () => { socket.close(); fanout.release(socket); } };
    },
    async settle() {},
    async stop() {},
  };
}, { runs: 200, timeout: 20_000 });
