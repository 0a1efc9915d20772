/**
 * tail: print the room's events since this state file's last run, then exit (or follow).
 * With --count N it stops after N messages and rewinds the cursor to the last one printed,
 * so the next run continues exactly there: nothing is printed twice, nothing is skipped.
 */
import { roomStream, type EventFrame } from "../../protocol/index.ts";
import type { HubbubClient } from "../../client/index.ts";
import { eventLine, out } from "../format.ts";
import { ensureMember } from "./one-shot.ts";

export interface TailOptions { room: string; count?: number; follow: boolean; join: boolean; json: boolean }

export function tail(client: HubbubClient, o: TailOptions, synced: Promise<void>): Promise<void> {
  const stream = roomStream(o.room);
  const me = () => client.welcome?.user ?? "";
  let printed = 0;
  let lastPrinted: number | undefined;
  let stopped = false;
  return new Promise((resolve, reject) => {
    const finish = () => {
      if (stopped) return;
      stopped = true;
      off();
      if (lastPrinted !== undefined) client.rewind(stream, lastPrinted);
      resolve();
    };
    const off = client.on("event", (e: EventFrame) => {
      if (stopped || e.stream !== stream) return;
      out(o.json, eventLine(e, me()), e);
      lastPrinted = e.seq;
      if (e.kind === "message") printed += 1;
      if (o.count !== undefined && printed >= o.count) finish();
    });
    synced.then(async () => {
      await ensureMember(client, o.room, o.join);
      if (!o.follow && o.count === undefined) finish();
    }).catch((e) => { off(); reject(e); });
  });
}
