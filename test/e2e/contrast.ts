/**
 * Evaluated in the page: the visible text element with the lowest WCAG contrast against its
 * effective background, as [description, ratio]. A string, so the test runner's transpiler
 * cannot add helpers the page does not have.
 */
export const LOWEST_CONTRAST = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = (c) => c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (c.length === 3 || c[3] > 0) return c; }
    return [255, 255, 255];
  };
  const results = [];
  for (const el of document.querySelectorAll(".msg .text, .msg .meta > *, .status, .badge, button, h2, .day, .notice, .kind, #me-name, .typing")) {
    if (!el.offsetParent || !el.textContent.trim()) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    results.push([(el.className || el.tagName) + ": " + el.textContent.trim().slice(0, 20), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
  }
  return results.sort((x, y) => x[1] - y[1])[0];
})()`;
