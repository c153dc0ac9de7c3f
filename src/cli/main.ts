#!/usr/bin/env node
import { Command, Option } from "commander";
import { GATEWAY_VERSION } from "../protocol/constants.js";
import { logSink } from "../infra/logger.js";
import { applyRootFlags } from "./root-flags.js";
import { CliError } from "./exit.js";
import { addClientOptions, type ClientFlags } from "./client-options.js";

function addRunOptions(command: Command): Command {
  return command
    .option("--port <port>", "WebSocket + HTTP port (default: OPENCLAW_GATEWAY_PORT, gateway.port, 18789)")
    .option("--bind <mode>", "loopback | lan | tailnet | auto | custom (default: gateway.bind or loopback)")
    .option("--auth <mode>", "token | password | none (default: gateway.auth.mode)")
    .option("--token <token>", "shared token clients must present (sets OPENCLAW_GATEWAY_TOKEN)")
    .option("--password <password>", "shared password (prefer --password-file or OPENCLAW_GATEWAY_PASSWORD)")
    .option("--password-file <path>", "read the shared password from a file")
    .option("--verbose", "console at debug level, including all WebSocket traffic")
    .option("--ws-log <style>", "WebSocket log style: auto | compact | full", "auto")
    .option("--compact", "alias for --ws-log compact")
    .option("--force", "stop whatever listens on the port before starting")
    .option("--allow-unconfigured", "start even if gateway.mode is not \"local\"")
    .option("--dev", "accepted for compatibility: every first run creates a config (use the root --dev for the dev profile)")
    .option("--log-level <level>", "file and console log level (trace|debug|info|warn|error)")
    .option("--tailscale <mode>", "off | serve | funnel: publish the gateway with Tailscale Serve (tailnet) or Funnel (public) (default: gateway.tailscale.mode or off)")
    .addOption(new Option("--tailscale-reset-on-exit", "run `tailscale serve|funnel reset` when the gateway stops").hideHelp());
}

function addServiceCommands(parent: Command): void {
  const svc = () => import("./commands/service.js");
  parent
    .command("install")
    .description("install the gateway as a user service (systemd user unit / LaunchAgent) and start it")
    .option("--port <port>", "port recorded in the service (default: OPENCLAW_GATEWAY_PORT, gateway.port, 18789)")
    .option("--force", "reinstall over a different existing definition (restarts a running service)")
    .option("--print", "print the unit/plist that would be written, without installing")
    .option("--json", "print JSON")
    .action(async (opts) => {
      await (await svc()).serviceInstallCommand(opts);
    });
  parent
    .command("uninstall")
    .description("stop and remove the gateway service (config and state are kept)")
    .option("--json", "print JSON")
    .action(async (opts) => {
      await (await svc()).serviceUninstallCommand(opts);
    });
  parent
    .command("start")
    .description("start the installed gateway service (no-op when already running)")
    .option("--json", "print JSON")
    .action(async (opts) => {
      await (await svc()).serviceStartCommand(opts);
    });
  parent
    .command("stop")
    .description("stop the gateway service (--force required in a non-interactive shell)")
    .option("--force", "stop without a terminal (required when not interactive)")
    .option("--disable", "launchd only: keep it from starting again until the next start/install")
    .option("--json", "print JSON")
    .action(async (opts) => {
      await (await svc()).serviceStopCommand(opts);
    });
  parent
    .command("restart")
    .description("restart the gateway service through the service manager, then wait for /healthz")
    .option("--force", "restart now")
    .option("--json", "print JSON")
    .action(async (opts) => {
      await (await svc()).serviceRestartCommand(opts);
    });
}

function addGatewayStatus(parent: Command): void {
  addClientOptions(parent.command("status").description("service state, runtime, and a connectivity probe of the gateway"))
    .option("--no-probe", "skip the connectivity probe")
    .option("--require-rpc", "also run a read RPC and exit non-zero if it fails")
    .option("--deep", "also scan for other gateway services and stale units")
    .action(async (opts) => (await import("./commands/gateway-status.js")).gatewayStatusCommand(opts));
}

async function runGatewayAction(opts: Record<string, unknown>): Promise<void> {
  const { runGateway } = await import("./gateway-run.js");
  await runGateway(opts);
}

