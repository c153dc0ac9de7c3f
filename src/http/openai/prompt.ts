import { typeName, type Parsed } from "./errors.js";
import {
  checkBase64Image,
  checkImageUrl,
  decodeTextFile,
  MAX_IMAGE_BYTES_TOTAL,
  MAX_IMAGES_PER_REQUEST,
  parseBase64DataUri,
  wrapExternalFile,
  type ImageLimits,
} from "./input-media.js";

export type HistoryToolCall = { id: string; name: string; arguments: string };

/** One turn of a replayed OpenAI conversation, reduced to what the prompt text needs. */
export type ConversationEntry =
  | { role: "user"; text: string; images: number; files: number }
  | { role: "assistant"; text: string; toolCalls: HistoryToolCall[] }
  | { role: "tool"; callId: string; output: string };

export type Conversation = { system: string[]; entries: ConversationEntry[] };

/** The one message an agent run gets, plus the caller's system text. */
export type Prompt = { message: string; extraSystemPrompt?: string };

export const HISTORY_HEADER = "[Chat messages since your last reply - for context]";
export const CURRENT_HEADER = "[Current message - respond to this]";

function historyLines(entry: ConversationEntry): string[] {
  if (entry.role === "tool") return [`Tool:${entry.callId}: ${entry.output}`];
  if (entry.role === "user") return entry.text ? [`User: ${entry.text}`] : [];
  const lines = entry.text ? [`Assistant: ${entry.text}`] : [];
  for (const call of entry.toolCalls) lines.push(`Assistant: tool_call id=${call.id} name=${call.name} arguments=${call.arguments}`);
  return lines;
}

function currentText(entry: ConversationEntry): string | null {
  if (entry.role === "tool") return `Tool:${entry.callId}: ${entry.output}`;
  if (entry.role !== "user") return null;
  if (entry.text) return entry.text;
  if (entry.images > 0) return "User sent image(s) with no text.";
  if (entry.files > 0) return "User sent file(s) with no text.";
  return null;
}

/**
 * Turns a conversation into one message: the last user (or tool result) entry is the message,
 * everything before it becomes a labelled history block. Null when there is no such entry.
 */
export function flattenConversation(conversation: Conversation): Prompt | null {
  const { entries } = conversation;
  let index = entries.length - 1;
  while (index >= 0 && entries[index].role === "assistant") index--;
  if (index < 0) return null;
  const current = entries[index];
  const text = currentText(current);
  if (text === null) return null;
  const history = entries.slice(0, index).flatMap(historyLines);
  const label = current.role === "tool" ? text : `User: ${text}`;
  const message = history.length === 0 && current.role === "user" ? text : [HISTORY_HEADER, ...history, "", CURRENT_HEADER, label].join("\n");
  const system = conversation.system.filter((s) => s.trim() !== "").join("\n\n");
  return system ? { message, extraSystemPrompt: system } : { message };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const TEXT_PART_TYPES = new Set(["text", "input_text", "output_text"]);

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((part) => isObject(part) && TEXT_PART_TYPES.has(part.type as string) && typeof part.text === "string")
    .map((part) => (part as { text: string }).text)
    .join("\n");
}

function lastIndexWhere(values: unknown[], predicate: (value: unknown) => boolean): number {
  for (let i = values.length - 1; i >= 0; i--) if (predicate(values[i])) return i;
  return -1;
}

function stringify(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? "");
}

function chatToolCalls(message: Record<string, unknown>): HistoryToolCall[] {
  const calls: HistoryToolCall[] = [];
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isObject(call) || !isObject(call.function)) continue;
      calls.push({ id: String(call.id ?? ""), name: String(call.function.name ?? ""), arguments: stringify(call.function.arguments) });
    }
  }
  if (isObject(message.function_call)) {
    calls.push({ id: "", name: String(message.function_call.name ?? ""), arguments: stringify(message.function_call.arguments) });
  }
  return calls;
}

export const INVALID_IMAGE_MESSAGE = "Invalid image_url content in `messages`.";

/** Counts and checks the `image_url` parts of the latest user message; null when one is unusable. */
function chatImages(content: unknown, limits: ImageLimits): number | null {
  if (!Array.isArray(content)) return 0;
  let count = 0;
  let total = 0;
  for (const part of content) {
    if (!isObject(part) || part.type !== "image_url") continue;
    const ref = part.image_url;
    const url = typeof ref === "string" ? ref : isObject(ref) && typeof ref.url === "string" ? ref.url : null;
    if (url === null) return null;
    const check = checkImageUrl(url, limits);
    if (!check.ok) return null;
    count++;
    total += check.bytes;
    if (count > MAX_IMAGES_PER_REQUEST || total > MAX_IMAGE_BYTES_TOTAL) return null;
  }
  return count;
}

/** Reads OpenAI chat `messages` (system/developer, user, assistant, tool, legacy function). */
export function conversationFromChatMessages(messages: unknown[], images: ImageLimits): Parsed<Conversation> {
  const system: string[] = [];
  const entries: ConversationEntry[] = [];
  const latestUser = lastIndexWhere(messages, (m) => isObject(m) && m.role === "user");
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (!isObject(message)) return { ok: false, message: `messages.${i}: Expected object, received ${typeName(message)}` };
    switch (message.role) {
      case "system":
      case "developer":
        system.push(textOf(message.content));
        break;
      case "user": {
        const count = i === latestUser ? chatImages(message.content, images) : 0;
        if (count === null) return { ok: false, message: INVALID_IMAGE_MESSAGE };
        entries.push({ role: "user", text: textOf(message.content), images: count, files: 0 });
        break;
      }
      case "assistant":
        entries.push({ role: "assistant", text: textOf(message.content), toolCalls: chatToolCalls(message) });
        break;
      case "tool":
        entries.push({ role: "tool", callId: String(message.tool_call_id ?? ""), output: textOf(message.content) });
        break;
      case "function":
        entries.push({ role: "tool", callId: String(message.name ?? ""), output: textOf(message.content) });
        break;
    }
  }
  return { ok: true, value: { system, entries } };
}

