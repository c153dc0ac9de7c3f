/**
 * Shutdown budgets shared by the gateway's drain logic and the generated service definitions.
 * systemd's TimeoutStopSec is derived from them, so changing the drain budget moves the unit's stop
 * limit with it (spec operations §4.6, §13.2).
 */

/** How long a stop/restart may drain active work. */
export const GATEWAY_DRAIN_BUDGET_MS = 315_000;
/** Time kept back after the drain for closing sockets, plugins and flushing logs. */
export const GATEWAY_SHUTDOWN_RESERVE_MS = 10_000;
/** drain + reserve: the gateway's own shutdown deadline. */
export const GATEWAY_SHUTDOWN_TIMEOUT_MS = GATEWAY_DRAIN_BUDGET_MS + GATEWAY_SHUTDOWN_RESERVE_MS;
/** Slack between the gateway finishing its shutdown and the supervisor giving up on it. */
export const SUPERVISOR_EXIT_MARGIN_MS = 5_000;
/** The supervisor's stop limit: systemd `TimeoutStopSec` (330). */
export const SERVICE_STOP_TIMEOUT_SEC = Math.ceil((GATEWAY_SHUTDOWN_TIMEOUT_MS + SUPERVISOR_EXIT_MARGIN_MS) / 1000);
/** systemd `TimeoutStartSec`: how long activation may take before systemd calls it failed. */
export const SERVICE_START_TIMEOUT_SEC = 30;
/** launchd `ExitTimeOut`: launchd kills the job this long after SIGTERM, capping the drain at ~5 s. */
export const LAUNCHD_EXIT_TIMEOUT_SEC = 20;
/** Exit code (EX_CONFIG) that must not trigger a supervisor restart loop. */
export const EXIT_CODE_NO_RESTART = 78;