function addApprovalsCommands(program: Command): void {
  const cmd = () => import("./commands/approvals.js");
  const approvals = program
    .command("approvals")
    .alias("exec-approvals")
    .description("exec approvals: pending requests, their answers, standing grants and the approvals file");
  addClientOptions(approvals.command("pending").alias("list").description("list the exec approvals waiting for an answer (id, agent, age, command)")).action(
    async (opts) => (await cmd()).approvalsPendingCommand(opts),
  );
  addClientOptions(approvals.command("resolve <id> <decision>").description("answer a pending approval: allow-once | allow-always | deny"))
    .option("--reason <text>", "a local note for the confirmation (not sent)")
    .action(async (id: string, decision: string, opts) => (await cmd()).approvalsResolveCommand(id, decision, opts));
  addClientOptions(approvals.command("approve <id>").description("allow a pending command once (--always: allow it from now on, here)"))
    .option("--always", "allow-always: remember this exact command in this directory")
    .action(async (id: string, opts) => (await cmd()).approvalsResolveCommand(id, opts.always ? "allow-always" : "allow-once", opts));
  addClientOptions(approvals.command("deny <id>").description("refuse a pending command")).action(async (id: string, opts) => (await cmd()).approvalsResolveCommand(id, "deny", opts));
  addClientOptions(approvals.command("get").description("print the exec approvals file (local state dir, --gateway for the running gateway's, --node for a node's)"))
    .option("--gateway", "ask the running gateway (exec.approvals.get)")
    .option("--node <id|name|ip>", "a paired node's own approvals (exec.approvals.node.get)")
    .action(async (opts) => (await cmd()).approvalsGetCommand(opts));
  addClientOptions(approvals.command("set").description("replace the exec approvals file with a JSON5 document (--file or --stdin)"))
    .option("--file <path>", "read the document from this file")
    .option("--stdin", "read the document from stdin")
    .option("--gateway", "replace the running gateway's (exec.approvals.set)")
    .option("--node <id|name|ip>", "replace a paired node's own approvals (exec.approvals.node.set)")
    .action(async (opts) => (await cmd()).approvalsSetCommand(opts));
  const grants = approvals.command("grants").description("standing grants made by allow-always answers");
  addClientOptions(grants.command("list").description("list standing grants, most recently used first"))
    .option("--limit <n>", "maximum rows (1-500, default 200)")
    .action(async (opts) => (await cmd()).approvalsGrantsListCommand(opts));
  addClientOptions(grants.command("revoke <grantId>").description("revoke a standing grant; the next run of that command asks again")).action(
    async (grantId: string, opts) => (await cmd()).approvalsGrantsRevokeCommand(grantId, opts),
  );
}

function addChannelCommands(program: Command): void {
  const cmd = () => import("./commands/channels.js");
  const channels = program.command("channels").description("chat channels (Telegram, WhatsApp, IRC): status, QR login, logout");
  addClientOptions(channels.command("status").description("each channel account's connection, last error and (--probe) a live check"), 30_000)
    .option("--probe", "run a live check per account (Telegram getMe, IRC connect and register)")
    .option("--channel <id>", "only this channel")
    .action(async (opts) => (await cmd()).channelsStatusCommand(opts));
  addClientOptions(channels.command("login").description("link a WhatsApp account: shows a QR code to scan with the phone"), 180_000)
    .option("--channel <id>", "channel to log in to", "whatsapp")
    .option("--account <id>", "account id (default: the default account)")
    .option("--force", "start over even if already linked")
    .action(async (opts) => (await cmd()).channelsLoginCommand(opts));
  addClientOptions(channels.command("logout").description("stop an account and remove its stored login"))
    .option("--channel <id>", "channel", "whatsapp")
    .option("--account <id>", "account id (default: the default account)")
    .action(async (opts) => (await cmd()).channelsLogoutCommand(opts));

  const message = program.command("message").description("send messages through a channel");
  addClientOptions(message.command("send").description("send a message: --channel irc --target '#ops' --message 'deploy done'"), 30_000)
    .option("--channel <id>", "telegram | whatsapp | irc (optional when only one is configured)")
    .option("--account <id>", "account id (default: the channel's default account)")
    .option("-t, --target <target>", "chat id, #channel, nick or phone number")
    .option("--to <target>", "same as --target")
    .option("-m, --message <text>", "the text to send")
    .option("--thread-id <id>", "Telegram forum topic")
    .action(async (opts) => (await cmd()).messageSendCommand(opts));

  const pairing = program.command("pairing").description("approve people who wrote to the assistant in a direct message (dmPolicy: pairing)");
  addClientOptions(pairing.command("list [channel]").description("pending pairing requests: code, channel, sender, expiry"))
    .option("--channel <id>", "only this channel")
    .option("--account <id>", "only this account")
    .action(async (channel: string | undefined, opts) => (await cmd()).pairingListCommand(channel, opts));
  addClientOptions(pairing.command("approve <channelOrCode> [code]").description("approve a pairing code: openclaw pairing approve telegram ABCD2345"))
    .option("--channel <id>", "channel of the code")
    .option("--account <id>", "account of the code")
    .option("--notify", "tell the sender they were approved")
    .action(async (first: string, second: string | undefined, opts) => (await cmd()).pairingApproveCommand(first, second, opts));
}

