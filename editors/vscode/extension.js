// The journeydsl extension: folding by braces, and a client for the language server (`journey lsp`).
//
// Highlighting, comments, brackets and indentation come from the grammar and the language
// configuration (package.json); everything else (diagnostics, hover, completion, outline, go to
// definition, rename, formatting) comes from `journey lsp`, started over stdio.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");
const { braceRanges } = require("./folding");

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

/** The server's command line from the settings. */
function serverCommand() {
  const settings = vscode.workspace.getConfiguration("journeydsl");
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? "";
  const expand = (value) => value.replace(/\$\{workspaceFolder\}/g, folder);
  return {
    command: expand(settings.get("server.command", "journey")),
    args: settings.get("server.args", ["lsp"]).map(expand),
  };
}

async function startClient(context) {
  if (!vscode.workspace.getConfiguration("journeydsl").get("server.enabled", true)) return;
  const { command, args } = serverCommand();
  const executable = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient(
    "journeydsl",
    "journeydsl",
    { run: executable, debug: executable },
    {
      documentSelector: [
        { scheme: "file", language: "journey" },
        { scheme: "untitled", language: "journey" },
      ],
      outputChannel: output,
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.journey") },
    },
  );
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    const message =
      `journeydsl: could not start the language server \`${[command, ...args].join(" ")}\` (${error}). ` +
      "Install it with `pip install 'journeydsl[lsp]'` or set `journeydsl.server.command` to the `journey` of " +
      "your environment. Highlighting works without it.";
    const choice = await vscode.window.showWarningMessage(message, "Open settings");
    if (choice === "Open settings") {
      vscode.commands.executeCommand("workbench.action.openSettings", "journeydsl.server");
    }
  }
}

async function stopClient() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel("journeydsl");
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.languages.registerFoldingRangeProvider(
      { language: "journey" },
      {
        provideFoldingRanges(document) {
          return braceRanges(document.getText()).map((r) => new vscode.FoldingRange(r.start, r.end));
        },
      },
    ),
  );
  context.subscriptions.push(
    vscode.commands.registerCommand("journeydsl.restartServer", async () => {
      await stopClient();
      await startClient(context);
    }),
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("journeydsl.server")) {
        await stopClient();
        await startClient(context);
      }
    }),
  );
  await startClient(context);
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
