/**
 * A small Prometheus registry: counters, gauges and histograms with fixed label names, kept in
 * memory and rendered in the text exposition format (version 0.0.4). The number of series is
 * capped; a new series over the cap is dropped and counted, so a label that turns out unbounded
 * cannot grow memory without end.
 */
export const MAX_SERIES = 2048;
const MAX_LABEL_CHARS = 64;

type Kind = "counter" | "gauge" | "histogram";

type Series = { labels: string[]; value: number; buckets?: number[]; sum?: number };

/** Label values as they may appear: short, printable, never empty. */
export function labelValue(value: string | undefined | null): string {
  if (value === undefined || value === null || value === "") return "none";
  const clean = value.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > MAX_LABEL_CHARS ? clean.slice(0, MAX_LABEL_CHARS) : clean;
}

function escape(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function number(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

export class Family {
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly registry: MetricsRegistry,
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
    readonly labelNames: readonly string[],
    readonly bucketBounds: readonly number[] = [],
    /** Only the dropped-series counter itself: it must be countable when the cap is reached. */
    private readonly uncapped = false,
  ) {}

  private get(values: readonly string[]): Series | null {
    const labels = this.labelNames.map((_, i) => labelValue(values[i]));
    const key = labels.join("\u0001");
    let s = this.series.get(key);
    if (!s) {
      if (!this.uncapped && !this.registry.admitSeries()) return null;
      s = { labels, value: 0, ...(this.kind === "histogram" ? { buckets: this.bucketBounds.map(() => 0), sum: 0 } : {}) };
      this.series.set(key, s);
    }
    return s;
  }

  inc(values: readonly string[] = [], by = 1): void {
    const s = this.get(values);
    if (s) s.value += by;
  }

  set(values: readonly string[], value: number): void {
    const s = this.get(values);
    if (s) s.value = value;
  }

  observe(values: readonly string[], value: number): void {
    const s = this.get(values);
    if (!s) return;
    s.value += 1;
    s.sum! += value;
    for (let i = 0; i < this.bucketBounds.length; i++) if (value <= this.bucketBounds[i]!) s.buckets![i]! += 1;
  }

  get size(): number {
    return this.series.size;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${this.name} ${this.kind}`);
    for (const s of this.series.values()) {
      const pairs = this.labelNames.map((n, i) => `${n}="${escape(s.labels[i]!)}"`);
      const labels = (extra: string[] = []) => {
        const all = [...pairs, ...extra];
        return all.length > 0 ? `{${all.join(",")}}` : "";
      };
      if (this.kind !== "histogram") {
        out.push(`${this.name}${labels()} ${number(s.value)}`);
        continue;
      }
      this.bucketBounds.forEach((bound, i) => out.push(`${this.name}_bucket${labels([`le="${number(bound)}"`])} ${s.buckets![i]}`));
      out.push(`${this.name}_bucket${labels(['le="+Inf"'])} ${s.value}`, `${this.name}_sum${labels()} ${number(s.sum!)}`, `${this.name}_count${labels()} ${s.value}`);
    }
  }
}

export class MetricsRegistry {
  private readonly families: Family[] = [];
  private readonly collectors: Array<() => void> = [];
  private seriesCount = 0;
  readonly dropped: Family;

  constructor(private readonly maxSeries = MAX_SERIES) {
    this.dropped = new Family(this, "openclaw_prometheus_series_dropped_total", "Series not recorded because the series cap was reached.", "counter", [], [], true);
    this.families.push(this.dropped);
  }

  /** Called by a family before it adds a series; false (and counted) over the cap. */
  admitSeries(): boolean {
    if (this.seriesCount >= this.maxSeries) {
      this.dropped.inc();
      return false;
    }
    this.seriesCount += 1;
    return true;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Family {
    return this.add(new Family(this, name, help, "counter", labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Family {
    return this.add(new Family(this, name, help, "gauge", labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Family {
    return this.add(new Family(this, name, help, "histogram", labelNames, buckets));
  }

  /** A function run before each render (gauges read from elsewhere: memory, queue depths). */
  collect(fn: () => void): void {
    this.collectors.push(fn);
  }

  get series(): number {
    return this.seriesCount;
  }

  render(): string {
    for (const fn of this.collectors) fn();
    const out: string[] = [];
    for (const f of this.families) f.render(out);
    return out.join("\n") + "\n";
  }

  private add(f: Family): Family {
    this.families.push(f);
    return f;
  }
}
