/**
 * chat: an interactive line mode. Live events are printed above the prompt; a plain line goes
 * to the current room; slash commands do the rest. The connection reconnects on its own and
 * says so; sends made while it is down wait in the outbox and go out after the resume.
 */
import { createInterface } from "node:readline";
import { roomStream, type EventFrame } from "../../protocol/index.ts";
import type { HubbubClient } from "../../client/index.ts";
import { describe } from "../session.ts";
import { eventLine, presenceLine, roomLine, where } from "../format.ts";

const HELP = "commands: /join R  /leave R  /rooms  /who  /dm USER TEXT  /history [N]  /quit";

export function chat(client: HubbubClient, startRoom: string | undefined, json: boolean): Promise<void> {
  let room = startRoom;
  const me = () => client.welcome?.user ?? "";
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
  const prompt = () => rl.setPrompt(room ? `#${room}> ` : "> ");
  const say = (line: string, obj?: unknown) => {
    if (json) { if (obj !== undefined) process.stdout.write(`${JSON.stringify(obj)}\n`); return; }
    if (process.stdout.isTTY) process.stdout.write("\r\x1b[2K");
    process.stdout.write(`${line}\n`);
    if (process.stdin.isTTY) rl.prompt(true);
  };
  prompt();

  client.on("event", (e: EventFrame) => { if (!e.stream.startsWith("user:")) say(eventLine(e, me()), e); });
  client.on("state", (s) => {
    if (s.name === "reconnecting") say(`* connection lost; retrying in ${Math.max(0, Math.round((s.nextAttemptAt - Date.now()) / 1000))} s (attempt ${s.attempt})`, { state: s });
    if (s.name === "live") say(`* connected as ${me()}${room ? ` in #${room}` : ""}`, { state: s });
    if (s.name === "stopped") say(`* stopped: ${s.reason}`, { state: s });
  });
  client.on("presence", (p) => {
    for (const e of p.joined ?? []) say(`* ${presenceLine(e)} is online in #${p.room}`, p);
    for (const e of p.left ?? []) say(`* ${presenceLine(e)} went offline in #${p.room}`, p);
  });
  client.on("synced", () => {
    if (room && !client.welcome?.streams.some((s) => s.stream === roomStream(room!))) void run(`/join ${room}`);
  });

  const run = async (line: string): Promise<boolean> => {
    const [cmd, ...rest] = line.trim().split(/\s+/);
    try {
      switch (cmd) {
        case "/quit": case "/exit": return false;
        case "/help": say(HELP); break;
        case "/join": {
          const r = rest[0];
          if (!r) { say("usage: /join ROOM"); break; }
          await client.join(r);
          room = r;
          prompt();
          say(`* you are in #${r}`, { joined: r });
          break;
        }
        case "/leave": {
          const r = rest[0] ?? room;
          if (!r) { say("usage: /leave ROOM"); break; }
          await client.leave(r);
          if (room === r) room = undefined;
          prompt();
          say(`* you left #${r}`, { left: r });
          break;
        }
        case "/rooms": for (const r of (await client.rooms()).rooms) say(roomLine(r), r); break;
        case "/who": {
          if (!room) { say("join a room first"); break; }
          for (const e of (await client.who(room)).online ?? []) say(presenceLine(e), e);
          break;
        }
        case "/dm": {
          const [to, ...words] = rest;
          if (!to || words.length === 0) { say("usage: /dm USER TEXT"); break; }
          const ack = await client.send({ user: to }, words.join(" ")).acked;
          if (json) say("", { sent: ack });
          break;
        }
        case "/history": {
          if (!room) { say("join a room first"); break; }
          const n = Number(rest[0] ?? 20);
          const page = await client.history(roomStream(room), { limit: Number.isInteger(n) && n > 0 ? n : 20 });
          for (const e of page.events) say(eventLine(e, me()), e);
          break;
        }
        default: {
          if (line.startsWith("/")) { say(`unknown command ${cmd}; ${HELP}`); break; }
          if (!line.trim()) break;
          if (!room) { say("join a room first: /join ROOM"); break; }
          const target = room;
          // Not awaited: the outbox keeps it through disconnects and the event shows it when stored.
          client.send({ room: target }, line).acked.catch((e) => say(`* not sent to ${where(roomStream(target), me())}: ${describe(e)}`));
        }
      }
    } catch (e) {
      say(`* ${describe(e)}`, { error: describe(e) });
    }
    return true;
  };

  return new Promise((resolve) => {
    let queue = Promise.resolve(true);
    let closing = false;
    const quit = () => {
      if (closing) return;
      closing = true;
      // Let queued commands finish, and give pending sends a moment to be acked.
      queue.then(() => waitForOutbox(client, 3000)).then(() => { rl.close(); resolve(); });
    };
    rl.on("line", (line) => {
      queue = queue.then((go) => (go && !closing ? run(line) : false)).then((go) => { if (!go) quit(); return go; });
    });
    rl.on("SIGINT", quit);
    // End of input (Ctrl-D, or a piped script) quits after the lines already read have run.
    rl.on("close", () => { queue = queue.then(() => { quit(); return false; }); });
    if (process.stdin.isTTY) rl.prompt();
  });
}

async function waitForOutbox(client: HubbubClient, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (client.pendingSends().length > 0 && client.state.name === "live" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
