// The Markdown injection: ```journey blocks of a Markdown file take the journey grammar, other
// blocks and the text around them do not.  A one-rule stand-in plays VS Code's Markdown grammar.
//
//   node test/markdown.test.js     prints "ok" and exits 0, or prints what failed and exits 1
"use strict";

const assert = require("assert");
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const SYNTAXES = path.resolve(__dirname, "..", "syntaxes");

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const files = {
    "source.journey": "journey.tmLanguage.json",
    "markdown.journey.codeblock": "journey.markdown.tmLanguage.json",
  };
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName === "text.html.markdown") {
        return vsctm.parseRawGrammar(
          JSON.stringify({ scopeName, patterns: [{ match: "^#+ .*$", name: "markup.heading.markdown" }] }),
          "markdown.json",
        );
      }
      if (!(scopeName in files)) return null;
      const file = path.join(SYNTAXES, files[scopeName]);
      return vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
    getInjections: (scopeName) => (scopeName === "text.html.markdown" ? ["markdown.journey.codeblock"] : undefined),
  });
  const grammar = await registry.loadGrammar("text.html.markdown");
  const lines = ["# Stages", "", "```journey-fragment", "stage advice { -> sign 60% }", "```", "", "```text", "stage advice", "```"];
  let state = vsctm.INITIAL;
  const scopes = {};
  lines.forEach((line, number) => {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) scopes[`${number}:${line.slice(token.startIndex, token.endIndex)}`] = token.scopes;
    state = result.ruleStack;
  });
  const at = (key) => {
    assert.ok(key in scopes, `no token ${key}: ${Object.keys(scopes).join(" | ")}`);
    return scopes[key];
  };
  assert.ok(at("3:stage").includes("meta.embedded.block.journey"));
  assert.ok(at("3:stage").includes("keyword.declaration.stage.journey"));
  assert.ok(at("3:advice").includes("entity.name.type.stage.journey"));
  assert.ok(at("3:60").includes("constant.numeric.percentage.journey"));
  assert.ok(at("2:journey-fragment").includes("fenced_code.block.language.markdown"));
  assert.ok(!at("7:stage advice").some((s) => s.endsWith(".journey")), "a text block is not journey");
  assert.ok(at("0:# Stages").includes("markup.heading.markdown"));
  console.log("ok");
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (error) => {
    console.error(error && error.stack ? error.stack : error);
    process.exitCode = 1;
  },
);
