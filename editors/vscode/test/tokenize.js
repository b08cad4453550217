// Tokenizes .journey files with the extension's TextMate grammar, as VS Code does (vscode-textmate
// with the Oniguruma regular expressions of vscode-oniguruma), and checks the scopes.
//
//   node test/tokenize.js FILE...           check every file; print a JSON summary; exit 1 on a problem
//   node test/tokenize.js --dump FILE...    print every token of every file as JSON
//
// The checks find the words in the text themselves (not with the grammar's patterns): keywords that
// open a line, the names after `stage`, `segment` and `touchpoint NAME: CHANNEL`, numbers with
// units, percentages, module effects, themes, strings and comments must each carry their scope, and
// no text outside whitespace may be left without a scope of its own.
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const HERE = path.resolve(__dirname, "..");
// JOURNEY_GRAMMAR: another grammar file (the tests check that a broken grammar fails the checks).
const GRAMMAR = process.env.JOURNEY_GRAMMAR || path.join(HERE, "syntaxes", "journey.tmLanguage.json");

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== "source.journey") return null;
      return vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, "utf8"), GRAMMAR);
    },
  });
  return registry.loadGrammar("source.journey");
}

/** Every token of a text: {line, start, end, text, scopes} (lines and columns from 0). */
function tokenize(grammar, text) {
  const tokens = [];
  let state = vsctm.INITIAL;
  text.split(/\r?\n/).forEach((lineText, line) => {
    const result = grammar.tokenizeLine(lineText, state);
    for (const token of result.tokens) {
      const end = Math.min(token.endIndex, lineText.length);
      if (end > token.startIndex) {
        tokens.push({ line, start: token.startIndex, end, text: lineText.slice(token.startIndex, end), scopes: token.scopes });
      }
    }
    state = result.ruleStack;
  });
  return tokens;
}

/** The scopes at a line and column. */
function scopesAt(tokens, line, column) {
  const token = tokens.find((t) => t.line === line && t.start <= column && column < t.end);
  return token ? token.scopes : [];
}

/** Where comments and strings stand on a line, found by hand: [start, end, kind]. */
function literalSpans(lineText) {
  const spans = [];
  for (let i = 0; i < lineText.length; i++) {
    if (lineText[i] === "#") {
      spans.push([i, lineText.length, "comment"]);
      break;
    }
    if (lineText[i] === '"') {
      let j = i + 1;
      while (j < lineText.length && lineText[j] !== '"') j += lineText[j] === "\\" ? 2 : 1;
      spans.push([i, Math.min(j + 1, lineText.length), "string"]);
      i = j;
    }
  }
  return spans;
}

const LINE_KEYWORDS = [
  "journey", "library", "import", "stage", "touchpoint", "segment", "factor", "variant", "care", "choice",
  "time", "horizon", "arrivals", "seed", "visit", "expect", "failure", "replace", "change", "remove", "add",
  "hours", "episode", "survey", "use", "after", "repeat", "performance", "theme", "patience", "tier", "value",
  "importance", "sensitivity", "variability", "order", "stages", "decides", "at", "start",
];
const MODULES = ["sense", "feel", "think", "act", "relate"];
const UNITS = "seconds|second|secs|sec|s|minutes|minute|mins|min|hours|hour|hrs|hr|h|days|day|d|weeks|week|wk|months|month|years|year|yr";

