import type { RefObject } from "preact";
import { useLayoutEffect } from "preact/hooks";

const BOTTOM_GAP_PX = 16;
const MIN_HEIGHT_PX = 320;

/** Sizes the element to the rest of the window below it, so only its own lists scroll. */
export function useFitHeight(ref: RefObject<HTMLElement>, ...deps: unknown[]): void {
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const fit = () => {
      const top = el.getBoundingClientRect().top + window.scrollY;
      el.style.height = `${Math.max(MIN_HEIGHT_PX, window.innerHeight - top - BOTTOM_GAP_PX)}px`;
    };
    fit();
    const ro = new ResizeObserver(fit);
    for (const above of document.querySelectorAll(".top, .nav")) ro.observe(above);
    window.addEventListener("resize", fit);
    return () => {
      ro.disconnect();
      window.removeEventListener("resize", fit);
    };
  }, deps);
}