function addNodeCommands(program: Command): void {
  const cmd = () => import("./commands/nodes.js");
  const nodes = program.command("nodes").description("capability hosts (nodes): their approval requests, status, and invoking their commands");
  addClientOptions(nodes.command("status").description("known nodes: connected, paired, awaiting approval")).action(async (opts) => (await cmd()).nodesStatusCommand(opts));
  addClientOptions(nodes.command("list").description("pending node requests and paired nodes")).action(async (opts) => (await cmd()).nodesListCommand(opts));
  addClientOptions(nodes.command("pending").description("node capability requests waiting for approval")).action(async (opts) => (await cmd()).nodesPendingCommand(opts));
  addClientOptions(nodes.command("approve <requestId>").description("approve a node's declared commands and caps")).action(async (requestId: string, opts) => (await cmd()).nodesApproveCommand(requestId, opts));
  addClientOptions(nodes.command("reject <requestId>").description("reject a node capability request")).action(async (requestId: string, opts) => (await cmd()).nodesRejectCommand(requestId, opts));
  addClientOptions(nodes.command("describe <nodeId>").description("one node in detail")).action(async (nodeId: string, opts) => (await cmd()).nodesDescribeCommand(nodeId, opts));
  addClientOptions(nodes.command("invoke").description("run a command on a node and print its answer"))
    .option("--node <id|name|ip>", "the node: its id, display name or IP")
    .option("--command <command>", "the node command, e.g. system.which")
    .option("--params <json>", "the command's params as JSON")
    .option("--invoke-timeout <ms>", "how long the node may take", "15000")
    .action(async (opts) => (await cmd()).nodesInvokeCommand(opts));
  addClientOptions(nodes.command("rename").description("give a node a display name"))
    .option("--node <id>", "node id")
    .option("--name <name>", "the display name")
    .action(async (opts) => (await cmd()).nodesRenameCommand(opts));
}

function addDeviceCommands(program: Command): void {
  const cmd = () => import("./commands/devices.js");
  const devices = program.command("devices").description("devices that connect with a signed identity: pending pairing requests, paired devices, their tokens");
  addClientOptions(devices.command("list").description("pending pairing requests and paired devices")).action(async (opts) => (await cmd()).devicesListCommand(opts));
  addClientOptions(devices.command("approve [requestId]").description("approve a pending request (without an id: show the newest one)"))
    .option("--latest", "show the newest pending request and how to approve it")
    .action(async (requestId: string | undefined, opts) => (await cmd()).devicesApproveCommand(requestId, opts));
  addClientOptions(devices.command("reject <requestId>").description("reject a pending request")).action(async (requestId: string, opts) => (await cmd()).devicesRejectCommand(requestId, opts));
  addClientOptions(devices.command("remove <deviceId>").description("forget a paired device: its tokens stop working and its connections close")).action(
    async (deviceId: string, opts) => (await cmd()).devicesRemoveCommand(deviceId, opts),
  );
  addClientOptions(devices.command("rename").description("give a paired device a label"))
    .option("--device <id>", "device id")
    .option("--name <label>", "the label (at most 64 characters)")
    .action(async (opts) => (await cmd()).devicesRenameCommand(opts));
  addClientOptions(devices.command("rotate").description("issue a new token for a device's role; the old one stops working"))
    .option("--device <id>", "device id")
    .option("--role <role>", "operator or node")
    .option("--scope <scope...>", "the new token's scopes (default: the current ones)")
    .option("--no-scopes", "an empty scope set")
    .action(async (opts) => (await cmd()).devicesRotateCommand(opts));
  addClientOptions(devices.command("revoke").description("revoke a device's token for a role; its connections close"))
    .option("--device <id>", "device id")
    .option("--role <role>", "operator or node")
    .action(async (opts) => (await cmd()).devicesRevokeCommand(opts));
}

