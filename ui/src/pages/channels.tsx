import { useState } from "preact/hooks";
import { useRpc } from "../hooks";
import { gateway } from "../session";
import { ChannelRow } from "./channels/channel-row";
import { PairingList } from "./channels/pairing-list";
import { accountKey, type AccountStatus, type ChannelsStatus } from "./channels/types";
import { WhatsAppLogin } from "./channels/whatsapp-login";
import { useAction } from "../common/action";
import { ErrorText } from "../common/fields";

const PROBE_TIMEOUT_MS = 40_000;

/** Probe results by account, kept while plain status reloads (which carry none) come in. */
function probesOf(status: ChannelsStatus): Map<string, Pick<AccountStatus, "probe" | "lastProbeAt">> {
  const probes = new Map<string, Pick<AccountStatus, "probe" | "lastProbeAt">>();
  for (const [channel, accounts] of Object.entries(status.channelAccounts)) {
    for (const a of accounts) if (a.probe) probes.set(accountKey(channel, a.accountId), { probe: a.probe, lastProbeAt: a.lastProbeAt });
  }
  return probes;
}

/** Channel accounts (reloaded on each `health` broadcast), probes, DM pairing and WhatsApp linking. */
export function ChannelsPage() {
  const status = useRpc<ChannelsStatus>("channels.status", {}, ["health"]);
  const probe = useAction();
  const [probes, setProbes] = useState(new Map<string, Pick<AccountStatus, "probe" | "lastProbeAt">>());
  const [warnings, setWarnings] = useState<string[]>([]);
  const data = status.data;
  const order = data?.channelOrder ?? [];
  const runProbe = async () => {
    const probed = await probe.run("Probe", () => gateway.request<ChannelsStatus>("channels.status", { probe: true }, { timeoutMs: PROBE_TIMEOUT_MS }));
    if (!probed) return;
    setProbes(probesOf(probed));
    setWarnings(probed.warnings ?? []);
    status.reload();
  };
  const issueFor = (channel: string, accountId: string) => data?.statusIssues?.find((i) => i.channel === channel && i.accountId === accountId);
  return (
    <section data-testid="page-channels">
      <div class="row" style={{ justifyContent: "space-between" }}>
        <h1>Channels</h1>
        <button type="button" class="secondary" data-testid="channel-probe" disabled={probe.busy || !data} onClick={() => void runProbe()}>
          {probe.busy ? "Probing…" : "Probe"}
        </button>
      </div>
      <ErrorText error={status.error ? `Could not load channel status: ${status.error}` : null} />
      <ErrorText error={probe.error} />
      {warnings.map((w) => (
        <p key={w} class="error">
          {w}
        </p>
      ))}
      {!data && !status.error ? <p class="muted">Loading…</p> : null}
      {data && order.length === 0 ? (
        <p class="card muted">
          No channels are configured. Add one under <code>channels</code> in the config (Telegram, WhatsApp or IRC).
        </p>
      ) : null}
      <div class="grid">
        {order.flatMap((channel) =>
          (data?.channelAccounts[channel] ?? []).map((account) => (
            <ChannelRow
              key={accountKey(channel, account.accountId)}
              channel={channel}
              label={data?.channelLabels[channel] ?? channel}
              account={{ ...account, ...probes.get(accountKey(channel, account.accountId)) }}
              issue={issueFor(channel, account.accountId)}
            />
          )),
        )}
      </div>
      <PairingList />
      {order.includes("whatsapp") ? <WhatsAppLogin accounts={(data?.channelAccounts.whatsapp ?? []).map((a) => a.accountId)} /> : null}
    </section>
  );
}
