import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";

const OVERSCAN_PX = 800;
const NEAR_TOP_PX = 300;
const BOTTOM_SLACK_PX = 48;

type Props<T extends { key: string }> = {
  items: T[];
  estimate(item: T): number;
  render(item: T): ComponentChildren;
  onNearTop?(): void;
  label: string;
  testid: string;
};

/** The index of the row that covers `y` (rows' tops are offsets[i], bottoms offsets[i + 1]). */
function rowAt(offsets: Float64Array, y: number): number {
  let lo = 0;
  let hi = Math.max(0, offsets.length - 2);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid + 1]! <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A windowed scroll list: only rows in or near the viewport are in the DOM, between two spacers
 * sized from measured heights (estimates until a row was seen). It keeps the rows in view still
 * when rows above change size or older rows are prepended, and stays at the bottom while the
 * user is there.
 */
export function VirtualList<T extends { key: string }>(props: Props<T>) {
  const box = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const estimates = useRef(new Map<string, number>());
  const stick = useRef(true);
  const firstKey = useRef<string | undefined>(undefined);
  const [view, setView] = useState({ top: 0, height: 800 });
  const [version, setVersion] = useState(0);
  const { items, estimate } = props;

  const offsets = useMemo(() => {
    const o = new Float64Array(items.length + 1);
    const known = heights.current;
    const guessed = estimates.current;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      let h = known.get(item.key) ?? guessed.get(item.key);
      if (h === undefined) guessed.set(item.key, (h = estimate(item)));
      o[i + 1] = o[i]! + h;
    }
    return o;
  }, [items, version]);
  const total = offsets[items.length]!;
  const top = stick.current ? Math.max(0, total - view.height) : view.top;
  const start = items.length === 0 ? 0 : rowAt(offsets, top - OVERSCAN_PX);
  const end = items.length === 0 ? -1 : rowAt(offsets, top + view.height + OVERSCAN_PX);

  const latest = useRef({ items, offsets, onNearTop: props.onNearTop });
  latest.current = { items, offsets, onNearTop: props.onNearTop };

  /** Records rendered rows' heights; shifts the scroll position by what changed above the viewport. */
  function measure(): boolean {
    const el = box.current;
    if (!el) return false;
    const { items, offsets } = latest.current;
    let changed = false;
    let shift = 0;
    const scrollTop = el.scrollTop;
    for (const node of el.querySelectorAll<HTMLElement>(":scope > .vlist-rows > [data-vkey]")) {
      const index = Number(node.dataset.vindex);
      const item = items[index];
      if (!item || item.key !== node.dataset.vkey) continue;
      const h = node.getBoundingClientRect().height;
      const old = heights.current.get(item.key) ?? estimates.current.get(item.key) ?? 0;
      if (Math.abs(h - old) < 0.5) continue;
      heights.current.set(item.key, h);
      changed = true;
      if (offsets[index]! + old <= scrollTop) shift += h - old;
    }
    if (shift !== 0 && !stick.current) el.scrollTop = scrollTop + shift;
    return changed;
  }

  function settle(): void {
    const el = box.current;
    if (!el) return;
    if (stick.current) el.scrollTop = el.scrollHeight;
    const next = { top: el.scrollTop, height: el.clientHeight };
    setView((v) => (v.top === next.top && v.height === next.height ? v : next));
  }

  const observer = useRef<ResizeObserver | null>(null);
  const observed = useRef(new Set<Element>());
  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => {
      if (measure()) setVersion((v) => v + 1);
      settle();
    });
    ro.observe(el);
    observer.current = ro;
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const first = items[0]?.key;
    if (firstKey.current !== undefined && first !== firstKey.current && !stick.current) {
      const index = items.findIndex((i) => i.key === firstKey.current);
      if (index > 0) el.scrollTop += offsets[index]!;
    }
    firstKey.current = first;
    if (measure()) setVersion((v) => v + 1);
    settle();
    const ro = observer.current;
    if (ro) {
      for (const node of observed.current) if (!node.isConnected) (ro.unobserve(node), observed.current.delete(node));
      for (const node of el.querySelectorAll(":scope > .vlist-rows > [data-vkey]")) if (!observed.current.has(node)) (ro.observe(node), observed.current.add(node));
    }
    if (el.scrollTop < NEAR_TOP_PX) latest.current.onNearTop?.();
  });

  const onScroll = () => {
    const el = box.current!;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK_PX;
    setView({ top: el.scrollTop, height: el.clientHeight });
    if (el.scrollTop < NEAR_TOP_PX) props.onNearTop?.();
  };

  const shown = items.slice(start, end + 1);
  return (
    <div class="vlist" ref={box} onScroll={onScroll} tabIndex={0} role="region" aria-label={props.label} data-testid={props.testid}>
      <div class="vlist-rows">
        <div class="vlist-spacer" style={{ height: `${offsets[start] ?? 0}px` }} aria-hidden="true" />
        {shown.map((item, i) => (
          <div key={item.key} data-vkey={item.key} data-vindex={start + i} class="vlist-row">
            {props.render(item)}
          </div>
        ))}
        <div class="vlist-spacer" style={{ height: `${total - (offsets[end + 1] ?? total)}px` }} aria-hidden="true" />
      </div>
    </div>
  );
}
