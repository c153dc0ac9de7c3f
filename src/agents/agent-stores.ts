import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { AgentStore } from "../store/types.js";
import { agentStorePath, AGENT_ID_PATTERN } from "./agent-config.js";

/** Every agent's state database, opened (and the SQLite driver loaded) when first needed. */
export class AgentStores {
  private readonly open = new Map<string, AgentStore>();
  private readonly opening = new Map<string, Promise<AgentStore>>();

  constructor(private readonly stateDir: string) {}

  get(agentId: string): Promise<AgentStore> {
    const open = this.open.get(agentId);
    if (open) return Promise.resolve(open);
    let pending = this.opening.get(agentId);
    if (!pending) {
      pending = import("../store/agent-store.js").then(async ({ openAgentStore }) => {
        const store = await openAgentStore(agentStorePath(this.stateDir, agentId));
        this.open.set(agentId, store);
        return store;
      });
      pending.catch(() => this.opening.delete(agentId));
      this.opening.set(agentId, pending);
    }
    return pending;
  }

  /** The store if the agent has a database; reading never creates one. */
  existing(agentId: string): Promise<AgentStore | null> {
    const open = this.open.get(agentId);
    if (open) return Promise.resolve(open);
    return existsSync(agentStorePath(this.stateDir, agentId)) ? this.get(agentId) : Promise.resolve(null);
  }

  /** The store when it is already open (health and status must not wait or load the driver). */
  ifOpen(agentId: string): AgentStore | null {
    return this.open.get(agentId) ?? null;
  }

  /** Agents with a state database on disk, configured or not. */
  onDisk(): string[] {
    let names: string[];
    try {
      names = readdirSync(join(this.stateDir, "agents"));
    } catch {
      return [];
    }
    return names.filter((id) => AGENT_ID_PATTERN.test(id) && existsSync(agentStorePath(this.stateDir, id)));
  }

  closeAll(): void {
    for (const store of this.open.values()) store.close();
    this.open.clear();
    this.opening.clear();
  }
}
