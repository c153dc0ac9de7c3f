import { ago } from "../common/time";
import { useRpc } from "../hooks";

/** Health, status and who is connected; refreshed by the gateway's own `health` and `presence` events. */
export function OverviewPage() {
  const health = useRpc<any>("health", {}, ["health"]);
  const status = useRpc<any>("status", {});
  const presence = useRpc<any[]>("system-presence", {}, ["presence"]);
  return (
    <section data-testid="page-overview">
      <h1>Overview</h1>
      <div class="grid">
        <div class="card" data-testid="overview-health">
          <h2>Health</h2>
          {health.error ? <p class="error">{health.error}</p> : null}
          <p>{health.data ? (health.data.ok ? "Healthy" : "Degraded") : "…"}</p>
          {health.data?.eventLoop ? <p class="muted">Event loop delay p99: {health.data.eventLoop.delayP99Ms ?? "—"} ms</p> : null}
        </div>
        <div class="card">
          <h2>Gateway</h2>
          <p>Version {status.data?.version ?? status.data?.gateway?.version ?? "—"}</p>
          <p class="muted">Sessions: {status.data?.sessions?.count ?? "—"}</p>
        </div>
      </div>
      <div class="card">
        <h2>Connected clients</h2>
        <table>
          <thead>
            <tr><th>Client</th><th>Mode</th><th>Host</th><th>Seen</th></tr>
          </thead>
          <tbody>
            {(presence.data ?? []).map((p) => (
              <tr key={p.deviceId ?? p.instanceId ?? p.ts}>
                <td>{p.clientId ?? p.host ?? "—"}</td>
                <td>{p.mode ?? "—"}</td>
                <td>{p.host ?? p.ip ?? "—"}</td>
                <td>{ago(p.ts)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