/** Check one file's tokens; return the problems and how many of each kind were checked. */
function check(file, text, tokens) {
  const problems = [];
  const counts = { keyword: 0, name: 0, channel: 0, quantity: 0, percentage: 0, module: 0, theme: 0, string: 0, comment: 0 };
  const expect = (kind, line, column, want, what) => {
    const scopes = scopesAt(tokens, line, column);
    if (scopes.some((s) => s.startsWith(want))) counts[kind]++;
    else problems.push(`${file}:${line + 1}:${column + 1}: ${what} should be ${want}..., has ${scopes.join(" ") || "no token"}`);
  };
  text.split(/\r?\n/).forEach((lineText, line) => {
    const spans = literalSpans(lineText);
    const code = (column) => !spans.some(([s, e]) => s <= column && column < e);
    for (const [start, end, kind] of spans) {
      const want = kind === "comment" ? "comment.line.number-sign.journey" : "string.quoted.double.journey";
      for (const column of [start, end - 1]) expect(kind, line, column, want, `${kind} ${lineText.slice(start, end)}`);
    }
    const first = /^\s*([a-z]+)\b/.exec(lineText);
    if (first && LINE_KEYWORDS.includes(first[1]) && !/^\s*[a-z]+\s*[:(]/.test(lineText)) {
      expect("keyword", line, first.index + first[0].length - first[1].length, "keyword.", `keyword ${first[1]}`);
    }
    const pattern = (re, handle) => {
      for (const m of lineText.matchAll(re)) if (code(m.index)) handle(m);
    };
    pattern(/\b(stage|segment)\s+([A-Za-z_][A-Za-z0-9_-]*)/g, (m) => {
      if (["stage", "segment"].includes(m[2])) return;
      const at = m.index + m[0].length - m[2].length;
      expect("name", line, at, `entity.name.type.${m[1]}.journey`, `${m[1]} name ${m[2]}`);
    });
    pattern(/\b(touchpoint|care)\s+([A-Za-z_][A-Za-z0-9_-]*)\s*:\s*([a-z]+)/g, (m) => {
      const name = m.index + m[0].indexOf(m[2], m[1].length);
      expect("name", line, name, "entity.name.function.touchpoint.journey", `touchpoint name ${m[2]}`);
      expect("channel", line, m.index + m[0].length - m[3].length, "support.type.channel.journey", `channel ${m[3]}`);
    });
    pattern(new RegExp(`(?<![\\w.:])([+-]?\\d+(?:\\.\\d+)?)[ \\t]*(${UNITS})(?![\\w-])`, "g"), (m) => {
      expect("quantity", line, m.index, "constant.numeric.quantity.journey", `number ${m[0]}`);
      expect("quantity", line, m.index + m[0].length - 1, "keyword.other.unit.journey", `unit of ${m[0]}`);
    });
    pattern(/(?<![\w.])[+-]?\d+(?:\.\d+)?\s*%/g, (m) => {
      expect("percentage", line, m.index, "constant.numeric.percentage.journey", `percentage ${m[0]}`);
    });
    pattern(new RegExp(`(?<![\\w-])(${MODULES.join("|")})\\s+[+-]?\\d`, "g"), (m) => {
      expect("module", line, m.index, "support.function.module.journey", `module ${m[1]}`);
    });
    pattern(/\btheme\s+([a-z]+)/g, (m) => {
      expect("theme", line, m.index + m[0].length - m[1].length, "support.constant.theme.journey", `theme ${m[1]}`);
    });
  });
  for (const token of tokens) {
    if (token.text.trim() !== "" && token.scopes.length < 2) {
      problems.push(`${file}:${token.line + 1}:${token.start + 1}: ${JSON.stringify(token.text)} has no scope`);
    }
  }
  return { problems, counts };
}

async function main(argv) {
  const dump = argv[0] === "--dump";
  const files = dump ? argv.slice(1) : argv;
  if (files.length === 0) {
    console.error("usage: node test/tokenize.js [--dump] FILE...");
    return 2;
  }
  const grammar = await loadGrammar();
  const out = {};
  const problems = [];
  const totals = {};
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    const tokens = tokenize(grammar, text);
    if (dump) {
      out[file] = tokens;
      continue;
    }
    const result = check(file, text, tokens);
    problems.push(...result.problems);
    out[file] = result.counts;
    for (const [kind, n] of Object.entries(result.counts)) totals[kind] = (totals[kind] || 0) + n;
  }
  if (!dump) out["(total)"] = totals;
  process.stdout.write(JSON.stringify(dump ? out : { files: out, problems }) + "\n");
  for (const problem of problems) console.error(problem);
  return problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
  // exitCode, not exit(): a pipe must get all of a long dump before node ends.
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error && error.stack ? error.stack : error);
      process.exitCode = 3;
    },
  );
}

module.exports = { loadGrammar, tokenize, check };
