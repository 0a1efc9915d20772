/** Help texts: the overview and one per command. */
import type { Command } from "./args.ts";

const COMMON = `Common options (flags win over environment variables):
  --url URL         the server (default http://127.0.0.1:8080; env HUBBUB_URL)
  --user NAME       who you are on a dev-auth server (env HUBBUB_USER)
  --token JWT       an HS256 token, when the server requires one (env HUBBUB_TOKEN)
  --encoding E      json (default) or msgpack (env HUBBUB_ENCODING)
  --state FILE      device id, cursors and unsent messages (env HUBBUB_STATE; default
                    $XDG_CONFIG_HOME/hubbub/USER@HOST.json, else ~/.config/hubbub/...)
  --timeout SECS    give up on the server after this long (default 15; env HUBBUB_TIMEOUT)
  --json            machine-readable output: one JSON object per line, each with a "type"
  -h, --help        this help

Errors are one line on stderr; exit code 1 for a failure, 2 for a usage mistake.`;

export const HELP: Record<Command | "main", string> = {
  main: `hubbub: the command-line client for a hubbub server

Usage: hubbub <command> [options]

Commands:
  chat [--room R]                        interactive chat (type /help inside)
  send (--room R | --to USER) [TEXT]     send a message (no TEXT: stdin); waits until the server stored it
  edit (--room R | --to USER) SEQ TEXT   change a message of yours (SEQ: what send printed)
  delete (--room R | --to USER) SEQ      delete a message of yours
  tail --room R [--count N] [--follow]   what this state file has not printed yet (-f: and live)
  history --room R [--limit N]           the last N messages of a room
  search (--room R | --to USER) WORDS    messages that contain WORDS, newest first
  rooms                                  all rooms; * marks yours
  who --room R                           who is online in a room, and on which client
  join ROOM [--private] | leave ROOM     join (creating it if new; --private: invite-only) or leave
  invite ROOM USER | kick ROOM USER      owner and moderators: let USER into a private room, or out
  uninvite ROOM USER                     owner and moderators: withdraw USER's open invite
  ban ROOM USER | unban ROOM USER        owner and moderators: keep USER out of a room, or not

Operator commands (each has --help):
  serve [server flags]                   run the server (as npm start does)
  backup PATH [--db DB] [--force]        a consistent copy of the database, while it serves
  restore BACKUP [--db DB] --force       put a backup in place (server stopped; new epoch)
  log verify|export|stats [--db DB]      check, dump (NDJSON) or summarize the event log
  import --db DB --store postgres://…    move a stopped server's log into an empty cluster store

${COMMON}

"hubbub <command> --help" shows a command's own options.`,

  chat: `Usage: hubbub chat [--room R] [options]

Interactive line mode: messages from all your rooms and DMs appear above the prompt, and a plain
line goes to the current room. --room R starts in R (joining it if needed). On start, shows what
this state file has not printed yet (up to 20 per room or DM). Connection losses and reconnect
attempts are shown; lines typed meanwhile are sent after the reconnect.
  /join R   /leave [R]   /rooms   /who   /dm USER TEXT   /history [N]   /help   /quit
  /edit TEXT   /delete   change or delete your last message in the current room
  /search WORDS         messages of the current room that contain WORDS
  /invite USER  /uninvite USER  /kick USER  /ban USER  /unban USER
                        in the current room (owner and moderators)
Ctrl-C, Ctrl-D or /quit exits.

${COMMON}`,

  send: `Usage: hubbub send (--room R | --to USER) [--join] [--id KEY] [TEXT... | --lines] [options]

Sends TEXT, waits for the server's durable ack, prints the stream and seq, exits 0. On failure
prints the error code and message and exits 1. Sending to a room you are not in fails with
not_member (a typo must not create a room): join it first, or add --join.
Without TEXT the message is read from stdin (echo hi | hubbub send --room R), all of it as one
message; with --lines each line is its own message, sent in order as it is read (blank lines
skipped). A line the server refuses (too long) is reported and the rest still go, exit 1; any
other failure stops at that line.
Each run sends anew; --id KEY makes it idempotent: a re-run with the same KEY (line N of --lines:
KEY.N) sends nothing twice and prints "already sent before".
  --room R     to a room        --to USER    a direct message
  --join       join the room first if you are not a member
  --lines      one message per line of stdin
  --id KEY     an idempotency key (1-48 of A-Z a-z 0-9 _ . : -), unique per sender
Put -- before a TEXT that starts with a dash.

${COMMON}`,

  edit: `Usage: hubbub edit (--room R | --to USER) SEQ [TEXT...] [options]

Replaces the text of your message SEQ in room R (or in your DM with USER) with TEXT (no TEXT:
stdin). SEQ is what send printed (sent room:R #SEQ), or a message's "seq" in history --json.
Everyone sees the edit, live and in history; the original stays in the log. Only the author
can edit a message (not_author otherwise).

${COMMON}`,

  delete: `Usage: hubbub delete (--room R | --to USER) SEQ [options]

Deletes your message SEQ in room R (or in your DM with USER); clients show it as deleted, live
and in history. Only the author can delete a message (not_author otherwise).

${COMMON}`,

  tail: `Usage: hubbub tail --room R [--count N] [--follow] [--join] [options]

Prints the room's events that this state file has not printed yet (what arrived since its last
run), then exits. The first tail of a room with a state file starts from now (see history).
Each run prints every missed event exactly once, whatever else used the state file meanwhile.
  -f, --follow   keep printing live events until Ctrl-C
  --count N      exit after N messages (waiting for live ones if needed); the next run goes on
                 right after the last one printed
  --join         join the room first if you are not a member

${COMMON}`,

  history: `Usage: hubbub history --room R [--limit N] [options]

Prints the last N (default 20) messages of a room you are a member of, oldest first.

${COMMON}`,

  search: `Usage: hubbub search (--room R | --to USER) [--limit N] WORDS... [options]

Prints the messages of room R (or of your DM with USER) whose current text contains WORDS
(case-insensitive; as last edited; deleted messages never match), newest first, as they are
found: up to N (default 20), searching back to the start of the room if needed. Nothing found
is not an error (exit 0; a note on stderr). Put -- before WORDS that start with a dash.

${COMMON}`,

  rooms: `Usage: hubbub rooms [options]

Lists every public room, and the private ones you are in, own or are invited to, with member
count and number of events; * marks the ones you are in, and a note says private, your role
(owner, moderator) or an open invite.

${COMMON}`,

  who: `Usage: hubbub who --room R [options]

Who is online in a room: one line per device, with its client kind (web, cli, ...).

${COMMON}`,

  join: `Usage: hubbub join ROOM [--private] [options]

Joins ROOM, creating it if it does not exist yet; whoever creates a room owns it. A private
room needs an invite to join (not_invited otherwise; see hubbub invite --help); a user banned
from ROOM gets banned.
  --private    create ROOM invite-only; refused with room_exists if ROOM exists already

${COMMON}`,

  invite: `Usage: hubbub invite ROOM USER [options]

Lets USER join the private room ROOM, once: the join uses the invite up (after a kick or a
leave, invite again). USER must have signed in here before (unknown_user), and not be banned
from ROOM (banned: unban first). In a public room anyone may join anyway.
Only the room's owner and its moderators may do this (forbidden otherwise, and for rooms made
before rooms had owners). It is an event in the room: every member's clients show it, live and
after a restart. Doing what is already so changes nothing and exits 0 ("nothing changed").
${COMMON}`,

  uninvite: `Usage: hubbub uninvite ROOM USER [options]

Withdraws USER's open invite to ROOM (one their join has not used yet): they can no longer join
the private room, nor see it listed. USER's own devices are told (room_uninvited). A member has
no open invite: kick them instead.
Only the room's owner and its moderators may do this (forbidden otherwise, and for rooms made
before rooms had owners). It is an event in the room: every member's clients show it, live and
after a restart. Doing what is already so changes nothing and exits 0 ("nothing changed").
${COMMON}`,

  kick: `Usage: hubbub kick ROOM USER [options]

Removes USER from ROOM on all their devices at once: nothing of the room reaches them after it.
They may join again (a private room: with a new invite). The owner and moderators cannot be
kicked (the owner demotes a moderator first).
Only the room's owner and its moderators may do this (forbidden otherwise, and for rooms made
before rooms had owners). It is an event in the room: every member's clients show it, live and
after a restart. Doing what is already so changes nothing and exits 0 ("nothing changed").
${COMMON}`,

  ban: `Usage: hubbub ban ROOM USER [options]

Removes USER from ROOM (if a member) on all their devices at once, cancels their invite, and
refuses their joins until hubbub unban. USER need not be a member. The owner and moderators
cannot be banned.
Only the room's owner and its moderators may do this (forbidden otherwise, and for rooms made
before rooms had owners). It is an event in the room: every member's clients show it, live and
after a restart. Doing what is already so changes nothing and exits 0 ("nothing changed").
${COMMON}`,

  unban: `Usage: hubbub unban ROOM USER [options]

Lifts a ban: USER may join ROOM again (a private room: once invited).
Only the room's owner and its moderators may do this (forbidden otherwise, and for rooms made
before rooms had owners). It is an event in the room: every member's clients show it, live and
after a restart. Doing what is already so changes nothing and exits 0 ("nothing changed").
${COMMON}`,

  leave: `Usage: hubbub leave ROOM [options]

Leaves ROOM: its messages stop reaching you and its history is closed to you.

${COMMON}`,
};
