// Parse every ```mermaid block of the Markdown files named on the command line with the pinned Mermaid
// (package.json). Mermaid sanitizes labels with DOMPurify, which needs a DOM: jsdom provides one, offline.
// Prints one line per diagram; exits 1 when any diagram fails to parse.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

let failed = 0;
for (const file of process.argv.slice(2)) {
  const blocks = [...readFileSync(file, "utf8").matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  if (blocks.length === 0) {
    console.log(`${file}: no mermaid diagram`);
    failed += 1;
  }
  for (const [index, text] of blocks.entries()) {
    try {
      const { diagramType } = await mermaid.parse(text);
      console.log(`${file}: diagram ${index + 1} parses (${diagramType})`);
    } catch (error) {
      console.log(`${file}: diagram ${index + 1} does not parse: ${error.message}`);
      failed += 1;
    }
  }
}
process.exit(failed ? 1 : 0);
