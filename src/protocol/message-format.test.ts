import { expect, test } from "bun:test";
import fc from "fast-check";
import { mentions, parse, safeHref, type Token } from "./message-format.ts";

test("inline formatting: code, bold, italics, links and mentions", () => {
  expect(parse("a `x*y*` **bold _it_** *u* see https://example.com/a_(b). @bob.")).toEqual([
    { t: "text", v: "a " }, { t: "code", v: "x*y*" }, { t: "text", v: " " },
    { t: "b", c: [{ t: "text", v: "bold " }, { t: "i", c: [{ t: "text", v: "it" }] }] },
    { t: "text", v: " " }, { t: "i", c: [{ t: "text", v: "u" }] },
    { t: "text", v: " see " }, { t: "link", href: "https://example.com/a_(b)", v: "https://example.com/a_(b)" },
    { t: "text", v: ". " }, { t: "mention", user: "bob" }, { t: "text", v: "." },
  ]);
});

test("fenced code blocks keep their text as is, and only there", () => {
  expect(parse("before\n```js\nconst a = **1**;\n  <b>\n```\nafter")).toEqual([
    { t: "text", v: "before" }, { t: "pre", v: "const a = **1**;\n  <b>" }, { t: "text", v: "after" },
  ]);
});

test("things that look like markup stay text: snake_case, 2*3*4, e-mail addresses, javascript: links", () => {
  expect(parse("snake_case_name 2*3*4 ann@example.com javascript:alert(1)")).toEqual([
    { t: "text", v: "snake_case_name 2*3*4 ann@example.com javascript:alert(1)" },
  ]);
  expect(safeHref("javascript:alert(1)")).toBeUndefined();
  expect(safeHref("https://x.y/")).toBe("https://x.y/");
});

test("mentions: me, not inside code", () => {
  expect(mentions("hey @ann!", "ann")).toBe(true);
  expect(mentions("`@ann`", "ann")).toBe(false);
  expect(mentions("@anna", "ann")).toBe(false);
});

/** The text a token tree shows, with the markers it consumed. */
function plain(ts: Token[]): string {
  return ts.map((t) => (t.t === "text" || t.t === "code" || t.t === "pre" || t.t === "link" ? t.v : t.t === "mention" ? `@${t.user}` : plain(t.c))).join("");
}

test("property: every character of the text that is not a marker is shown, and every link is http(s)", () => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom("a", " ", "*", "_", "`", "@", "h", "ttps://", ".", "\n", "<", ">", "(", ")") , maxLength: 60 }), (s) => {
    const tokens = parse(s);
    const markers = /[*_`\n]/g;
    expect(plain(tokens).replace(markers, "")).toBe(s.replace(markers, ""));
    const walk = (ts: Token[]): void => ts.forEach((t) => {
      if (t.t === "link") expect(/^https?:/.test(t.href)).toBe(true);
      if (t.t === "b" || t.t === "i") walk(t.c);
    });
    walk(tokens);
  }));
});
