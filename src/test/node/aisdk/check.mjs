// Reads one chat answer from Weft with the AI SDK's own client code, as useChat does:
// DefaultChatTransport sends the request and checks every chunk against the SDK's schema,
// readUIMessageStream folds the chunks into the UI message a page would render.
// Usage: node check.mjs <base url> <chat id> <question> [body JSON]
// Prints the final message as JSON; exits non-zero on any error the SDK raises.
import { DefaultChatTransport, readUIMessageStream } from "ai";

const [base, chatId, question, extra] = process.argv.slice(2);
const transport = new DefaultChatTransport({ api: `${base}/v1/ui/chat`, body: extra ? JSON.parse(extra) : {} });

async function last(stream) {
  let message;
  for await (const m of readUIMessageStream({ stream, onError: (e) => { throw e; } })) message = m;
  return message;
}

const user = { id: "m1", role: "user", parts: [{ type: "text", text: question }] };
const answer = await last(await transport.sendMessages({
  chatId, messages: [user], trigger: "submit-message", messageId: undefined, abortSignal: undefined,
}));
// The resume endpoint of a chat without a running run: null, "nothing to resume".
const resumed = await transport.reconnectToStream({ chatId });
console.log(JSON.stringify({ answer, resumed: resumed === null ? null : "a stream" }));
