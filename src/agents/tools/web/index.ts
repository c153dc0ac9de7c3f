import type { ToolDefinition } from "../types.js";
import { createWebFetchTool } from "./web-fetch.js";


/** The web tools the gateway offers; only `web_fetch` so far (`web_search` needs a search provider). */
export function webTools(): ToolDefinition[] {
  return [createWebFetchTool()];
}
