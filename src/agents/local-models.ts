import { get as httpGet } from "node:http";
import type { Env } from "../config/paths.js";
import { LOCAL_CONTEXT, type CatalogProvider } from "./model-catalog.js";

const PROBE_TIMEOUT_MS = 500;
const CACHE_MS = 30_000;

let cached: { at: number; key: string; providers: CatalogProvider[] } | null = null;

/** A plain node:http GET: the built-in fetch would add its whole client to an idle gateway's memory. */
async function getJson(url: string): Promise<unknown> {
  // TLS is loaded only for an https URL: it costs an idle gateway megabytes.
  const get = url.startsWith("https:") ? (await import("node:https")).get : httpGet;
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: PROBE_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

function local(id: string, api: CatalogProvider["config"]["api"], baseUrl: string, modelIds: string[]): CatalogProvider {
  return {
    config: { id, api, baseUrl, timeoutMs: 300_000, local: true },
    models: modelIds.map((m) => ({ id: m, contextWindow: LOCAL_CONTEXT })),
    source: "local",
  };
}

async function probeOllama(baseUrl: string): Promise<CatalogProvider | null> {
  const body = (await getJson(`${baseUrl}/api/tags`)) as { models?: Array<{ name?: unknown }> };
  const names = (body.models ?? []).map((m) => m.name).filter((n): n is string => typeof n === "string");
  return names.length > 0 ? local("ollama", "ollama", baseUrl, names) : null;
}

async function probeLmStudio(baseUrl: string): Promise<CatalogProvider | null> {
  const body = (await getJson(`${baseUrl}/models`)) as { data?: Array<{ id?: unknown }> };
  const ids = (body.data ?? []).map((m) => m.id).filter((n): n is string => typeof n === "string" && !n.includes("embed"));
  return ids.length > 0 ? local("lmstudio", "openai-completions", baseUrl, ids) : null;
}

function normalize(url: string): string {
  const withScheme = /^https?:\/\//.test(url) ? url : `http://${url}`;
  return withScheme.replace(/\/+$/, "");
}

/**
 * A fresh install with no model configured still works when Ollama or LM Studio runs on this
 * machine: both are asked for their models (briefly, and at most every 30 s).
 */
export async function detectLocalProviders(env: Env): Promise<CatalogProvider[]> {
  const ollama = normalize(env.OLLAMA_HOST || "127.0.0.1:11434");
  const lmstudio = normalize(env.LMSTUDIO_BASE_URL || "127.0.0.1:1234/v1");
  const key = `${ollama}|${lmstudio}`;
  if (cached && cached.key === key && Date.now() - cached.at < CACHE_MS) return cached.providers;
  const found = await Promise.all([probeOllama(ollama).catch(() => null), probeLmStudio(lmstudio).catch(() => null)]);
  const providers = found.filter((p): p is CatalogProvider => p !== null);
  cached = { at: Date.now(), key, providers };
  return providers;
}
