import { ErrorText, Fields } from "../../common/fields";
import { ago, fullTime } from "../../common/time";
import type { AccountStatus, StatusIssue } from "./types";

const STATE_COLOR: Record<string, string> = { ready: "var(--ok)", starting: "var(--warn)", recovering: "var(--warn)", blocked: "var(--err)", stopped: "var(--muted)" };

function Time(props: { at: number | null | undefined }) {
  return <span title={fullTime(props.at)}>{ago(props.at)}</span>;
}

function probeText(account: AccountStatus): string | null {
  const probe = account.probe;
  if (!probe) return null;
  const took = probe.elapsedMs !== undefined ? ` in ${probe.elapsedMs} ms` : "";
  return probe.ok ? `ok${took} (${ago(account.lastProbeAt)})` : `failed${took}: ${probe.error ?? "unknown error"} (${ago(account.lastProbeAt)})`;
}

/** One channel account: where its connection stands and when it last carried a message. */
export function ChannelRow(props: { channel: string; label: string; account: AccountStatus; issue?: StatusIssue }) {
  const { account, issue } = props;
  const lifecycle = account.lifecycle ?? "unknown";
  return (
    <article class="card" data-testid="channel-row" data-channel={props.channel} data-account={account.accountId} data-state={lifecycle}>
      <div class="row" style={{ justifyContent: "space-between" }}>
        <strong>
          {props.label}
          {account.name || account.accountId !== "default" ? <span class="muted"> · {account.name ?? account.accountId}</span> : null}
        </strong>
        <span style={{ color: STATE_COLOR[lifecycle] ?? "var(--fg)", fontWeight: 600 }}>{lifecycle}</span>
      </div>
      <Fields
        entries={[
          ["Connected", account.connected ? "yes" : "no"],
          ["Health", account.healthState],
          ["Account", account.accountId],
          ["Enabled", account.enabled === false ? "no" : null],
          ["Configured", account.configured === false ? "no" : null],
          ["Reconnects", account.reconnectAttempts ? String(account.reconnectAttempts) : null],
          ["Last inbound", <Time at={account.lastInboundAt} />],
          ["Last outbound", <Time at={account.lastOutboundAt} />],
          ["Probe", probeText(account)],
        ]}
      />
      <ErrorText error={account.lastError ? `Last error: ${account.lastError}` : null} />
      {issue?.fix ? (
        <p class="hint">
          Fix: <code>{issue.fix}</code>
        </p>
      ) : null}
    </article>
  );
}
