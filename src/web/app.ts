/**
 * The web app's controller: sign-in, then one HubbubClient whose events feed ChatState and
 * re-render the views. The outbox lives in localStorage (see tab-storage.ts), so messages
 * written offline go out after a reload, or from another tab if this one is closed.
 */
import { HubbubClient, type ConnectionState } from "../client/index.ts";
import { dmPeer, isRoomName, isUserName, parseStream, roomStream } from "../protocol/index.ts";
import { ChatState, type Message } from "./chat-state.ts";
import { historyCache } from "./history-cache.ts";
import { settingsPanel } from "./settings-panel.ts";
import { keptIn } from "./kept.ts";
import { profileDevice, tabId, tabStorage } from "./tab-storage.ts";
import { mentions } from "../protocol/message-format.ts";
import { askForNotifications, canAskForNotifications, notify, showUnread } from "./views/attention.ts";
import { checkLength } from "./views/composer.ts";
import { renderDirectory, renderSearchResults } from "./views/directory.ts";
import { $ } from "./views/dom.ts";
import { renderMessages } from "./views/messages.ts";
import { renderOnline, renderStreams } from "./views/sidebar.ts";
import { askForSession, savedSession, signOut, type Session } from "./views/signin.ts";
import { statusAnnouncement, statusText } from "./views/status.ts";

/** The user a token names, read without verifying it: only used to pick a storage key. */
function tokenSubject(token: string): string {
  try {
    const payload = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: unknown };
    return typeof payload.sub === "string" ? payload.sub : "token";
  } catch {
    return "token";
  }
}

