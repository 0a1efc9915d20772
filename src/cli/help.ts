/** Help texts, one per subcommand. */
const COMMON = `Common options:
  --url URL            server (default http://127.0.0.1:8080, env HUBBUB_URL)
  --user NAME          who you are in dev mode (env HUBBUB_USER)
  --token JWT          an HS256 token when the server requires one (env HUBBUB_TOKEN)
  --encoding E         json (default) or msgpack
  --state FILE         cursors and outbox (default: $XDG_CONFIG_HOME/hubbub/USER@HOST.json)
  --json               machine-readable output: one JSON object per line
  -h, --help           this help`;

export const HELP: Record<string, string> = {
  main: `hubbub — the command-line client for a hubbub server

Usage: hubbub <command> [options]

Commands:
  chat [--room R]                 interactive chat (type /help inside)
  send (--room R | --to USER) TEXT send one message, wait for the durable ack
  tail --room R [--count N] [--follow]  print what arrived since the last run, then (with --follow) live
  history --room R [--limit N]    the last N messages of a room
  rooms                           all rooms, with members and whether you are in them
  who --room R                    who is online in a room, and from which client
  join R / leave R                join or leave a room

${COMMON}

Run "hubbub <command> --help" for a command's own options.`,
  chat: `Usage: hubbub chat [--room R] [options]

Interactive line mode: messages stream in above the prompt; a plain line goes to the current room.
  /join R   /leave R   /rooms   /who   /dm USER TEXT   /history [N]   /quit   /help
Ctrl-C or Ctrl-D exits cleanly.

${COMMON}`,
  send: `Usage: hubbub send (--room R | --to USER) [--join] TEXT... [options]

Sends TEXT, waits until the server has stored it, prints the stream and seq, exits 0.
On failure prints the error code and message and exits 1.
  --join    join the room first if you are not a member

${COMMON}`,
  tail: `Usage: hubbub tail --room R [--count N] [--follow] [--join] [options]

Prints the room's events that arrived since this state file's last run (the first run starts
from now), then exits — or, with --follow, keeps printing live events. --count N exits after N
messages; the next run starts right after the last one printed.
  --join    join the room first if you are not a member

${COMMON}`,
  history: `Usage: hubbub history --room R [--limit N] [options]

Prints the last N (default 20) messages of a room you are a member of.

${COMMON}`,
  rooms: `Usage: hubbub rooms [options]\n\nLists all rooms with member counts and whether you are in them.\n\n${COMMON}`,
  who: `Usage: hubbub who --room R [options]\n\nWho is online in a room, per device and client kind.\n\n${COMMON}`,
  join: `Usage: hubbub join R [options]\n\nJoins (or creates) room R.\n\n${COMMON}`,
  leave: `Usage: hubbub leave R [options]\n\nLeaves room R.\n\n${COMMON}`,
};
