/**
 * The web app's controller: sign-in, then one HubbubClient whose events feed ChatState and
 * re-render the views. Cursors and the outbox live in localStorage, so a reload resumes where
 * it stopped and unsent messages are sent after it.
 */
import { HubbubClient, localStorageStorage, type ConnectionState } from "../client/index.ts";
import { isUserName, isRoomName, roomStream, parseStream } from "../protocol/index.ts";
import { ChatState } from "./chat-state.ts";
import { $ } from "./views/dom.ts";
import { renderMessages } from "./views/messages.ts";
import { renderOnline, renderStreams } from "./views/sidebar.ts";
import { statusText } from "./views/status.ts";

const SESSION_KEY = "hubbub:session";

function signIn(): void {
  const saved = localStorage.getItem(SESSION_KEY);
  if (saved) {
    const s = JSON.parse(saved) as { user?: string; token?: string };
    return start(s.user, s.token);
  }
  $("signin").hidden = false;
  $<HTMLInputElement>("signin-name").focus();
  $<HTMLFormElement>("signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const user = $<HTMLInputElement>("signin-name").value.trim() || undefined;
    const token = $<HTMLInputElement>("signin-token").value.trim() || undefined;
    if (!token && (!user || !isUserName(user))) {
      $("signin-error").textContent = "Enter a name of 1–32 letters, digits, _ . or -";
      return;
    }
    localStorage.setItem(SESSION_KEY, JSON.stringify({ user, token }));
    start(user, token);
  });
}

