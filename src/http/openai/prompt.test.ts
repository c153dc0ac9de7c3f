import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_IMAGE_LIMITS } from "./input-media.js";
import { conversationFromChatMessages, conversationFromResponsesInput, flattenConversation, INVALID_IMAGE_MESSAGE, INVALID_INPUT_MESSAGE } from "./prompt.js";

const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").toString("base64");
const responsesLimits = { images: { allowUrl: true, maxBytes: 10 * 1024 * 1024 }, maxUrlParts: 8 };

function chatPrompt(messages: unknown[]) {
  const conversation = conversationFromChatMessages(messages, DEFAULT_IMAGE_LIMITS);
  assert.ok(conversation.ok);
  return flattenConversation(conversation.value);
}

test("a single user message is the prompt verbatim; system and developer become the extra system prompt", () => {
  assert.deepEqual(chatPrompt([{ role: "user", content: "hello there" }]), { message: "hello there" });
  const prompt = chatPrompt([
    { role: "system", content: "Be brief." },
    { role: "developer", content: [{ type: "text", text: "Use French." }] },
    { role: "user", content: [{ type: "text", text: "one" }, { type: "input_text", text: "two" }] },
  ]);
  assert.deepEqual(prompt, { message: "one\ntwo", extraSystemPrompt: "Be brief.\n\nUse French." });
});

test("earlier turns become a labelled history block before the current message", () => {
  const prompt = chatPrompt([
    { role: "user", content: "What is 2+2?" },
    { role: "assistant", content: "4" },
    { role: "user", content: "And 3+3?" },
  ]);
  assert.equal(
    prompt?.message,
    ["[Chat messages since your last reply - for context]", "User: What is 2+2?", "Assistant: 4", "", "[Current message - respond to this]", "User: And 3+3?"].join("\n"),
  );
});

test("assistant tool calls and tool results are rendered as text; a trailing tool result is the current message", () => {
  const prompt = chatPrompt([
    { role: "user", content: "weather?" },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
    { role: "tool", tool_call_id: "call_1", content: "sunny" },
  ]);
  assert.equal(
    prompt?.message,
    [
      "[Chat messages since your last reply - for context]",
      "User: weather?",
      'Assistant: tool_call id=call_1 name=get_weather arguments={"city":"Paris"}',
      "",
      "[Current message - respond to this]",
      "Tool:call_1: sunny",
    ].join("\n"),
  );
  const legacy = chatPrompt([{ role: "user", content: "x" }, { role: "function", name: "lookup", content: "42" }]);
  assert.ok(legacy?.message.endsWith("Tool:lookup: 42"));
});

test("no user message means no prompt; an image-only turn gets the placeholder text", () => {
  assert.equal(chatPrompt([{ role: "system", content: "s" }]), null);
  assert.equal(chatPrompt([]), null);
  assert.equal(chatPrompt([{ role: "user", content: "" }]), null);
  const imageOnly = chatPrompt([{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] }]);
  assert.equal(imageOnly?.message, "User sent image(s) with no text.");
});

test("images are checked only in the latest user turn: base64 data URIs, allowed types, no URLs unless allowed", () => {
  const url = { role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }, { type: "text", text: "hi" }] };
  assert.deepEqual(conversationFromChatMessages([url], DEFAULT_IMAGE_LIMITS), { ok: false, message: INVALID_IMAGE_MESSAGE });
  assert.ok(conversationFromChatMessages([url], { ...DEFAULT_IMAGE_LIMITS, allowUrl: true }).ok);
  assert.ok(conversationFromChatMessages([url, { role: "user", content: "later" }], DEFAULT_IMAGE_LIMITS).ok, "older turns are not checked");
  const plain = { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png,rawbytes" } }] };
  assert.equal(conversationFromChatMessages([plain], DEFAULT_IMAGE_LIMITS).ok, false);
  const svg = { role: "user", content: [{ type: "image_url", image_url: { url: `data:image/svg+xml;base64,${PNG}` } }] };
  assert.equal(conversationFromChatMessages([svg], DEFAULT_IMAGE_LIMITS).ok, false);
  const nine = { role: "user", content: Array.from({ length: 9 }, () => ({ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } })) };
  assert.equal(conversationFromChatMessages([nine], DEFAULT_IMAGE_LIMITS).ok, false);
});

test("Responses input: a string, items with instructions, function calls and their outputs", () => {
  const simple = conversationFromResponsesInput("hi", "Be nice.", responsesLimits);
  assert.ok(simple.ok);
  assert.deepEqual(flattenConversation(simple.value), { message: "hi", extraSystemPrompt: "Be nice." });
  const items = conversationFromResponsesInput(
    [
      { type: "message", role: "system", content: "sys" },
      { role: "user", content: [{ type: "input_text", text: "call it" }] },
      { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
      { type: "function_call_output", call_id: "c1", output: "done" },
      { type: "reasoning", summary: [] },
    ],
    "inst",
    responsesLimits,
  );
  assert.ok(items.ok);
  assert.deepEqual(flattenConversation(items.value), {
    message: ["[Chat messages since your last reply - for context]", "User: call it", "Assistant: tool_call id=c1 name=f arguments={}", "", "[Current message - respond to this]", "Tool:c1: done"].join("\n"),
    extraSystemPrompt: "inst\n\nsys",
  });
});

test("Responses files of the active message go to the system prompt as untrusted content", () => {
  const data = Buffer.from("name,qty\napple,3").toString("base64");
  const parsed = conversationFromResponsesInput(
    [{ role: "user", content: [{ type: "input_file", source: { type: "base64", media_type: "text/csv", data, filename: "fruit.csv" } }] }],
    undefined,
    responsesLimits,
  );
  assert.ok(parsed.ok);
  const prompt = flattenConversation(parsed.value);
  assert.equal(prompt?.message, "User sent file(s) with no text.");
  assert.match(prompt?.extraSystemPrompt ?? "", /fruit\.csv[\s\S]*untrusted[\s\S]*apple,3/);
  const pdf = [{ role: "user", content: [{ type: "input_file", source: { type: "base64", media_type: "application/pdf", data } }] }];
  assert.deepEqual(conversationFromResponsesInput(pdf, undefined, responsesLimits), { ok: false, message: INVALID_INPUT_MESSAGE });
  const urls = [{ role: "user", content: Array.from({ length: 3 }, () => ({ type: "input_image", image_url: "https://example.com/x.png" })) }];
  assert.deepEqual(conversationFromResponsesInput(urls, undefined, { ...responsesLimits, maxUrlParts: 2 }), { ok: false, message: INVALID_INPUT_MESSAGE });
});
