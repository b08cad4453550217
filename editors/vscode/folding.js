// Folding ranges of a .journey file by its braces (no dependency on VS Code, so node can test it).
"use strict";

/**
 * Folding ranges from braces: `{` opens a range and its `}` closes it; braces in strings and
 * comments are not counted.  A range ends on the line before its `}`, so the brace stays in
 * view; a block on one or two lines is not folded.
 * @param {string} text
 * @returns {{start: number, end: number}[]} zero-based line numbers
 */
function braceRanges(text) {
  const ranges = [];
  const open = [];
  let line = 0;
  let inString = false;
  let inComment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      line++;
      inComment = false;
      inString = false; // strings end at the line's end
      continue;
    }
    if (inComment) continue;
    if (inString) {
      if (c === "\\" && text[i + 1] !== "\n") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === "#") inComment = true;
    else if (c === '"') inString = true;
    else if (c === "{") open.push(line);
    else if (c === "}" && open.length > 0) {
      const start = open.pop();
      if (line - 1 > start) ranges.push({ start, end: line - 1 });
    }
  }
  return ranges.sort((a, b) => a.start - b.start || a.end - b.end);
}

module.exports = { braceRanges };
