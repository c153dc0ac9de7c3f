import type { ToolDefinition } from "../types.js";
import { createWebFetchTool } from "./web-fetch.js";

export { createWebFetchTool, type WebFetchOptions } from "./web-fetch.js";
export { readWebFetchSettings, type WebFetchSettings } from "./fetch-settings.js";

/** The web tools the gateway offers; only `web_fetch` so far (`web_search` needs a search provider). */
export function webTools(): ToolDefinition[] {
  return [createWebFetchTool()];
}
