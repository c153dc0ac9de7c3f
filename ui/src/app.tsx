import { useEffect, useState } from "preact/hooks";
import type { ComponentType } from "preact";
import { useConnection } from "./hooks";
import { navigate, useRoute } from "./router";
import { gateway, initialToken, saveToken } from "./session";
import { ApprovalsPage } from "./pages/approvals";
import { ChannelsPage } from "./pages/channels";
import { ChatPage } from "./pages/chat";
import { ConfigPage } from "./pages/config";
import { DevicesPage } from "./pages/devices";
import { LogsPage } from "./pages/logs";
import { OverviewPage } from "./pages/overview";
import { SessionsPage } from "./pages/sessions";

type Page = { route: string; label: string; component: ComponentType };

export const PAGES: Page[] = [
  { route: "/chat", label: "Chat", component: ChatPage },
  { route: "/overview", label: "Overview", component: OverviewPage },
  { route: "/channels", label: "Channels", component: ChannelsPage },
  { route: "/approvals", label: "Approvals", component: ApprovalsPage },
  { route: "/devices", label: "Devices & nodes", component: DevicesPage },
  { route: "/sessions", label: "Sessions", component: SessionsPage },
  { route: "/logs", label: "Logs", component: LogsPage },
  { route: "/config", label: "Config", component: ConfigPage },
];

function pageFor(route: string): Page {
  return PAGES.find((p) => route === p.route || route.startsWith(`${p.route}/`)) ?? PAGES[0]!;
}

function TokenForm(props: { message?: string }) {
  const [token, setToken] = useState("");
  return (
    <form
      class="card token-form"
      data-testid="token-form"
      onSubmit={(e) => {
        e.preventDefault();
        saveToken(token.trim());
        gateway.start(token.trim());
      }}
    >
      <h2>Connect to your gateway</h2>
      {props.message ? (
        <p class="error" role="alert" data-testid="connect-error">
          {props.message}
        </p>
      ) : null}
      <label>
        Gateway token
        <input type="password" autocomplete="current-password" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} data-testid="token-input" autofocus />
      </label>
      <p class="hint">
        Find it with <code>openclaw config get gateway.auth.token</code>, or open the link <code>openclaw dashboard</code> prints.
      </p>
      <button type="submit" data-testid="token-submit">
        Connect
      </button>
    </form>
  );
}

function ConnectionBanner() {
  const state = useConnection();
  if (state.phase === "connected" || state.phase === "idle" || state.phase === "needs-token") return null;
  if (state.phase === "pairing-required") {
    return (
      <div class="banner warn" role="status" data-testid="pairing-required">
        <strong>This browser waits for approval.</strong> {state.message}. On the gateway host run{" "}
        <code>openclaw devices approve{state.requestId ? ` ${state.requestId}` : ""}</code>, then{" "}
        <button onClick={() => gateway.retryNow()}>retry</button>
      </div>
    );
  }
  const text = state.phase === "connecting" ? (state.attempt > 1 ? `Reconnecting (attempt ${state.attempt})…` : "Connecting…") : `Disconnected (${state.reason}); retrying in ${Math.ceil(state.retryInMs / 1000)} s`;
  return (
    <div class="banner" role="status" data-testid="connection-banner">
      {text} {state.phase === "waiting" ? <button onClick={() => gateway.retryNow()}>Retry now</button> : null}
    </div>
  );
}

function Nav(props: { route: string }) {
  const [open, setOpen] = useState(false);
  return (
    <nav class={open ? "nav open" : "nav"} aria-label="Pages">
      <button class="nav-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        ☰ Menu
      </button>
      <ul>
        {PAGES.map((p) => (
          <li key={p.route}>
            <a
              href={p.route}
              aria-current={pageFor(props.route).route === p.route ? "page" : undefined}
              data-testid={`nav-${p.route.slice(1)}`}
              onClick={(e) => {
                e.preventDefault();
                setOpen(false);
                navigate(p.route);
              }}
            >
              {p.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function ThemeToggle() {
  const [theme, setTheme] = useState(localStorage.getItem("openclaw.control.theme") ?? "auto");
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("openclaw.control.theme", theme);
  }, [theme]);
  return (
    <select aria-label="Theme" value={theme} onChange={(e) => setTheme((e.target as HTMLSelectElement).value)}>
      <option value="auto">Auto</option>
      <option value="light">Light</option>
      <option value="dark">Dark</option>
    </select>
  );
}

export function App() {
  const route = useRoute();
  const state = useConnection();
  useEffect(() => {
    gateway.start(initialToken());
    if (route === "/") navigate("/chat");
  }, []);
  const [everConnected, setEverConnected] = useState(false);
  useEffect(() => {
    if (state.phase === "connected") setEverConnected(true);
  }, [state.phase]);
  const Page = pageFor(route).component;
  const status = state.phase === "connected" ? "connected" : state.phase;
  return (
    <div class="shell">
      <header class="top">
        <span class="brand">OpenClaw</span>
        <span class={`status ${status}`} data-testid="connection-status" data-phase={state.phase}>
          {status}
        </span>
        <ThemeToggle />
      </header>
      <Nav route={route} />
      <main>
        <ConnectionBanner />
        {state.phase === "needs-token" ? <TokenForm message={state.message} /> : everConnected ? <Page /> : null}
      </main>
    </div>
  );
}
