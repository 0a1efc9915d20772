/** Which calendar day a message belongs to (the viewer's local time), and what its separator says. */

/** The local calendar day of `ms`: messages with one key share a separator. */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

/** "Today", "Yesterday", else the date with its weekday. */
export function dayLabel(ms: number, now = Date.now()): string {
  if (dayKey(ms) === dayKey(now)) return "Today";
  // The calendar day before today's (not "24 h ago": a day with a clock change is 23 or 25 h long).
  const today = new Date(now);
  if (dayKey(ms) === dayKey(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1, 12).getTime())) return "Yesterday";
  return new Date(ms).toLocaleDateString([], { weekday: "short", day: "numeric", month: "short", year: "numeric" });
}
