import { MetricsRegistry, type Family } from "./registry.js";

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * What the gateway counts for `GET /api/diagnostics/prometheus`, in memory (reset on restart).
 * Labels carry only bounded values: method names the gateway knows, providers, models, channels
 * and outcomes. Never session keys, ids, message text or paths.
 */
export class GatewayMetrics {
  readonly registry = new MetricsRegistry();
  readonly connectionsOpen: Family;
  readonly connections: Family;
  readonly rpc: Family;
  readonly runs: Family;
  readonly runSeconds: Family;
  readonly modelCalls: Family;
  readonly modelCallSeconds: Family;
  readonly toolExecutions: Family;
  readonly messagesReceived: Family;
  readonly deliveries: Family;
  readonly memory: Family;
  readonly eventLoopP99: Family;
  readonly queueLaneSize: Family;
  readonly sessionQueueDepth: Family;

  constructor() {
    const r = this.registry;
    this.connectionsOpen = r.gauge("openclaw_gateway_connections", "WebSocket connections open now, by role once admitted.", ["role"]);
    this.connections = r.counter("openclaw_gateway_connections_total", "WebSocket connections accepted or refused at the handshake.", ["outcome"]);
    this.rpc = r.counter("openclaw_gateway_rpc_total", "RPC requests answered, by method (other: unknown methods) and outcome.", ["method", "outcome"]);
    this.runs = r.counter("openclaw_run_completed_total", "Agent runs that ended.", ["channel", "model", "outcome", "provider", "trigger"]);
    this.runSeconds = r.histogram("openclaw_run_duration_seconds", "How long agent runs took.", ["channel", "model", "outcome", "provider", "trigger"], SECONDS);
    this.modelCalls = r.counter("openclaw_model_call_total", "Provider requests (one try of one model).", ["api", "error_category", "model", "observation_unit", "outcome", "provider", "transport"]);
    this.modelCallSeconds = r.histogram("openclaw_model_call_duration_seconds", "How long provider requests took.", ["api", "error_category", "model", "observation_unit", "outcome", "provider", "transport"], SECONDS);
    this.toolExecutions = r.counter("openclaw_tool_execution_total", "Tool calls run by agent runs and /tools/invoke.", ["error_category", "outcome", "tool"]);
    this.messagesReceived = r.counter("openclaw_message_received_total", "Inbound chat messages committed.", ["channel", "source"]);
    this.deliveries = r.counter("openclaw_message_delivery_total", "Outbound chat messages, by the platform's answer.", ["channel", "delivery_kind", "error_category", "outcome"]);
    this.memory = r.gauge("openclaw_memory_bytes", "Memory of the gateway process.", ["kind"]);
    this.eventLoopP99 = r.gauge("openclaw_event_loop_delay_p99_seconds", "Event-loop delay, 99th percentile over the last sample window.");
    this.queueLaneSize = r.gauge("openclaw_queue_lane_size", "Work waiting in each queue: agent turns behind a running one, chat messages not yet answered, replies not yet delivered, exec approvals not yet decided.", ["lane"]);
    this.sessionQueueDepth = r.gauge("openclaw_session_queue_depth", "Agent runs over all sessions, by state.", ["state"]);
    r.collect(() => {
      const m = process.memoryUsage();
      this.memory.set(["rss"], m.rss);
      this.memory.set(["heap_used"], m.heapUsed);
      this.memory.set(["heap_total"], m.heapTotal);
      this.memory.set(["external"], m.external);
    });
  }
}

/** One per process: counting must never need a gateway context at hand. */
export const metrics = new GatewayMetrics();
