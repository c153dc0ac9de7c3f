import { useState } from "preact/hooks";

/** Drafts per session, kept while the page lives (reconnects, switching sessions). */
const drafts = new Map<string, string>();

type Props = { sessionKey: string; connected: boolean; streaming: boolean; onSend(text: string): Promise<boolean>; onAbort(): void };

/** The message box: Enter sends, Shift+Enter is a new line; the draft stays when sending is not possible. */
export function Composer(props: Props) {
  const [draft, setDraftState] = useState(drafts.get(props.sessionKey) ?? "");
  const setDraft = (text: string) => {
    drafts.set(props.sessionKey, text);
    setDraftState(text);
  };

  async function send() {
    const text = draft;
    if (!props.connected || text.trim() === "") return;
    setDraft("");
    const sent = await props.onSend(text);
    if (!sent && (drafts.get(props.sessionKey) ?? "") === "") setDraft(text);
  }

  return (
    <form
      class="chat-composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <textarea
        rows={2}
        aria-label="Message"
        placeholder={props.connected ? "Message (Enter to send, Shift+Enter for a new line)" : "Disconnected: your draft is kept until the gateway is back"}
        value={draft}
        onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void send();
          }
        }}
        data-testid="chat-input"
      />
      <div class="chat-actions">
        {props.streaming ? (
          <button type="button" class="secondary" onClick={props.onAbort} data-testid="chat-abort">
            Stop
          </button>
        ) : null}
        <button type="submit" disabled={!props.connected} data-testid="chat-send">
          Send
        </button>
      </div>
    </form>
  );
}