export type ResponsesMediaLimits = { images: ImageLimits; maxUrlParts: number };

export const INVALID_INPUT_MESSAGE = "invalid request";

type UserMedia = { images: number; files: string[]; urls: number };

/** Images and text files of the active user message; null when one of them is unusable. */
function responsesUserMedia(content: unknown, limits: ResponsesMediaLimits): UserMedia | null {
  const media: UserMedia = { images: 0, files: [], urls: 0 };
  if (!Array.isArray(content)) return media;
  let imageBytes = 0;
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part.type === "input_image") {
      const source = isObject(part.source) ? part.source : null;
      const check =
        typeof part.image_url === "string"
          ? checkImageUrl(part.image_url, limits.images)
          : source?.type === "base64" && typeof source.media_type === "string" && typeof source.data === "string"
            ? checkBase64Image(source.media_type, source.data, limits.images)
            : source?.type === "url" && typeof source.url === "string"
              ? checkImageUrl(source.url, limits.images)
              : { ok: false as const };
      if (!check.ok) return null;
      media.images++;
      if (check.isUrl) media.urls++;
      imageBytes += check.bytes;
      if (media.images > MAX_IMAGES_PER_REQUEST || imageBytes > MAX_IMAGE_BYTES_TOTAL) return null;
    } else if (part.type === "input_file") {
      const block = responsesFileBlock(part);
      if (block === null) return null;
      media.files.push(block);
    }
  }
  return media;
}

/** Text files are inlined; URL sources and binary formats (PDF) are not read by this gateway. */
function responsesFileBlock(part: Record<string, unknown>): string | null {
  const source = isObject(part.source) ? part.source : null;
  const fromDataUri = typeof part.file_data === "string" ? parseBase64DataUri(part.file_data) : null;
  const mime = fromDataUri?.mime ?? (source?.type === "base64" && typeof source.media_type === "string" ? source.media_type : null);
  const data = fromDataUri?.data ?? (source?.type === "base64" && typeof source.data === "string" ? source.data : null);
  if (mime === null || data === null) return null;
  const text = decodeTextFile(mime, data);
  if (text === null) return null;
  const name = typeof part.filename === "string" ? part.filename : typeof source?.filename === "string" ? source.filename : "file";
  return wrapExternalFile(name, mime, text);
}

function functionCallOf(item: Record<string, unknown>): HistoryToolCall {
  return { id: String(item.call_id ?? item.id ?? ""), name: String(item.name ?? ""), arguments: stringify(item.arguments) };
}

/**
 * Reads Responses `input` (a string or items) plus `instructions`. Files of the active user
 * message are appended to the system text as untrusted content.
 */
export function conversationFromResponsesInput(input: unknown, instructions: string | undefined, limits: ResponsesMediaLimits): Parsed<Conversation> {
  const system = instructions ? [instructions] : [];
  if (typeof input === "string") return { ok: true, value: { system, entries: [{ role: "user", text: input, images: 0, files: 0 }] } };
  const items = Array.isArray(input) ? input : [];
  const entries: ConversationEntry[] = [];
  const isUserMessage = (item: unknown) => isObject(item) && (item.type === "message" || item.type === undefined) && item.role === "user";
  const activeUser = lastIndexWhere(items, isUserMessage);
  const fileBlocks: string[] = [];
  let urlParts = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!isObject(item)) return { ok: false, message: `input.${i}: Expected object, received ${typeName(item)}` };
    const type = item.type ?? (item.role !== undefined ? "message" : undefined);
    if (type === "function_call") {
      entries.push({ role: "assistant", text: "", toolCalls: [functionCallOf(item)] });
    } else if (type === "function_call_output") {
      entries.push({ role: "tool", callId: String(item.call_id ?? ""), output: stringify(item.output) });
    } else if (type === "message") {
      const role = item.role;
      if (role === "system" || role === "developer") system.push(textOf(item.content));
      else if (role === "assistant") entries.push({ role: "assistant", text: textOf(item.content), toolCalls: [] });
      else if (role === "user") {
        const media = i === activeUser ? responsesUserMedia(item.content, limits) : { images: 0, files: [], urls: 0 };
        if (media === null) return { ok: false, message: INVALID_INPUT_MESSAGE };
        urlParts += media.urls;
        fileBlocks.push(...media.files);
        entries.push({ role: "user", text: textOf(item.content), images: media.images, files: media.files.length });
      } else return { ok: false, message: `input.${i}.role: Invalid enum value` };
    } else if (type !== "reasoning" && type !== "item_reference") {
      return { ok: false, message: `input.${i}.type: Invalid discriminator value` };
    }
  }
  if (urlParts > limits.maxUrlParts) return { ok: false, message: INVALID_INPUT_MESSAGE };
  return { ok: true, value: { system: [...system, ...fileBlocks], entries } };
}