function buildProgram(): Command {
  const program = new Command("openclaw")
    .description("OpenClaw Gateway: the control plane of your personal AI assistant, on one port.\nRoot flags: --dev (profile ~/.openclaw-dev, port 19001), --profile <name> (~/.openclaw-<name>).")
    .version(GATEWAY_VERSION, "-V, --version")
    .enablePositionalOptions()
    .showHelpAfterError();

  const gateway = addRunOptions(program.command("gateway").description("run the gateway in the foreground, or talk to a running one"))
    .enablePositionalOptions()
    .passThroughOptions()
    .action((opts) => runGatewayAction(opts));

  addRunOptions(gateway.command("run").description("run the gateway in the foreground (same as `openclaw gateway`)")).action((opts, cmd: Command) =>
    runGatewayAction({ ...cmd.parent!.opts(), ...opts }),
  );

  addClientOptions(gateway.command("call <method>").description("call one gateway RPC method and print its JSON result"))
    .option("--params <json>", "params as a JSON object", "{}")
    .option("--scopes <list>", "comma-separated operator scopes to request", "operator.admin")
    .action(async (method: string, opts) => (await import("./commands/call.js")).callCommand(method, opts));

  addClientOptions(gateway.command("health").description("ask the gateway for its health snapshot"))
    .option("--verbose", "force a fresh snapshot instead of the cached one")
    .action(async (opts) => (await import("./commands/health.js")).healthCommand(opts));

  addGatewayStatus(gateway);
  addServiceCommands(gateway);

  addClientOptions(
    gateway
      .command("probe")
      .description("probe the explicit URL, a gateway behind an SSH tunnel, the configured remote and local loopback at once (--timeout is the budget for all of it) and report what answered; exit 1 only when none did"),
    3000,
  )
    .option("--ssh <user@host[:port]>", "also probe the gateway on that host's loopback through an SSH tunnel made with the system ssh, which never prompts (default: gateway.remote.sshTarget)")
    .option("--ssh-identity <path>", "private key file for the SSH tunnel (default: gateway.remote.sshIdentity)")
    .option("--ssh-auto", "accepted for compatibility: without --ssh, gateway.remote.sshTarget is used anyway (no SSH target is discovered)")
    .action(async (opts: ClientFlags) => (await import("./commands/gateway-probe.js")).gatewayProbeCommand(opts));

  gateway
    .command("auth-token")
    .description("print the gateway token (terminal only)")
    .option("--show", "required: print the token")
    .action(async (opts) => (await import("./commands/auth-token.js")).authTokenCommand(opts));

  addClientOptions(program.command("health").description("gateway health (channels, event loop)"))
    .option("--verbose", "force a fresh snapshot instead of the cached one")
    .action(async (opts) => (await import("./commands/health.js")).healthCommand(opts));

  addClientOptions(program.command("status").description("gateway reachability, runtime, channels and health"))
    .option("--deep", "refresh health instead of using the cached snapshot")
    .action(async (opts) => (await import("./commands/status.js")).statusCommand(opts));

  addClientOptions(program.command("logs").description("show the gateway's file log (via logs.tail)"), 30_000)
    .option("--limit <n>", "lines per read (1-5000)", "200")
    .option("--max-bytes <n>", "bytes per read (1-1000000)", "250000")
    .option("--follow", "keep polling for new lines")
    .option("--interval <ms>", "poll interval with --follow", "1000")
    .option("--plain", "print raw lines")
    .option("--utc", "show times in UTC")
    .action(async (opts) => (await import("./commands/logs.js")).logsCommand(opts));

  program
    .command("agent")
    .description("send one message to an agent through the gateway and print the reply")
    .requiredOption("-m, --message <text>", "the message")
    .option("--agent <id>", "agent id (default: the default agent)")
    .option("--session-key <key>", "session to use (default: the agent's main session)")
    .option("--model <provider/model>", "model for this turn only")
    .option("--timeout <seconds>", "give up on the run after this long", "600")
    .option("--url <url>", "gateway WebSocket URL")
    .option("--port <port>", "target a local gateway on this port")
    .option("--token <token>", "gateway token")
    .option("--password <password>", "gateway password")
    .option("--json", "print the final result as JSON")
    .action(async (opts) => (await import("./commands/agent.js")).agentCommand(opts));

  const sessions = program
    .command("sessions")
    .description("list an agent's sessions from the state database (works with the gateway stopped)")
    .option("--agent <id>", "agent id (default: the default agent)")
    .option("--limit <n>", "most recent sessions to show", "100")
    .option("--json", "print JSON")
    .action(async (opts) => (await import("./commands/sessions.js")).sessionsListCommand(opts));
  sessions
    .command("export <key>")
    .description("write one session's transcript in the legacy JSONL layout (stdout, or --out)")
    .option("--agent <id>", "agent id when the key is not a full agent:<id>:… key")
    .option("--out <file>", "write to this file (mode 0600) instead of stdout")
    .action(async (key: string, opts) => (await import("./commands/sessions.js")).sessionsExportCommand(key, opts));

  program
    .command("dashboard")
    .description("print the Control UI's address with the gateway token in it (--open: open it in a browser)")
    .option("--open", "open the address in the default browser")
    .option("--no-open", "only print the address (the default)")
    .option("--port <port>", "the local gateway's port")
    .option("--token <token>", "gateway token to put in the address")
    .option("--json", "print {url, tokenIncluded} as JSON")
    .action(async (opts) => (await import("./commands/dashboard.js")).dashboardCommand(opts));

  addApprovalsCommands(program);
  addChannelCommands(program);
  addDeviceCommands(program);
  addNodeCommands(program);

  const daemon = program.command("daemon").description("manage the gateway service (same as the gateway service subcommands)");
  addServiceCommands(daemon);
  addGatewayStatus(daemon);

  program
    .command("doctor")
    .description("check config, permissions, token, port and service definition; --fix applies the safe repairs")
    .option("--fix", "apply the safe fixes (permissions, token, retired keys, drifted service definition)")
    .option("--repair", "alias for --fix")
    .option("--deep", "also scan for other, legacy and stale gateway services")
    .option("--json", "print JSON (advisory: exit 0 unless --fix)")
    .action(async (opts) => {
      await (await import("./commands/doctor.js")).doctorCommand(opts);
    });

  const config = program.command("config").description("read and change the config file (the running gateway reloads it)");
  config
    .command("get <path>")
    .description("print a config value (secrets redacted); dotted or bracket paths")
    .option("--json", "print JSON")
    .action(async (path: string, opts) => (await import("./commands/config.js")).configGetCommand(path, opts));
  config
    .command("set <path> <value>")
    .description("set a value (parsed as JSON5, else taken as a string) and say whether it applies live")
    .option("--strict-json", "the value must be strict JSON")
    .action(async (path: string, value: string, opts) => (await import("./commands/config.js")).configSetCommand(path, value, opts));
  config
    .command("unset <path>")
    .description("remove a value")
    .action(async (path: string) => (await import("./commands/config.js")).configUnsetCommand(path));
  config
    .command("validate")
    .description("check the config against the schema (exit 78 when invalid)")
    .option("--json", "print JSON")
    .action(async (opts) => (await import("./commands/config.js")).configValidateCommand(opts));
  config
    .command("file")
    .description("print the config file path")
    .option("--json", "print JSON")
    .action(async (opts) => (await import("./commands/config.js")).configFileCommand(opts));

  return program;
}

function reportFailure(err: unknown, json: boolean): never {
  const message = err instanceof Error ? err.message : String(err);
  const exitCode = err instanceof CliError ? err.exitCode : 1;
  if (json) process.stdout.write(JSON.stringify({ ok: false, error: { type: "cli_error", message } }) + "\n");
  else process.stderr.write(`${message}\n`);
  logSink.flushSync();
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const rawArgs = process.argv.slice(2).map((arg, i) => (i === 0 && arg === "-v" ? "--version" : arg));
  const json = rawArgs.includes("--json");
  let args: string[];
  try {
    args = applyRootFlags(rawArgs);
  } catch (err) {
    reportFailure(err, json);
  }
  try {
    await buildProgram().parseAsync(args, { from: "user" });
  } catch (err) {
    reportFailure(err, json);
  }
}

void main();
