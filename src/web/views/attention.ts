/**
 * Getting a person's attention when the tab is not looked at: the unread count in the title and
 * the favicon, and desktop notifications for mentions and DMs (asked for on a click, never on load).
 */

/** Title and favicon for `unread` messages, `mentions` of them mentioning me. */
export function showUnread(unread: number, mentions: number): void {
  const title = unread > 0 ? `(${unread > 999 ? "999+" : unread}${mentions > 0 ? ` · @${mentions}` : ""}) hubbub` : "hubbub";
  if (document.title !== title) document.title = title;
  const key = `${Math.min(unread, 100)}|${mentions > 0}`;
  const link = document.querySelector<HTMLLinkElement>("link[rel=icon]");
  if (!link || link.dataset.key === key) return;
  link.dataset.key = key;
  link.href = favicon(unread, mentions > 0);
}

/** A speech bubble, with a red dot and the count when something is unread. Drawn, so there is no file to serve. */
function favicon(unread: number, mention: boolean): string {
  const c = document.createElement("canvas");
  c.width = c.height = 64;
  const g = c.getContext("2d");
  if (!g) return "data:,";
  g.fillStyle = "#3056d3";
  g.beginPath();
  g.roundRect(4, 8, 56, 40, 12);
  g.moveTo(16, 46); g.lineTo(12, 60); g.lineTo(30, 46);
  g.fill();
  if (unread > 0) {
    g.fillStyle = mention ? "#f4b400" : "#d93025";
    g.beginPath();
    g.arc(44, 20, 20, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = mention ? "#000000" : "#ffffff";
    g.font = "bold 26px system-ui, sans-serif";
    g.textAlign = "center";
    g.textBaseline = "middle";
    g.fillText(unread > 99 ? "99" : String(unread), 44, 21);
  }
  return c.toDataURL("image/png");
}

export const notificationsSupported = (): boolean => typeof Notification === "function";

/** Whether to offer the "Enable notifications" button: only while the browser has not been asked. */
export const canAskForNotifications = (): boolean => notificationsSupported() && Notification.permission === "default";

/** Asks for permission: call it from a click, the only moment browsers allow the question. */
export async function askForNotifications(): Promise<NotificationPermission | undefined> {
  if (!notificationsSupported()) return undefined;
  try { return await Notification.requestPermission(); } catch { return undefined; }
}

/** A desktop notification, only while the tab is hidden and permission was given. */
export function notify(title: string, body: string, tag: string, onClick: () => void): void {
  if (!notificationsSupported() || Notification.permission !== "granted" || document.visibilityState !== "hidden") return;
  try {
    const n = new Notification(title, { body: body.slice(0, 200), tag });
    n.onclick = () => { window.focus(); onClick(); n.close(); };
  } catch { /* some platforms only allow notifications from a service worker: skip */ }
}