function start(user: string | undefined, token: string | undefined): void {
  $("signin").hidden = true;
  $("app").hidden = false;
  $("app").dataset.view = "list";
  const who = user ?? "token";
  const client = new HubbubClient({
    url: location.origin, user, token, client: "web",
    storage: localStorageStorage(`hubbub:${who}@${location.host}`),
  });
  const state = new ChatState();
  let current: string | undefined = sessionStorage.getItem("hubbub:current") ?? undefined;
  let dividerAfter: number | undefined;
  let connection: ConnectionState = client.state;
  const typingUntil = new Map<string, number>();
  const messagesBox = $("messages");
  const input = $<HTMLTextAreaElement>("composer-input");

  const atBottom = () => messagesBox.scrollHeight - messagesBox.scrollTop - messagesBox.clientHeight < 40;

  function renderSidebar(): void {
    $("me-name").textContent = state.me || who;
    renderStreams($("room-list"), state.list("room"), current, open);
    renderStreams($("dm-list"), state.list("dm"), current, open);
    renderOnline($("online-list"), current ? state.online(current) : [], state.me, (u) => open(state.dmWith(u)));
  }

  function renderConversation(keepBottom = atBottom()): void {
    const view = current ? state.streams.get(current) : undefined;
    $("conv-title").textContent = view ? (view.kind === "room" ? `#${view.name}` : view.name) : "Pick a room";
    input.disabled = !view;
    $<HTMLButtonElement>("composer-send").disabled = !view;
    if (!current) { messagesBox.replaceChildren(); return; }
    const before = messagesBox.scrollHeight - messagesBox.scrollTop;
    renderMessages(messagesBox, state.messagesOf(current), state.me, dividerAfter, state.moreBefore.get(current) ?? true);
    if (keepBottom) messagesBox.scrollTop = messagesBox.scrollHeight;
    else messagesBox.scrollTop = messagesBox.scrollHeight - before; // older messages were added above
    markRead();
  }

  function renderStatus(): void {
    const s = $("status");
    s.dataset.state = connection.name;
    s.textContent = statusText(connection, Date.now());
  }
  setInterval(() => { if (connection.name === "reconnecting") renderStatus(); renderTyping(); }, 500);

  function renderTyping(): void {
    const now = Date.now();
    const names = [...typingUntil].filter(([k, until]) => until > now && k.startsWith(`${current}|`)).map(([k]) => k.split("|")[1]);
    $("typing").textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
  }

  /** Tell the server (and so my other devices) what I have seen: only when I can see it. */
  function markRead(): void {
    if (!current || document.visibilityState !== "visible" || !atBottom() || connection.name !== "live") return;
    const view = state.streams.get(current);
    const newest = state.newestSeq(current);
    if (!view || newest <= view.read) return;
    state.markRead(current, newest);
    client.read(current, newest).catch(() => {});
    renderSidebar();
  }

  async function loadOlder(): Promise<void> {
    if (!current || connection.name !== "live" || state.moreBefore.get(current) === false) return;
    const stream = current;
    const page = await client.history(stream, { before: state.oldest.get(stream), limit: 50 }).catch(() => undefined);
    if (!page || stream !== current) return;
    for (const e of page.events) state.event(e, false);
    state.moreBefore.set(stream, page.more);
    renderConversation(false);
  }

  function open(stream: string): void {
    const view = state.ensure(stream);
    if (!view) return;
    current = stream;
    sessionStorage.setItem("hubbub:current", stream);
    dividerAfter = view.read;
    $("app").dataset.view = "conversation";
    renderSidebar();
    renderConversation(true);
    if (!state.oldest.has(stream) || state.messagesOf(stream).length < 20) void loadOlder().then(() => renderConversation(true));
    input.focus();
  }

  client.on("state", (s) => { connection = s; renderStatus(); if (s.name === "live") markRead(); });
  client.on("welcome", (w) => {
    state.welcome(w);
    renderSidebar();
    if (current && state.streams.has(current)) open(current);
  });
  client.on("event", (e) => {
    const bottom = atBottom();
    state.event(e, true);
    if (e.stream === current || e.stream.startsWith("user:")) renderConversation(bottom);
    renderSidebar();
  });
  client.on("outbox", (item) => { state.outbox(item); renderConversation(true); });
  client.on("presence", (p) => { state.presenceFrame(p); renderSidebar(); });
  client.on("typing", (t) => {
    if (t.user === state.me) return;
    typingUntil.set(`${t.stream}|${t.user}`, Date.now() + 3000);
    renderTyping();
  });
  client.on("error", (e) => { if (e.code === "unauthorized") { localStorage.removeItem(SESSION_KEY); $("status").textContent = e.message; } });
  for (const item of client.pendingSends()) state.outbox(item);

  messagesBox.addEventListener("scroll", () => { if (messagesBox.scrollTop < 40) void loadOlder(); markRead(); });
  document.addEventListener("visibilitychange", markRead);

  let lastTyping = 0;
  input.addEventListener("input", () => {
    if (current && Date.now() - lastTyping > 2000) { lastTyping = Date.now(); client.typing(current); }
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); $<HTMLFormElement>("composer").requestSubmit(); }
  });
  $<HTMLFormElement>("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text || !current) return;
    const p = parseStream(current);
    if (p?.kind === "room") client.send({ room: p.room }, text);
    else if (p?.kind === "dm") client.send({ user: p.users[0] === state.me ? p.users[1] : p.users[0] }, text);
    input.value = "";
  });
  $<HTMLFormElement>("join-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const field = $<HTMLInputElement>("join-room");
    const room = field.value.trim();
    if (!isRoomName(room)) return;
    try {
      await client.join(room);
      field.value = "";
      open(roomStream(room));
    } catch (e) { $("status").textContent = (e as Error).message; }
  });
  $<HTMLFormElement>("dm-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const field = $<HTMLInputElement>("dm-user");
    const u = field.value.trim();
    if (!isUserName(u) || u === state.me) return;
    field.value = "";
    open(state.dmWith(u));
  });
  $("back").addEventListener("click", () => { $("app").dataset.view = "list"; });
  $("signout").addEventListener("click", () => {
    client.close();
    localStorage.removeItem(SESSION_KEY);
    location.reload();
  });

  renderStatus();
  renderSidebar();
  client.connect();
}

signIn();
