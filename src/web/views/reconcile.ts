/**
 * Makes a parent's children match a keyed list, reusing every node whose content did not change.
 * Re-rendering by replacing all children would drop keyboard focus (a person tabbing through
 * the room list while messages arrive), make screen readers re-announce the whole message log,
 * and redo layout for every message on every event.
 */
export interface Keyed {
  /** Stable identity, e.g. the stream or the message key. */
  key: string;
  /** Changes whenever what `build` would produce changes. */
  sig: string;
  build: () => HTMLElement;
}

export function reconcile(parent: HTMLElement, items: Keyed[]): void {
  const old = new Map<string, HTMLElement>();
  for (const child of [...parent.children]) {
    if (child instanceof HTMLElement && child.dataset.key !== undefined) old.set(child.dataset.key, child);
    else child.remove();
  }
  const active = document.activeElement;
  let refocus: HTMLElement | undefined;
  const next = items.map(({ key, sig, build }) => {
    const prev = old.get(key);
    old.delete(key);
    if (prev && prev.dataset.sig === sig) return prev;
    const node = build();
    node.dataset.key = key;
    node.dataset.sig = sig;
    if (prev && active instanceof HTMLElement && prev.contains(active)) refocus = sameRole(node, prev, active);
    prev?.remove();
    return node;
  });
  for (const stale of old.values()) stale.remove();
  next.forEach((node, i) => {
    const at = parent.children[i];
    if (at !== node) parent.insertBefore(node, at ?? null);
  });
  refocus?.focus();
}

/** The element of a rebuilt node that plays the part the focused one played in the old node. */
function sameRole(node: HTMLElement, prev: HTMLElement, active: HTMLElement): HTMLElement | undefined {
  if (active === prev) return node;
  const siblings = [...prev.querySelectorAll(active.tagName)];
  return (node.querySelectorAll<HTMLElement>(active.tagName)[siblings.indexOf(active)]) ?? undefined;
}
