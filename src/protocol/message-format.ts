/**
 * Message formatting: fenced code blocks, `code`, **bold**, *italics* / _italics_, http(s) links
 * and @mentions. Written here rather than taken from a Markdown library on purpose: those emit
 * HTML strings that then need a sanitiser (marked + DOMPurify is ~60 KB minified; snarkdown is
 * tiny but does not sanitise). This parser emits a token tree and the view builds DOM nodes from
 * it with createElement/text nodes only, so no text can ever become markup: safety does not
 * depend on escaping being right. Links are only ever http: or https:. No DOM here (unit-tested).
 */

export type Token =
  | { t: "text"; v: string }
  | { t: "code"; v: string }
  | { t: "pre"; v: string }
  | { t: "b"; c: Token[] }
  | { t: "i"; c: Token[] }
  | { t: "link"; href: string; v: string }
  | { t: "mention"; user: string };

/** Nesting of bold and italics stops here; deeper markers stay text. */
const MAX_DEPTH = 3;

const INLINE = new RegExp([
  "`([^`\\n]+)`", // 1 code
  "\\*\\*(?=\\S)([\\s\\S]+?)\\*\\*", // 2 bold
  "(?<![\\w*])\\*(?=[^\\s*])([^*\\n]+?)\\*(?![\\w*])", // 3 italics
  "(?<![\\w])_(?=[^\\s_])([^_\\n]+?)_(?![\\w])", // 4 italics
  "(https?:\\/\\/[^\\s<>\"'`]+)", // 5 link
  "(?<![\\w@.])@([A-Za-z0-9_.-]{1,32})", // 6 mention
].join("|"), "g");

export function parse(text: string): Token[] {
  const out: Token[] = [];
  const fence = /^```[^\n`]*\n([\s\S]*?)\n?```[ \t]*$/gm;
  let at = 0;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    if (m.index > at) out.push(...inline(trimNewline(text.slice(at, m.index), "end"), 0));
    out.push({ t: "pre", v: m[1]! });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(...inline(trimNewline(text.slice(at), at > 0 ? "start" : "none"), 0));
  return out.filter((tok) => tok.t !== "text" || tok.v !== "");
}

/** A code block is a block of its own: the line break next to it would add an empty line. */
function trimNewline(s: string, where: "start" | "end" | "none"): string {
  if (where === "end") return s.replace(/\n$/, "");
  if (where === "start") return s.replace(/^\n/, "");
  return s;
}

function inline(text: string, depth: number): Token[] {
  const out: Token[] = [];
  const re = new RegExp(INLINE.source, "g");
  let at = 0;
  const push = (v: string) => { if (v) out.push({ t: "text", v }); };
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let end = m.index + m[0].length;
    let tok: Token | undefined;
    if (m[1] !== undefined) tok = { t: "code", v: m[1] };
    else if (m[2] !== undefined) tok = depth < MAX_DEPTH ? { t: "b", c: inline(m[2], depth + 1) } : undefined;
    else if (m[3] !== undefined || m[4] !== undefined) tok = depth < MAX_DEPTH ? { t: "i", c: inline((m[3] ?? m[4])!, depth + 1) } : undefined;
    else if (m[5] !== undefined) {
      const url = trimUrl(m[5]);
      end = m.index + url.length;
      tok = safeHref(url) ? { t: "link", href: safeHref(url)!, v: url } : undefined;
    } else if (m[6] !== undefined) {
      const user = m[6].replace(/\.+$/, ""); // a sentence's full stop is not part of the name
      end = m.index + 1 + user.length;
      tok = user ? { t: "mention", user } : undefined;
    }
    if (!tok) continue;
    push(text.slice(at, m.index));
    out.push(tok);
    at = end;
    re.lastIndex = end;
  }
  push(text.slice(at));
  return out;
}

/** Trailing punctuation ends a sentence, not a URL; a closing parenthesis counts only if one was opened. */
function trimUrl(url: string): string {
  let u = url.replace(/[.,;:!?]+$/, "");
  while (u.endsWith(")") && (u.match(/\(/g)?.length ?? 0) < (u.match(/\)/g)?.length ?? 0)) u = u.slice(0, -1).replace(/[.,;:!?]+$/, "");
  return u;
}

/** The URL to link to, only for http and https. */
export function safeHref(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** Users mentioned in a message (not inside code). */
export function mentionsIn(tokens: Token[]): string[] {
  const found: string[] = [];
  const walk = (ts: Token[]) => {
    for (const tok of ts) {
      if (tok.t === "mention") found.push(tok.user);
      else if (tok.t === "b" || tok.t === "i") walk(tok.c);
    }
  };
  walk(tokens);
  return found;
}

export const mentions = (text: string, user: string): boolean => text.includes("@") && mentionsIn(parse(text)).includes(user);
