/** The message list: author, time, own messages distinct, send state, and the new-messages divider. */
import type { Message } from "../chat-state.ts";
import { el } from "./dom.ts";

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const STATE_LABEL = { pending: "sending…", sent: "✓ sent", failed: "failed" } as const;

export function renderMessages(box: HTMLElement, messages: Message[], me: string, dividerAfter: number | undefined, more: boolean): void {
  const nodes: HTMLElement[] = [];
  if (more) nodes.push(el("p", { class: "notice" }, "scroll up for older messages"));
  else if (messages.length > 0) nodes.push(el("p", { class: "notice" }, "beginning of the conversation"));
  let dividerShown = false;
  for (const m of messages) {
    if (!dividerShown && dividerAfter !== undefined && m.seq !== undefined && m.seq > dividerAfter && m.author !== me) {
      nodes.push(el("p", { class: "divider", role: "separator" }, "new messages"));
      dividerShown = true;
    }
    if (m.text === "joined" || m.text === "left") {
      if (m.seq !== undefined) nodes.push(el("p", { class: "notice", "data-seq": String(m.seq) }, `${m.author} ${m.text}`));
      continue;
    }
    const mine = m.author === me;
    const meta = el("div", { class: "meta" }, el("span", { class: "author" }, mine ? "you" : m.author), el("time", { datetime: new Date(m.at).toISOString() }, time(m.at)));
    if (m.edited) meta.append(el("span", {}, "(edited)"));
    if (mine) meta.append(el("span", { class: "state", title: m.error ?? "" }, m.state === "failed" && m.error ? `failed: ${m.error}` : STATE_LABEL[m.state]));
    nodes.push(el("article", {
      class: `msg${mine ? " mine" : ""}`, "data-state": m.state, "data-seq": m.seq === undefined ? "" : String(m.seq), "data-cmid": m.cmid ?? "",
    }, meta, el("div", { class: "text" }, m.text)));
  }
  box.replaceChildren(...nodes);
}
