/** Builds DOM from format.ts's tokens: elements and text nodes only, never HTML strings. */
import type { Token } from "../../protocol/message-format.ts";
import { el } from "./dom.ts";

export function richText(tokens: Token[], me: string): Node[] {
  return tokens.map((tok): Node => {
    switch (tok.t) {
      case "text": return document.createTextNode(tok.v);
      case "code": return el("code", {}, tok.v);
      case "pre": return el("pre", {}, el("code", {}, tok.v));
      case "b": return el("strong", {}, ...richText(tok.c, me));
      case "i": return el("em", {}, ...richText(tok.c, me));
      case "link": return el("a", { href: tok.href, target: "_blank", rel: "noopener noreferrer nofollow ugc" }, tok.v);
      case "mention": return el("span", { class: tok.user === me ? "mention me" : "mention" }, `@${tok.user}`);
    }
  });
}
