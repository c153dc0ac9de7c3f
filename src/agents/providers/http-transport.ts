import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";

/**
 * The `fetch` the provider SDKs are given: node:http with keep-alive sockets instead of the
 * built-in fetch, whose web-stream machinery costs more CPU per call than the rest of a turn.
 * The SDKs still build the requests, parse the streams and raise their typed errors; they only
 * read `status`, `headers`, `body` (async-iterable) and `text()`/`json()` of a response.
 */

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
/** TLS is loaded with the first https provider: a gateway using only local models never needs it. */
let https: Promise<{ request: typeof httpRequest; agent: HttpAgent }> | null = null;
const loadHttps = () =>
  (https ??= import("node:https").then((m) => ({ request: m.request, agent: new m.Agent({ keepAlive: true, maxSockets: 256 }) })));

class NodeResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly redirected = false;
  readonly type = "basic";
  bodyUsed = false;

  constructor(
    readonly body: IncomingMessage,
    readonly url: string,
  ) {
    this.status = body.statusCode ?? 0;
    this.ok = this.status >= 200 && this.status < 300;
    this.statusText = body.statusMessage ?? "";
    this.headers = new Headers();
    for (const [name, value] of Object.entries(body.headers)) {
      if (value !== undefined) this.headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    const chunks: Buffer[] = [];
    for await (const chunk of this.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers) headers.forEach((value, name) => (out[name] = value));
  else if (Array.isArray(headers)) for (const [name, value] of headers) out[name.toLowerCase()] = value;
  else for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function bodyOf(body: BodyInit | null | undefined): string | Buffer | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === "string" || Buffer.isBuffer(body)) return body;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return Buffer.from(body as ArrayBuffer);
  throw new TypeError("this transport sends string or byte bodies only");
}

export async function nodeHttpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
  const transport = url.protocol === "https:" ? await loadHttps() : { request: httpRequest, agent: httpAgent };
  const body = bodyOf(init.body);
  const headers = headerRecord(init.headers);
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      { method: init.method ?? "GET", headers, agent: transport.agent, signal: init.signal ?? undefined },
      (res) => resolve(new NodeResponse(res, url.href) as unknown as Response),
    );
    request.on("error", reject);
    request.end(body);
  });
}