function start({ user, token }: Session): void {
  const app = $("app");
  app.hidden = false;
  // On a phone the directory is the first screen (the "useful first screen"), not the bare list.
  app.dataset.view = "conversation";
  const who = user ?? tokenSubject(token ?? "");
  const base = `hubbub:${who}@${location.host}`;
  const client = new HubbubClient({
    url: location.origin, user, token, client: "web", device: profileDevice(),
    storage: tabStorage({ base, tab: tabId() }),
  });
  const kept = keptIn(base);
  /** The server's limit, remembered so the composer knows it before the (next) welcome too. */
  const maxText = () => client.welcome?.limits.maxText ?? (Number(localStorage.getItem("hubbub:max-text")) || 4000);
  setInterval(() => client.flush(), 20_000); // tells sibling tabs this one is still open
  const state = new ChatState();
  state.me = who; // before the welcome: restored outbox and refused messages are mine
  let current: string | undefined = sessionStorage.getItem("hubbub:current") ?? undefined;
  let dividerAfter: number | undefined;
  let connection: ConnectionState = client.state;
  let welcomed = false;
  // Last-seen history from the previous visit, shown until the server answers (also with no server at all).
  const cache = historyCache(base);
  const snap = cache.load();
  if (snap) state.restore(snap);
  /** The open conversation still shows the previous visit's history: replace it with the newest page once live. */
  let stale: string | undefined;
  const loading = new Set<string>();
  const typingUntil = new Map<string, number>();
  const settings = settingsPanel(client, () => state.me, (room) => [...new Set(state.online(roomStream(room)).map((e) => e.user))], (room) => state.directory.get(room)?.members);
  const messagesBox = $("messages");
  const input = $<HTMLTextAreaElement>("composer-input");

  const atBottom = () => messagesBox.scrollHeight - messagesBox.scrollTop - messagesBox.clientHeight < 40;

  function renderSidebar(): void {
    $("me-name").textContent = state.me || who;
    renderStreams($("room-list"), state.list("room"), current, open);
    renderStreams($("dm-list"), state.list("dm"), current, open);
    renderStreams($("directory-dm-list"), state.list("dm"), current, open); // shown on a phone's first screen
    renderOnline($("online-list"), current ? state.online(current) : [], state.me, (u) => open(state.dmWith(u)));
    renderOnline($("people-list"), current ? state.online(current) : [], state.me, (u) => open(state.dmWith(u)));
    const views = [...state.streams.values()];
    showUnread(views.reduce((n, s) => n + s.unread, 0), views.reduce((n, s) => n + s.mentions, 0));
    // On a phone the list is one step back: say there is something new there.
    const elsewhere = views.filter((s) => s.stream !== current).reduce((n, s) => n + s.unread, 0);
    const back = $("back-unread");
    back.hidden = elsewhere === 0;
    back.textContent = elsewhere >= 1000 ? "1000+" : String(elsewhere);
    $("back").setAttribute("aria-label", elsewhere > 0 ? `Back to rooms, ${elsewhere} unread` : "Back to rooms");
    if (!current) renderRooms(); // the directory shows my rooms' counts too
    settings.render(); // who is online changed, maybe
    $("notify").hidden = !canAskForNotifications();
    const b = state.broadcast;
    $("broadcast").hidden = !b || Date.now() - b.at > 86_400_000 || localStorage.getItem("hubbub:broadcast-seen") === String(b.seq);
    $("broadcast-text").textContent = b?.text ?? "";
  }

  function renderConversation(keepBottom = atBottom()): void {
    const view = current ? state.streams.get(current) : undefined;
    const title = view ? (view.kind === "room" ? `#${view.name}` : view.name) : "Rooms";
    $("conv-title").textContent = title;
    app.dataset.screen = view ? "conversation" : "directory";
    $("conv-topic").textContent = view?.kind === "room" ? state.topic(view.name) : "";
    $("conv-tools").hidden = !view;
    for (const id of ["topic-edit", "leave-room", "people-toggle", "settings-toggle"]) $(id).hidden = view?.kind !== "room";
    // Short enough for a phone's width; how Enter works is in the title (a tooltip) and the label.
    input.placeholder = view ? `Message ${title}` : "";
    input.disabled = !view;
    $<HTMLButtonElement>("composer-send").disabled = !view;
    if (!current) { messagesBox.replaceChildren(); renderRooms(); return; }
    const before = messagesBox.scrollHeight - messagesBox.scrollTop;
    renderMessages(messagesBox, state.messagesOf(current), {
      me: state.me, dividerAfter, more: state.moreBefore.get(current) ?? true,
      maxText: maxText(),
      dismiss: (m) => { forgetFailed(m); input.focus(); },
      retry: (m) => { forgetFailed(m); if (m.failure) client.send(m.failure.to, m.text); },
      edit: (m) => {
        forgetFailed(m);
        input.value = input.value ? `${m.text}\n${input.value}` : m.text;
        composerChanged();
        input.focus();
      },
      change: (m) => startEditing(m),
      reactionsOf: (m) => (m.seq === undefined ? [] : state.reactionsOf(m.stream, m.seq)),
      react: (m, emoji, on) => {
        if (m.seq === undefined) return;
        client.react(m.stream, m.seq, emoji, on).catch((e: Error) => { $("composer-error").textContent = `Could not react: ${e.message}`; });
      },
      remove: (m) => {
        if (m.seq === undefined || !confirm("Delete this message for everyone?")) return;
        client.delete(m.stream, m.seq).catch((e: Error) => { $("composer-error").textContent = `Could not delete: ${e.message}`; });
      },
    });
    if (keepBottom) messagesBox.scrollTop = messagesBox.scrollHeight;
    else messagesBox.scrollTop = messagesBox.scrollHeight - before; // older messages were added above
    markRead();
  }

  /** The directory: the first screen after sign-in, and whenever no conversation is open. */
  function renderRooms(): void {
    renderDirectory($("directory-list"), [...state.directory.values()], $<HTMLInputElement>("directory-q").value, (room, member, opts) => {
      if (member) return open(roomStream(room));
      $("directory-note").textContent = "";
      client.join(room, opts).then(() => open(roomStream(room)), (e: Error) => { $("directory-note").textContent = `Could not join #${room}: ${e.message}`; });
    }, (room) => state.streams.get(roomStream(room)));
  }
  async function refreshRooms(): Promise<void> {
    const list = await client.rooms().catch(() => undefined);
    if (!list) return;
    state.setDirectory(list.rooms);
    settings.render();
    if (!current) renderRooms();
    else renderConversation();
  }
  function showDirectory(): void {
    stopEditing();
    current = undefined;
    sessionStorage.removeItem("hubbub:current");
    app.dataset.view = "conversation"; // on a phone, the pane that shows the directory
    renderSidebar();
    renderConversation();
    void refreshRooms();
  }

  let searchNext: number | undefined;
  async function search(more: boolean): Promise<void> {
    const stream = current;
    const q = $<HTMLInputElement>("search-q").value.trim();
    if (!stream || !q) return;
    $("search-status").textContent = "searching…";
    const r = await client.search(stream, q, more ? { before: searchNext } : {}).catch((e: Error) => e);
    if (stream !== current) return;
    if (r instanceof Error) { $("search-status").textContent = `Search failed: ${r.message}`; return; }
    if (!more) $("search-results").replaceChildren();
    const box = document.createElement("div");
    renderSearchResults(box, r.events, state.me);
    $("search-results").append(...box.children);
    const found = $("search-results").children.length;
    searchNext = r.next;
    $("search-more").hidden = r.next === undefined;
    $("search-status").textContent = `${found} message${found === 1 ? "" : "s"} found${r.next === undefined ? "" : " so far"}`;
  }

  /** Editing a sent message borrows the composer; what was being written comes back afterwards. */
  let editing: { stream: string; seq: number; draft: string } | undefined;
  function startEditing(m: Message): void {
    if (m.seq === undefined) return;
    if (!editing) editing = { stream: m.stream, seq: m.seq, draft: input.value };
    else editing.seq = m.seq;
    $("editing").hidden = false;
    input.value = m.text;
    composerChanged();
    input.focus();
  }
  function stopEditing(): void {
    if (!editing) return;
    const { draft } = editing;
    editing = undefined;
    $("editing").hidden = true;
    input.value = draft;
    composerChanged();
  }

  function forgetFailed(m: Message): void {
    if (m.cmid) kept.removeFailed(m.cmid);
    state.dismiss(m.stream, m.key);
    renderConversation();
  }

  /** Counter, refusal and draft follow every change of the composer's text. */
  function composerChanged(): void {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
    const check = checkLength(input.value, maxText());
    const count = $("composer-count");
    count.textContent = check.counter;
    count.dataset.over = String(check.over);
    count.title = check.counter ? `${check.counter} characters left` : "";
    if (!check.over) $("composer-error").textContent = "";
    if (current && !editing) kept.setDraft(current, input.value);
  }

  function renderStatus(): void {
    $("retry-now").hidden = $("conv-retry").hidden = connection.name !== "reconnecting";
    const s = $("status");
    s.dataset.state = connection.name;
    const waiting = client.pendingSends().length;
    s.textContent = statusText(connection, Date.now()) + (waiting > 0 && connection.name !== "live" ? ` · ${waiting} waiting to send` : "");
    // A phone shows one pane at a time: the conversation's header repeats the status while not live.
    $("conv-status-line").dataset.state = connection.name;
    $("conv-status").textContent = s.textContent;
    const spoken = statusAnnouncement(connection);
    if ($("status-sr").textContent !== spoken) $("status-sr").textContent = spoken;
  }

  function renderTyping(): void {
    const now = Date.now();
    const names = [...typingUntil].filter(([k, until]) => until > now && k.startsWith(`${current}|`)).map(([k]) => k.split("|")[1]);
    const text = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
    if ($("typing").textContent !== text) $("typing").textContent = text;
  }
  setInterval(() => { if (connection.name === "reconnecting") renderStatus(); renderTyping(); }, 500);

  /** Tells the server (and so my other devices) what I have seen: only when I can see it. */
  function markRead(): void {
    if (!current || document.visibilityState !== "visible" || !atBottom() || connection.name !== "live") return;
    const view = state.streams.get(current);
    const newest = state.newestSeq(current);
    if (!view || newest <= view.read) return;
    state.markRead(current, newest);
    client.read(current, newest).catch(() => {});
    renderSidebar();
  }

  /** Pages back through history; keeps going while the list does not fill the view yet. */
  async function loadOlder(): Promise<void> {
    const stream = current;
    if (!stream || connection.name !== "live" || state.moreBefore.get(stream) === false || loading.has(stream)) return;
    loading.add(stream);
    const page = await client.history(stream, { before: state.oldest.get(stream), limit: 50 }).catch(() => undefined);
    loading.delete(stream);
    if (!page) return;
    for (const e of page.events) state.event(e, false);
    state.moreBefore.set(stream, page.more);
    saveSoon();
    if (stream !== current) return;
    renderConversation(false);
    if (page.more && messagesBox.scrollHeight <= messagesBox.clientHeight) await loadOlder();
  }

  /** Swaps the previous visit's history of the open conversation for the server's newest page. */
  async function refreshStale(stream: string): Promise<void> {
    loading.add(stream);
    const page = await client.history(stream, { limit: 50 }).catch(() => undefined);
    loading.delete(stream);
    if (!page) return;
    stale = undefined;
    state.forgetHistory(stream);
    for (const e of page.events) state.event(e, false);
    state.moreBefore.set(stream, page.more);
    if (current === stream) renderConversation(true);
    saveSoon();
  }

  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** Keeps the last-seen history for an offline reload; at most once a second. */
  function saveSoon(): void {
    if (saveTimer === undefined) saveTimer = setTimeout(() => { saveTimer = undefined; cache.save(state.snapshot(50)); }, 1000);
  }
  addEventListener("pagehide", () => cache.save(state.snapshot(50)));

  /** A read cursor moved past messages this tab never loaded: fetch them (if few) to count what is unread. */
  async function recount(stream: string): Promise<void> {
    const view = state.streams.get(stream);
    if (!view || view.head - view.read > 500) return; // the upper bound will do; the welcome recounts later
    const page = await client.history(stream, { after: view.read, limit: 500 }).catch(() => undefined);
    if (!page) return;
    for (const e of page.events) state.event(e, false);
    state.recount(stream);
    renderSidebar();
  }

  function open(stream: string): void {
    const view = state.ensure(stream);
    if (!view) return;
    stopEditing();
    if (current !== stream) closePanels();
    current = stream;
    sessionStorage.setItem("hubbub:current", stream);
    dividerAfter = view.read;
    app.dataset.view = "conversation";
    input.value = kept.draft(stream);
    $("composer-error").textContent = "";
    renderSidebar();
    renderConversation(true);
    renderTyping();
    composerChanged();
    if (state.messagesOf(stream).length < 30) void loadOlder().then(() => { if (current === stream) renderConversation(true); });
    input.focus();
  }

  client.on("state", (s) => { connection = s; renderStatus(); if (s.name === "live") markRead(); });
  client.on("welcome", (w) => {
    localStorage.setItem("hubbub:max-text", String(w.limits.maxText));
    if (!welcomed && snap) {
      // A fresh start replays nothing, so cached history may have a hole up to the head: keep only what is on screen, until it is replaced.
      stale = current;
      for (const s of state.streams.keys()) if (s !== current) state.forgetHistory(s);
      for (const v of [...state.streams.values()]) if (v.stream !== current && !w.streams.some((i) => i.stream === v.stream)) state.streams.delete(v.stream);
    }
    state.welcome(w);
    renderSidebar();
    // Only the first welcome restores the open conversation: a reconnect must not move focus.
    if (!welcomed && current && state.streams.has(current)) open(current);
    else if (current && !state.streams.has(current)) { current = undefined; renderConversation(); }
    welcomed = true;
  });
  client.on("synced", () => {
    void refreshRooms();
    // Opening a conversation before the connection is live (a reload) cannot load its history yet: do it now.
    if (current && stale === current) void refreshStale(current);
    else if (current && state.messagesOf(current).length < 30) {
      const stream = current;
      void loadOlder().then(() => { if (current === stream) renderConversation(true); });
    }
    // A fresh start replays nothing: fetch the latest announcement, if there is one.
    const head = client.welcome?.streams.find((s) => s.kind === "broadcast")?.head ?? 0;
    if (head > 0 && !state.broadcast) {
      void client.history("broadcast", { limit: 1 }).then((p) => { for (const e of p.events) state.event(e, false); renderSidebar(); }, () => {});
    }
  });
  client.on("event", (e) => {
    const bottom = atBottom();
    state.event(e, true);
    if (e.kind === "message" && e.author !== state.me && connection.name === "live" && Date.now() - e.at < 60_000) {
      const text = String(e.body.text ?? "");
      const dm = e.stream.startsWith("dm:");
      if (dm || mentions(text, state.me)) {
        notify(dm ? `${e.author} (direct message)` : `${e.author} mentioned you in #${e.stream.slice(5)}`, text, e.stream, () => open(e.stream));
      }
    }
    if (e.kind === "message") typingUntil.delete(`${e.stream}|${e.author}`);
    if (e.kind === "read" && !state.recount(String(e.body.stream))) void recount(String(e.body.stream));
    if (e.kind === "room_left" && current === roomStream(String(e.body.room))) showDirectory();
    // Someone else let me in or put me out: say so where I land (only for news, not a replay of old events).
    const fresh = connection.name === "live" && Date.now() - e.at < 60_000;
    if (fresh && e.kind === "room_left" && e.body.reason) $("directory-note").textContent = `${e.author} ${String(e.body.reason)} you from #${String(e.body.room)}.`;
    if (fresh && e.kind === "room_invited") $("directory-note").textContent = `${e.author} invited you to #${String(e.body.room)}: join it from the list.`;
    if (fresh && e.kind === "room_uninvited") $("directory-note").textContent = `${e.author} withdrew your invite to #${String(e.body.room)}.`;
    const countChanged = settings.room !== undefined && e.stream === roomStream(settings.room) && ["joined", "left", "kicked", "banned"].includes(e.kind);
    if (countChanged || ["room_joined", "room_left", "room_invited", "room_uninvited", "topic", "visibility", "role"].includes(e.kind)) void refreshRooms();
    if (e.stream === current || e.stream.startsWith("user:")) renderConversation(bottom);
    saveSoon();
    renderSidebar();
    renderTyping();
  });
  client.on("outbox", (item) => {
    if (item.status === "failed") kept.addFailed(item);
    state.outbox(item);
    renderConversation(true);
    renderStatus();
  });
  client.on("presence", (p) => { state.presenceFrame(p); renderSidebar(); });
  client.on("typing", (t) => {
    if (t.user === state.me) return;
    typingUntil.set(`${t.stream}|${t.user}`, Date.now() + 3000);
    renderTyping();
  });
  client.on("error", (e) => { if (e.code === "unauthorized") { client.close(); signOut(e.message); } });
  for (const item of [...client.pendingSends(), ...kept.failed()]) state.outbox(item);
  // Back to the tab (or window): try at once rather than wait out the backoff.
  window.addEventListener("focus", () => client.retryNow());
  $("retry-now").addEventListener("click", () => client.retryNow());
  $("conv-retry").addEventListener("click", () => client.retryNow());

  messagesBox.addEventListener("scroll", () => { if (messagesBox.scrollTop < 40) void loadOlder(); markRead(); });
  document.addEventListener("visibilitychange", () => {
    // Coming back to the tab, new messages show below the divider, where I stopped reading.
    if (document.visibilityState === "hidden" && current) dividerAfter = state.streams.get(current)?.read;
    markRead();
  });

  let lastTyping = 0;
  input.addEventListener("input", () => {
    composerChanged();
    if (current && input.value && Date.now() - lastTyping > 2000) { lastTyping = Date.now(); client.typing(current); }
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && editing) { ev.preventDefault(); stopEditing(); return; }
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); $<HTMLFormElement>("composer").requestSubmit(); }
  });
  $<HTMLFormElement>("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text || !current) return;
    const check = checkLength(text, maxText());
    if (check.over) { $("composer-error").textContent = check.refusal; input.focus(); return; }
    if (editing) {
      const { stream, seq } = editing;
      client.edit(stream, seq, text).catch((e: Error) => { $("composer-error").textContent = `Could not edit: ${e.message}`; });
      stopEditing();
      input.focus();
      return;
    }
    const p = parseStream(current);
    if (p?.kind === "room") client.send({ room: p.room }, text);
    else if (p?.kind === "dm") client.send({ user: dmPeer(current, state.me) ?? p.users[0] }, text);
    input.value = "";
    composerChanged();
    lastTyping = 0;
    input.focus();
  });
  $<HTMLFormElement>("join-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const field = $<HTMLInputElement>("join-room");
    const room = field.value.trim().replace(/^#/, "");
    if (!isRoomName(room)) return setFormError("join-error", "Room names are 1–64 letters, digits, _ . or -");
    try {
      await client.join(room);
      field.value = "";
      setFormError("join-error", "");
      open(roomStream(room));
    } catch (e) { setFormError("join-error", (e as Error).message); }
  });
  const startDm = (u: string) => {
    $<HTMLInputElement>("dm-user").value = "";
    $("dm-confirm").hidden = true;
    setFormError("dm-error", "");
    open(state.dmWith(u));
  };
  let unconfirmed = "";
  $<HTMLFormElement>("dm-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const u = $<HTMLInputElement>("dm-user").value.trim().replace(/^@/, "");
    $("dm-confirm").hidden = true;
    if (!isUserName(u)) return setFormError("dm-error", "User names are 1–32 letters, digits, _ . or -");
    if (u === state.me) return setFormError("dm-error", "That is you.");
    setFormError("dm-error", "");
    // Conversations I already have, and people I can see, need no question.
    if (state.streams.has(state.dmWith(u)) || [...state.presence.values()].some((r) => [...r.values()].some((e) => e.user === u))) return startDm(u);
    const known = await client.whois(u).then((r) => r.known, () => undefined);
    if (known) return startDm(u);
    unconfirmed = u;
    $("dm-confirm-text").textContent = known === false
      ? `Nobody called “${u}” has signed in here yet. Check the spelling, or start the conversation anyway.`
      : `Cannot check “${u}” while offline. Start the conversation anyway?`;
    $("dm-confirm").hidden = false;
    $("dm-confirm-no").focus();
  });
  $("dm-confirm-yes").addEventListener("click", () => startDm(unconfirmed));
  $("dm-confirm-no").addEventListener("click", () => { $("dm-confirm").hidden = true; $<HTMLInputElement>("dm-user").focus(); });
  $("back").addEventListener("click", () => { app.dataset.view = "list"; $("room-list").querySelector("button")?.focus(); });
  $("broadcast-dismiss").addEventListener("click", () => {
    if (state.broadcast) localStorage.setItem("hubbub:broadcast-seen", String(state.broadcast.seq));
    renderSidebar();
  });
  $("browse").addEventListener("click", () => { showDirectory(); $("directory-q").focus(); });
  // From a phone's first screen: the DM form is in the list pane.
  $("directory-new-dm").addEventListener("click", () => { app.dataset.view = "list"; $("dm-user").focus(); });
  $("directory-q").addEventListener("input", () => renderRooms());
  $("directory-q").addEventListener("keydown", (ev) => {
    const first = $("directory-list").querySelector("button");
    if (ev.key === "Enter" && first) { ev.preventDefault(); first.click(); }
  });
  const toggle = (button: string, panel: string, on?: boolean) => {
    const show = on ?? $(panel).hidden;
    $(panel).hidden = !show;
    $(button).setAttribute("aria-expanded", String(show));
    return show;
  };
  function closePanels(): void {
    toggle("search-toggle", "search-panel", false);
    toggle("people-toggle", "people-panel", false);
    toggle("settings-toggle", "settings-panel", false);
    settings.hide();
    $("search-results").replaceChildren();
    $("search-status").textContent = "";
    $("search-more").hidden = true;
  }
  $("search-toggle").addEventListener("click", () => { if (toggle("search-toggle", "search-panel")) $("search-q").focus(); });
  $("people-toggle").addEventListener("click", () => toggle("people-toggle", "people-panel"));
  $("settings-toggle").addEventListener("click", () => {
    const room = current && parseStream(current)?.kind === "room" ? current.slice(5) : undefined;
    if (room && toggle("settings-toggle", "settings-panel")) settings.show(room);
    else settings.hide();
  });
  $<HTMLFormElement>("search-panel").addEventListener("submit", (ev) => { ev.preventDefault(); void search(false); });
  $("search-more").addEventListener("click", () => void search(true));
  $("topic-edit").addEventListener("click", () => {
    const room = current && parseStream(current)?.kind === "room" ? current.slice(5) : undefined;
    if (!room) return;
    const text = prompt(`Topic of #${room} (empty to clear)`, state.topic(room));
    if (text === null) return;
    client.setTopic(room, text.slice(0, 300)).catch((e: Error) => { $("composer-error").textContent = `Could not set the topic: ${e.message}`; });
  });
  $("leave-room").addEventListener("click", () => {
    const room = current && parseStream(current)?.kind === "room" ? current.slice(5) : undefined;
    if (!room || !confirm(`Leave #${room}? You can join again from the directory.`)) return;
    client.leave(room).catch((e: Error) => { $("composer-error").textContent = `Could not leave: ${e.message}`; });
  });
  $("editing-cancel").addEventListener("click", () => { stopEditing(); input.focus(); });
  $("notify").addEventListener("click", async () => { await askForNotifications(); renderSidebar(); });
  const density = $<HTMLInputElement>("density");
  density.checked = localStorage.getItem("hubbub:density") === "compact";
  app.dataset.density = density.checked ? "compact" : "comfortable";
  density.addEventListener("change", () => {
    app.dataset.density = density.checked ? "compact" : "comfortable";
    localStorage.setItem("hubbub:density", app.dataset.density);
  });
  $("signout").addEventListener("click", () => { client.close(); localStorage.removeItem(`${base}:history`); signOut(); });

  renderStatus();
  renderSidebar();
  if (current && state.streams.has(current)) open(current); // from the cache, before the server answers
  else renderConversation(); // the directory, without the composer of a conversation
  client.connect();
}

function setFormError(id: string, text: string): void { $(id).textContent = text; }

// The shell and its assets are cached by a service worker, so a reload works without the server.
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
void (async () => start(savedSession() ?? await askForSession()))();
