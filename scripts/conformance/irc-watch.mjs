#!/usr/bin/env node
// Usage: node irc-watch.mjs <host> <port> <nick> <#channel> <from-nick> <marker> [timeout-ms]
// A raw IRC client (plain NICK/USER/JOIN over TCP, nothing of ours): registers as <nick>, joins <#channel>
// and prints {"event":"joined"} once the server sent the end of the NAMES list. It then waits for a
// PRIVMSG to <#channel> from <from-nick> whose text contains <marker>, prints it as
// {"event":"privmsg","from","target","text","raw"} and quits: exit 0. Exit 1 when none came within
// timeout-ms (default 30000) of the start, 2 on a connection or registration error. Every other PRIVMSG and
// the last server lines go to stderr, for the failure report.
import { connect } from "node:net";

const [host, portText, nick, channel, fromNick, marker, timeoutText] = process.argv.slice(2);
if (!host || !portText || !nick || !channel || !fromNick || !marker) {
  process.stderr.write("usage: irc-watch.mjs <host> <port> <nick> <#channel> <from-nick> <marker> [timeout-ms]\n");
  process.exit(2);
}
const timeoutMs = Number(timeoutText ?? 30_000);
const recent = [];
const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const lower = (s) => s.toLowerCase();

const socket = connect({ host, port: Number(portText) });
socket.setEncoding("utf8");
const send = (line) => socket.write(line + "\r\n");
let done = false;
const finish = (code, message) => {
  if (done) return;
  done = true;
  if (message) process.stderr.write(message + "\n");
  if (code !== 0 && recent.length > 0) process.stderr.write("last server lines:\n" + recent.map((l) => "  " + l).join("\n") + "\n");
  try {
    send("QUIT :done");
  } catch {}
  socket.end();
  setTimeout(() => process.exit(code), 200).unref();
  socket.once("close", () => process.exit(code));
};
setTimeout(() => finish(1, `no PRIVMSG from ${fromNick} to ${channel} containing ${JSON.stringify(marker)} within ${timeoutMs} ms`), timeoutMs).unref();

socket.on("connect", () => {
  send(`NICK ${nick}`);
  send(`USER ${nick} 0 * :conformance watcher`);
});
socket.on("error", (err) => finish(2, `IRC connection to ${host}:${portText} failed: ${err.message}`));
socket.on("close", () => finish(2, "the IRC server closed the connection"));

let buffer = "";
socket.on("data", (chunk) => {
  buffer += chunk;
  for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
    const line = buffer.slice(0, i).replace(/\r$/, "");
    buffer = buffer.slice(i + 1);
    handle(line);
  }
});

function handle(line) {
  recent.push(line);
  if (recent.length > 8) recent.shift();
  // [:prefix] COMMAND params... [:trailing]
  const m = /^(?::(\S+) )?(\S+)(?: (.*))?$/.exec(line);
  if (!m) return;
  const [, prefix = "", command, rest = ""] = m;
  const colon = rest.startsWith(":") ? 0 : rest.indexOf(" :");
  const middle = colon < 0 ? rest.split(" ").filter(Boolean) : rest.slice(0, colon).split(" ").filter(Boolean);
  const trailing = colon < 0 ? undefined : rest.slice(colon === 0 ? 1 : colon + 2);
  const params = trailing === undefined ? middle : [...middle, trailing];
  if (command === "PING") send(`PONG :${params[0] ?? ""}`);
  else if (command === "001") send(`JOIN ${channel}`);
  else if (command === "433") finish(2, `nick ${nick} is in use`);
  else if (command === "366" && lower(params[1] ?? "") === lower(channel)) out({ event: "joined", channel });
  else if (command === "ERROR") finish(2, `server error: ${params.join(" ")}`);
  else if (command === "PRIVMSG") {
    const from = prefix.split("!")[0];
    const [target = "", text = ""] = params;
    if (lower(from) === lower(fromNick) && lower(target) === lower(channel) && text.includes(marker)) {
      out({ event: "privmsg", from, target, text, raw: line });
      finish(0);
    } else {
      process.stderr.write(`other PRIVMSG: ${line}\n`);
    }
  }
}
