/**
 * chat: interactive line mode (node:readline). Events from every room and DM stream in above the
 * prompt; a plain line goes to the current room; slash commands do the rest (chat-commands.ts).
 * On start it shows what this state file has not printed yet (the last MISSED_SHOWN per stream,
 * with a count of the rest), so chat and tail agree on what was seen. The SDK reconnects on its
 * own and chat says so; lines typed meanwhile wait in the outbox and go out after the resume.
 */
import { createInterface } from "node:readline";
import { roomStream, userStream, type EventFrame } from "../../protocol/index.ts";
import { eventJson, eventLine, stateLine, where } from "../format.ts";
import { connect, drainOutbox, type Session } from "../session.ts";
import { StdoutClosed, onStdoutClosed, writeOut } from "../stdout.ts";
import { runLine, type ChatContext } from "./chat-commands.ts";
import { PresenceLines } from "./presence-lines.ts";

export const MISSED_SHOWN = 20;

export async function chat(s: Session, startRoom: string | undefined): Promise<void> {
  const { client, state, flags } = s;
  const tty = process.stdin.isTTY === true;
  const me = () => client.welcome?.user ?? "";
  let rl: ReturnType<typeof createInterface> | undefined;
  let room = startRoom;

  const say = (line: string, obj: object) => {
    try {
      if (flags.json) return writeOut(`${JSON.stringify(obj)}\n`);
      if (!line) return;
      // Print above the prompt, then redraw the prompt with what was typed so far.
      writeOut(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
      if (tty) rl?.prompt(true);
    } catch (e) {
      if (!(e instanceof StdoutClosed)) throw e; // chat ends by onStdoutClosed below
    }
  };
  const notice = (text: string) => say(`* ${text}`, { type: "notice", text });
  const show = (e: EventFrame) => { say(eventLine(e, me()), eventJson(e)); state.markShown(e); };
  const ctx: ChatContext = {
    session: s, get room() { return room; }, say, notice,
    setRoom(r) { room = r; rl?.setPrompt(r ? `#${r}> ` : "> "); },
  };

  const presence = new PresenceLines({ me, say: notice });

  // Everything is subscribed before connecting: the replay arrives between welcome and synced.
  let live = false;
  const missed: EventFrame[] = [];
  const offs = [
    client.on("event", (e) => {
      if (e.stream.startsWith("user:") || !state.unseen(e)) return;
      if (live) show(e); else missed.push(e);
    }),
    client.on("synced", () => {
      if (live) return notice("reconnected; caught up");
      live = true;
      notice(`connected to ${flags.url} as ${me()}; /help lists the commands`);
      const max = flags.json ? Infinity : MISSED_SHOWN;
      showMissed(missed, max, show, (n, stream) => notice(`${n} earlier missed in ${where(stream, me())} not shown (/history)`));
    }),
    client.on("state", (st) => {
      const line = live && st.name !== "live" ? stateLine(st, Date.now()) : undefined;
      if (line) say(`* ${line}`, { type: "state", ...st });
    }),
    client.on("presence", (p) => presence.update(p)),
    client.on("event", (e) => { if (e.kind === "room_left" && e.stream === userStream(me())) presence.forgetRoom(String(e.body.room)); }),
    () => presence.close(),
    client.on("truncated", (t) => notice(`events ${t.cursor + 1}-${t.first - 1} of ${where(t.stream, me())} are no longer kept`)),
    // Nobody reads any more (hubbub chat | head): end as if the input had ended.
    onStdoutClosed(() => rl?.close()),
  ];

  await connect(s);
  ctx.setRoom(room);
  if (room && !client.welcome?.streams.some((x) => x.stream === roomStream(room!))) await runLine(ctx, `/join ${room}`);
  else if (room) notice(`you are in #${room}`);

  try {
    rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty });
    ctx.setRoom(room);
    await lines(rl, ctx, tty);
    rl = undefined; // closed: nothing may prompt from here on
    await drainOutbox(s, 3000);
    const left = client.pendingSends().length;
    if (left > 0) notice(`${left} message(s) not acknowledged yet: kept in ${state.path}, sent by the next run`);
  } finally {
    offs.forEach((off) => off());
  }
}

/** Reads lines until /quit, Ctrl-C or end of input; runs them one at a time, in order. */
function lines(rl: ReturnType<typeof createInterface>, ctx: ChatContext, tty: boolean): Promise<void> {
  return new Promise((resolve) => {
    let queue = Promise.resolve(true);
    let closing = false;
    const quit = () => {
      if (closing) return;
      closing = true;
      process.off("SIGINT", quit);
      process.off("SIGTERM", quit);
      if (tty) process.stdout.write("\n"); // leave the prompt line
      void queue.then(() => { rl.close(); resolve(); });
    };
    rl.on("line", (line) => {
      queue = queue.then((go) => (go && !closing ? runLine(ctx, line) : false)).then((go) => {
        if (!go) quit();
        else if (tty) rl.prompt();
        return go;
      });
    });
    rl.on("SIGINT", quit); // Ctrl-C at the prompt
    process.on("SIGINT", quit); // Ctrl-C or kill while not reading a terminal
    process.on("SIGTERM", quit);
    rl.on("close", () => { void queue.then(quit); }); // Ctrl-D or the end of piped input
    if (tty) rl.prompt();
  });
}

/**
 * Shows the last `max` events of each stream, after a count of the ones left out. Showing the
 * last one marks the whole stream seen: the count told the user about the rest.
 */
export function showMissed(events: EventFrame[], max: number, show: (e: EventFrame) => void, skipped: (n: number, stream: string) => void): void {
  const byStream = new Map<string, EventFrame[]>();
  for (const e of events) {
    const list = byStream.get(e.stream);
    if (list) list.push(e); else byStream.set(e.stream, [e]);
  }
  for (const [stream, list] of byStream) {
    if (list.length > max) skipped(list.length - max, stream);
    for (const e of list.slice(-max)) show(e);
  }
}
