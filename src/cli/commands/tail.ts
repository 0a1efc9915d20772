/**
 * tail: print a room's events that this state file has not printed yet (the replay the server
 * sends on resume), then exit, or with --follow keep printing live ones. Only what is printed
 * counts as seen (StateFile.markShown), so `--count N` stopping part-way, a `send` in between
 * or a tail of another room never makes the next run skip or repeat a line.
 * A state file that never saw the room starts from now: old messages are `history`'s job.
 */
import { roomStream, type EventFrame } from "../../protocol/index.ts";
import { eventJson, eventLine, out, stateLine } from "../format.ts";
import { CliError, connect, type Session } from "../session.ts";
import { StdoutClosed, onStdoutClosed } from "../stdout.ts";
import { ensureMember } from "./one-shot.ts";

export interface TailOptions { room: string; count?: number; follow: boolean; join: boolean }

export async function tail(s: Session, o: TailOptions): Promise<void> {
  const { client, state, flags } = s;
  const stream = roomStream(o.room);
  let printed = 0;
  let finish: (e?: Error) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => { finish = (e) => (e ? reject(e) : resolve()); });

  // Subscribed before connecting: the replay arrives between welcome and synced.
  const offEvent = client.on("event", (e: EventFrame) => {
    if (e.stream !== stream || !state.unseen(e) || (o.count !== undefined && printed >= o.count)) return;
    // A closed stdout (tail | head) ends the run; the event stays unseen for the next one.
    try { out(flags.json, eventLine(e, client.welcome?.user ?? ""), eventJson(e)); } catch (err) { return finish(err as Error); }
    state.markShown(e);
    if (e.kind === "message") printed += 1;
    if (o.count !== undefined && printed >= o.count) finish();
  });
  let live = false;
  const offState = client.on("state", (st) => {
    if (!live) return; // connect() reports the first attempt's failure
    if (st.name === "stopped") return finish(new CliError("disconnected", `the server closed the connection: ${st.reason}`));
    const line = stateLine(st, Date.now());
    if (line) process.stderr.write(flags.json ? `${JSON.stringify({ type: "state", ...st })}\n` : `hubbub: ${line}\n`);
  });
  const offTruncated = client.on("truncated", (t) => {
    if (t.stream === stream && !flags.json) process.stderr.write(`hubbub: events ${t.cursor + 1}-${t.first - 1} of #${o.room} are no longer kept by the server\n`);
  });
  const stop = () => finish();
  const offClosed = onStdoutClosed(() => finish(new StdoutClosed()));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const start = async () => {
    await connect(s);
    live = true;
    await ensureMember(s, o.room, o.join, "--join");
    if (!state.knew(stream) && !flags.json) process.stderr.write(`hubbub: first tail of #${o.room} with ${state.path}: starting from now (older messages: hubbub history)\n`);
    if (!o.follow && o.count === undefined) finish();
  };
  try {
    // Ctrl-C (or --count reached in the replay) ends it even while still connecting.
    await Promise.race([start().then(() => finished), finished]);
  } finally {
    offEvent();
    offState();
    offTruncated();
    offClosed();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
