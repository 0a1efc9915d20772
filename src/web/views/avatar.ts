/** Initials on a colour that is the same for a name everywhere, on every device. */
import { el } from "./dom.ts";

/** FNV-1a: a stable, well-spread hash of the name, so colours do not change between visits. */
export function hueOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 360;
}

/** Up to two letters: the first of each part of the name (a.b-c → AB), or its first two. */
export function initials(name: string): string {
  const parts = name.split(/[._-]+/).filter(Boolean);
  const two = parts.length > 1 ? parts[0]![0]! + parts[1]![0]! : name.slice(0, 2);
  return two.toUpperCase();
}

/** 30 % lightness keeps white initials above 4.5:1 contrast at every hue. */
export function avatar(name: string): HTMLElement {
  const a = el("span", { class: "avatar", "aria-hidden": "true" }, initials(name));
  a.style.background = `hsl(${hueOf(name)} 50% 30%)`; // through CSSOM: the CSP refuses style attributes
  return a;
}
