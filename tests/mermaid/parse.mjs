// Reads a JSON list of Mermaid diagrams on standard input; prints a JSON list of
// {"ok": true} or {"ok": false, "error": "..."}: the verdict of Mermaid's own parser.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.DOMPurify = undefined;

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const diagram of JSON.parse(input)) {
  try {
    await mermaid.parse(diagram);
    results.push({ ok: true });
  } catch (error) {
    results.push({ ok: false, error: String(error.message || error).slice(0, 500) });
  }
}
process.stdout.write(JSON.stringify(results));
