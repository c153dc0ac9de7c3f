/**
 * The gateway state database (`<stateDir>/state/openclaw.sqlite`): what belongs to the gateway
 * rather than to one agent. Steps are append-only, as in migrations.ts.
 */
export const stateMigrations: readonly string[] = [
  `
  -- Every inbound channel message, committed before the platform is told it arrived. The unique
  -- key rejects platform redeliveries; done rows stay a while as tombstones for that.
  CREATE TABLE channel_inbound (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    account_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    decision TEXT,
    agent_id TEXT,
    session_key TEXT,
    run_id TEXT,
    attempt INTEGER NOT NULL DEFAULT 0,
    received_at INTEGER NOT NULL,
    done_at INTEGER,
    UNIQUE (channel, account_id, conversation_id, message_id)
  );
  CREATE INDEX channel_inbound_pending ON channel_inbound (id) WHERE status = 'pending';
  CREATE INDEX channel_inbound_done ON channel_inbound (done_at) WHERE status = 'done';

  -- Replies and sends waiting for the platform, delivered in id order per conversation.
  CREATE TABLE channel_outbound (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    account_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    thread_id TEXT,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    reply_to_id TEXT,
    edit_message_id TEXT,
    inbound_id INTEGER,
    idempotency_key TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    message_id TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
  );
  CREATE INDEX channel_outbound_pending ON channel_outbound (channel, account_id, conversation_id, id) WHERE status = 'pending';
  CREATE INDEX channel_outbound_finished ON channel_outbound (sent_at) WHERE status <> 'pending';

  CREATE TABLE channel_pairing_requests (
    channel TEXT NOT NULL,
    account_id TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    sender_label TEXT NOT NULL,
    code TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (channel, account_id, sender_id),
    UNIQUE (channel, account_id, code)
  );

  CREATE TABLE channel_pairing_allow_entries (
    channel TEXT NOT NULL,
    account_id TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    approved_at INTEGER NOT NULL,
    PRIMARY KEY (channel, account_id, sender_id)
  );

  -- Small per-account values a channel keeps across restarts (Telegram's update offset …).
  CREATE TABLE channel_state (
    channel TEXT NOT NULL,
    account_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (channel, account_id, key)
  );
  `,
  `
  -- Paired devices (protocol §6.3): one row per device id, with the roles and operator scopes
  -- approved for it and the platform/deviceFamily pinned at approval. roles and approved_scopes
  -- are JSON arrays.
  CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    label TEXT,
    display_name TEXT,
    platform TEXT,
    device_family TEXT,
    client_id TEXT NOT NULL,
    client_mode TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '[]',
    approved_scopes TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    approved_at INTEGER NOT NULL,
    last_seen_at INTEGER,
    last_seen_ip TEXT
  );

  -- One token per (device, role). Only sha256(token) in hex is kept; scopes is a JSON array.
  CREATE TABLE device_tokens (
    device_id TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    scopes TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    rotated_at INTEGER,
    revoked_at INTEGER,
    last_used_at INTEGER,
    PRIMARY KEY (device_id, role)
  );
  CREATE INDEX device_tokens_by_hash ON device_tokens (token_hash);

  -- Connects waiting for the owner's approval; payload is the PairingRequest as JSON.
  CREATE TABLE device_pairing_requests (
    request_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX device_pairing_requests_by_device ON device_pairing_requests (device_id);
  `,
  `
  -- Approved node capability surfaces (protocol §6.3, second layer): one row per node id (the
  -- node's device id) with the caps and commands an operator approved, and what the node last
  -- declared about itself. caps, commands and permissions are JSON.
  CREATE TABLE nodes (
    node_id TEXT PRIMARY KEY,
    display_name TEXT,
    platform TEXT,
    version TEXT,
    device_family TEXT,
    model_identifier TEXT,
    client_id TEXT,
    client_mode TEXT,
    caps TEXT NOT NULL DEFAULT '[]',
    commands TEXT NOT NULL DEFAULT '[]',
    permissions TEXT,
    created_at INTEGER NOT NULL,
    approved_at INTEGER NOT NULL,
    last_seen_at INTEGER,
    last_seen_reason TEXT
  );
  `,
  `
  -- Node capability surfaces waiting for an operator: one request per node, kept across restarts.
  CREATE TABLE node_pairing_requests (
    request_id TEXT PRIMARY KEY,
    node_id TEXT NOT NULL UNIQUE,
    request TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );

  -- Work queued for a node (node.pending.enqueue) until it drains or acknowledges it.
  CREATE TABLE node_pending_work (
    id TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    type TEXT NOT NULL,
    priority TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    UNIQUE (node_id, type)
  );

  -- Bumped on every change of a node's queue, so a node can tell it missed nothing.
  CREATE TABLE node_pending_revisions (
    node_id TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
  );
  `,
];
