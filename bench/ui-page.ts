/**
 * Code the UI section runs inside the page (Playwright serializes these functions with
 * toString, so each must be self-contained: no imports, no helpers from outside its body).
 */

export type Watch = { name: string; selector: string; text?: string };

/**
 * Init script: records in `window.__benchMarks[name]` the page's performance.now() (ms since
 * navigation start) at the first DOM change after which an element matching `selector` (and
 * containing `text`, if given) is in the document and visible, and in `name:frame` the start of
 * the next animation frame (about when it was painted).
 */
export function installWatches(watches: Watch[]): void {
  const marks: Record<string, number> = {};
  (window as unknown as { __benchMarks: Record<string, number> }).__benchMarks = marks;
  let pending = watches.slice();
  const visible = (el: Element) => {
    if (typeof el.checkVisibility === "function" && !el.checkVisibility()) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const check = () => {
    pending = pending.filter((w) => {
      for (const el of document.querySelectorAll(w.selector)) {
        if (w.text !== undefined && !(el.textContent ?? "").includes(w.text)) continue;
        if (!visible(el)) continue;
        marks[w.name] = performance.now();
        requestAnimationFrame(() => (marks[`${w.name}:frame`] = performance.now()));
        return false;
      }
      return true;
    });
    if (pending.length === 0) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}

export type WalkArgs = { list: string; row: string; text: string; timeoutMs: number };
export type WalkResult = { ms: number; found: boolean; jumps: number; frames: number; rowsAtEnd: number; maxRows: number };

/**
 * Jumps the scroll container to the top, frame after frame (each prepend of older messages moves
 * the rows in view down, so the next jump asks for the next page), until a row containing `text`
 * is in the DOM. Returns how long that took and how many rows the list held.
 */
export async function walkToTop(args: WalkArgs): Promise<WalkResult> {
  const t0 = performance.now();
  const list = document.querySelector(args.list) as HTMLElement | null;
  if (!list) throw new Error(`no ${args.list} in the page`);
  const rows = () => list.querySelectorAll(args.row);
  const found = () => Array.from(rows()).some((el) => (el.textContent ?? "").includes(args.text));
  let jumps = 0;
  let frames = 0;
  let idle = 0;
  let maxRows = rows().length;
  let ok = found();
  while (!ok && performance.now() - t0 < args.timeoutMs) {
    if (list.scrollTop !== 0) {
      list.scrollTop = 0;
      jumps++;
      idle = 0;
    } else if (++idle >= 30) {
      // Nothing moved for ~0.5 s: scroll off the top and back so the list sees a scroll again.
      list.scrollTop = 1;
      idle = 0;
    }
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    frames++;
    maxRows = Math.max(maxRows, rows().length);
    ok = found();
  }
  return { ms: performance.now() - t0, found: ok, jumps, frames, rowsAtEnd: rows().length, maxRows };
}
