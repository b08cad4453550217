// The client without VS Code: `vscode` and `vscode-languageclient/node` are replaced by recorders,
// then activate() must start `journey lsp` over stdio for .journey files, from the settings, register
// brace folding, and say so (without throwing) when the server cannot start.
//
//   node test/extension.test.js     prints "ok" and exits 0, or prints what failed and exits 1
"use strict";

const assert = require("assert");
const Module = require("module");
const path = require("path");

function harness({ settings = {}, startFails = false } = {}) {
  const seen = { clients: [], warnings: [], folding: [], commands: {}, started: 0, stopped: 0 };
  const vscode = {
    workspace: {
      workspaceFolders: [{ uri: { fsPath: "/work/project" } }],
      getConfiguration: () => ({ get: (key, fallback) => (key in settings ? settings[key] : fallback) }),
      createFileSystemWatcher: (glob) => ({ glob }),
      onDidChangeConfiguration: () => ({ dispose() {} }),
    },
    window: {
      createOutputChannel: (name) => ({ name, dispose() {} }),
      showWarningMessage: async (message) => {
        seen.warnings.push(message);
        return undefined;
      },
    },
    languages: {
      registerFoldingRangeProvider: (selector, provider) => {
        seen.folding.push({ selector, provider });
        return { dispose() {} };
      },
    },
    commands: {
      registerCommand: (name, run) => {
        seen.commands[name] = run;
        return { dispose() {} };
      },
      executeCommand: () => undefined,
    },
    FoldingRange: class {
      constructor(start, end) {
        this.start = start;
        this.end = end;
      }
    },
  };
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      seen.clients.push({ id, name, serverOptions, clientOptions });
    }
    async start() {
      seen.started++;
      if (startFails) throw new Error("spawn journey ENOENT");
    }
    async stop() {
      seen.stopped++;
    }
  }
  const client = { LanguageClient, TransportKind: { stdio: 0, ipc: 1 } };
  const resolve = Module._resolveFilename;
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    if (request === "vscode") return vscode;
    if (request === "vscode-languageclient/node") return client;
    return load.call(this, request, parent, isMain);
  };
  const file = path.resolve(__dirname, "..", "extension.js");
  delete require.cache[file];
  try {
    return { extension: require(file), seen };
  } finally {
    Module._load = load;
    Module._resolveFilename = resolve;
  }
}

async function main() {
  const context = { subscriptions: [] };

  // Defaults: `journey lsp` over stdio, for journey documents on disk and unsaved.
  let { extension, seen } = harness();
  await extension.activate(context);
  assert.strictEqual(seen.clients.length, 1);
  const run = seen.clients[0].serverOptions.run;
  assert.deepStrictEqual([run.command, run.args, run.transport], ["journey", ["lsp"], 0]);
  assert.deepStrictEqual(
    seen.clients[0].clientOptions.documentSelector.map((s) => s.language),
    ["journey", "journey"],
  );
  assert.strictEqual(seen.started, 1);
  assert.deepStrictEqual(seen.warnings, []);
  assert.strictEqual(seen.folding.length, 1);
  const ranges = seen.folding[0].provider.provideFoldingRanges({ getText: () => "stage a {\n  x\n  y\n}\n" });
  assert.deepStrictEqual(ranges.map((r) => [r.start, r.end]), [[0, 2]]);
  assert.ok("journeydsl.restartServer" in seen.commands);
  await seen.commands["journeydsl.restartServer"]();
  assert.strictEqual(seen.stopped, 1);
  assert.strictEqual(seen.started, 2);
  await extension.deactivate();

  // The command path from the settings, with ${workspaceFolder} expanded.
  ({ extension, seen } = harness({
    settings: { "server.command": "${workspaceFolder}/.venv/bin/journey", "server.args": ["lsp", "--stdio"] },
  }));
  await extension.activate({ subscriptions: [] });
  const custom = seen.clients[0].serverOptions.run;
  assert.deepStrictEqual([custom.command, custom.args], ["/work/project/.venv/bin/journey", ["lsp", "--stdio"]]);

  // Turned off: no server.
  ({ extension, seen } = harness({ settings: { "server.enabled": false } }));
  await extension.activate({ subscriptions: [] });
  assert.strictEqual(seen.clients.length, 0);
  assert.strictEqual(seen.folding.length, 1);

  // A server that cannot start: one warning naming the command and the way to install it.
  ({ extension, seen } = harness({ startFails: true }));
  await extension.activate({ subscriptions: [] });
  assert.strictEqual(seen.warnings.length, 1);
  assert.match(seen.warnings[0], /journey lsp/);
  assert.match(seen.warnings[0], /journeydsl\[lsp\]/);
  assert.match(seen.warnings[0], /journeydsl\.server\.command/);
  await extension.deactivate();

  // Folding: braces in strings and comments do not count; short blocks are not folded.
  const { braceRanges } = require("../folding");
  const text = 'stage a {\n  touchpoint "x{": staff { feel +1 }  # {\n  b\n  choice c {\n    use t\n  }\n}\n';
  assert.deepStrictEqual(braceRanges(text).map((r) => [r.start, r.end]), [[0, 5], [3, 4]]);
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
