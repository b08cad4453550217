"""The report's page: its style sheet (screen and print), its one script, and tables as HTML and Markdown.

Tables come as data (:class:`~journeydsl.report.tables.Table`) and are written
here as real tables: HTML ``<table>`` with ``<thead>`` and ``<tbody>``,
numbers right-aligned, a page reader can sort by clicking a header and paste
into a spreadsheet; Markdown pipe tables with numbers right-aligned.  Every
cell is escaped for its format (:func:`~journeydsl.lang.escape.html_text`,
:func:`~journeydsl.lang.escape.markdown_text`).

The print style sheet lays the page out on A4: every collapsed section is
printed open, each major section starts a page, images and tables fit the
page's width.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..lang.escape import html_text, markdown_text
from .tables import Sheet, Table

__all__ = ["CSS", "SCRIPT", "table_html", "sheet_html", "table_markdown", "sheet_markdown"]

#: The page's style: a readable column on screen, A4 on paper.
CSS = """
:root { --ink: #1d1d1d; --muted: #5f6368; --rule: #e3e3e3; --soft: #f5f6f7; --accent: #1f5fa8; }
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1.5rem; color: var(--ink); line-height: 1.45; }
h1 { margin-bottom: 0.2rem; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin: 2.2rem 0 0.8rem; font-size: 1.4rem; }
.muted { color: var(--muted); }
.lead { font-size: 1.25rem; line-height: 1.4; margin: 0.6rem 0 1.2rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 0.7rem;
           margin: 1rem 0 1.2rem; }
.figure-card { background: var(--soft); border-radius: 0.5rem; padding: 0.7rem 0.8rem; }
.figure-card .label { color: var(--muted); font-size: 0.9rem; }
.figure-card .value { font-size: 2.1rem; font-weight: 600; line-height: 1.15; font-variant-numeric: tabular-nums; }
.figure-card .unit { font-size: 1rem; font-weight: 400; color: var(--muted); margin-left: 0.15rem; }
.figure-card .moves { font-size: 0.85rem; margin-top: 0.3rem; }
.figure-card .moves div { overflow-wrap: anywhere; margin-top: 0.15rem; line-height: 1.3; }
.better { color: #00704a; } .worse { color: #b34700; } .same { color: var(--muted); }
ul.conclusions li { margin-bottom: 0.35rem; }
figure { margin: 1rem 0 1.6rem; } figure img, .graph svg { max-width: 100%; height: auto; }
figure img { display: block; }
figcaption { color: #555; font-size: 0.9rem; margin-top: 0.3rem; }
.scroll { overflow-x: auto; margin: 0.4rem 0 1rem; }
table { border-collapse: collapse; font-size: 0.88rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 0.2rem 0 0.4rem; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
thead th { background: var(--soft); border-bottom: 1px solid #c9c9c9; font-weight: 600; }
th.num, td.num { text-align: right; white-space: nowrap; }
table.sortable thead th { cursor: pointer; }
table.sortable thead th[aria-sort="ascending"]::after { content: " \\25B2"; font-size: 0.7em; }
table.sortable thead th[aria-sort="descending"]::after { content: " \\25BC"; font-size: 0.7em; }
table.facts th { background: none; font-weight: 600; width: 12rem; }
details { border-top: 1px solid #ddd; margin: 0; }
details > summary { cursor: pointer; padding: 0.55rem 0; list-style-position: outside; margin-left: 1.1rem; }
details > summary h2 { display: inline; border: 0; font-size: 1.2rem; margin: 0; }
details > summary .gist { color: var(--muted); margin-left: 0.6rem; font-size: 0.95rem; }
details[open] > summary { margin-bottom: 0.4rem; }
details > .body { padding: 0 0 1rem; }
section.note { border-top: 1px solid #ddd; padding: 0.55rem 0 0.3rem 1.1rem; }
section.note h2 { display: inline; border: 0; font-size: 1.2rem; margin: 0; }
section.note p { margin: 0.3rem 0 0.4rem; }
h2.details { margin-top: 2.6rem; margin-bottom: 0; }
h2.details + details { border-top: 0; }
pre { background: var(--soft); padding: 0.8rem; overflow-x: auto; font-size: 0.82rem; white-space: pre-wrap;
      overflow-wrap: anywhere; }
.passed { color: #00704a; font-weight: bold; } .failed { color: #b34700; font-weight: bold; }
.inconclusive { color: #8a6d00; font-weight: bold; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { margin-top: 1rem; }
  section.major { break-before: page; }
  figure, table, .figure-card { break-inside: avoid; }
  h2, caption, summary { break-after: avoid; }
  figure img, .graph svg { max-width: 100%; max-height: 245mm; width: auto; height: auto; }
  .scroll { overflow: visible; }
  table { font-size: 8pt; }
  th, td { padding: 0.12rem 0.35rem; }
  details::details-content { content-visibility: visible; display: block; height: auto; }
  details > summary { list-style: none; margin-left: 0; }
  details > summary::-webkit-details-marker { display: none; }
  table.sortable thead th::after { content: none !important; }
}
"""

#: The page's one script: marks the page once every image is decoded (for the browser test), sorts a table
#: by the header clicked, and opens every collapsed section while the page is printed.
SCRIPT = """
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const shown = images.filter((image) => image.complete && image.naturalWidth > 0).length;
  document.body.dataset.images = `${shown}/${images.length}`;
});
const number = (text) => {
  const value = parseFloat(text.replace(/[,+\\s]/g, ""));
  return Number.isNaN(value) ? null : value;
};
document.addEventListener("click", (event) => {
  const header = event.target.closest("table.sortable thead th");
  if (!header) return;
  const table = header.closest("table");
  const column = Array.from(header.parentElement.children).indexOf(header);
  const order = header.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
  table.querySelectorAll("thead th").forEach((th) => th.removeAttribute("aria-sort"));
  header.setAttribute("aria-sort", order);
  const body = table.tBodies[0];
  const rows = Array.from(body.rows).map((row, index) => ({ row, index, text: row.cells[column].textContent }));
  rows.sort((a, b) => {
    const x = number(a.text), y = number(b.text);
    const sign = order === "ascending" ? 1 : -1;
    if (x !== null && y !== null && x !== y) return sign * (x - y);
    if (x === null && y !== null) return 1;
    if (y === null && x !== null) return -1;
    return sign * a.text.localeCompare(b.text) || a.index - b.index;
  });
  rows.forEach(({ row }) => body.appendChild(row));
});
const closed = [];
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details:not([open])").forEach((details) => {
    closed.push(details);
    details.open = true;
  });
});
window.addEventListener("afterprint", () => {
  closed.splice(0).forEach((details) => { details.open = false; });
});
"""


def table_html(table: Table, css_class: str = "data sortable") -> str:
    """A table as HTML: caption, ``<thead>``, ``<tbody>``; number columns right-aligned; every cell escaped.

    Examples
    --------
    >>> from journeydsl.report.tables import Table
    >>> print(table_html(Table(("stage", "entered"), (("<a>", "1,000"),), (False, True), "Stages")), end="")
    <div class="scroll"><table class="data sortable">
    <caption>Stages</caption>
    <thead><tr><th scope="col">stage</th><th scope="col" class="num">entered</th></tr></thead>
    <tbody>
    <tr><td>&lt;a&gt;</td><td class="num">1,000</td></tr>
    </tbody>
    </table></div>
    """

    number = ' class="num"'

    def cells(tag: str, row: Iterable[str], scope: str = "") -> str:
        return "".join(
            f"<{tag}{scope}{number if numeric else ''}>{html_text(cell)}</{tag}>"
            for cell, numeric in zip(row, table.numeric, strict=True)
        )

    caption = f"<caption>{html_text(table.caption)}</caption>\n" if table.caption else ""
    head = cells("th", table.headers, ' scope="col"')
    return (
        f'<div class="scroll"><table class="{css_class}">\n{caption}'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "".join(f"<tr>{cells('td', row)}</tr>\n" for row in table.rows)
        + "</tbody>\n</table></div>\n"
    )


def sheet_html(sheet: Sheet) -> str:
    """A section's tables and paragraphs as HTML, in order."""
    return "".join(table_html(part) if isinstance(part, Table) else f"<p>{html_text(part)}</p>\n" for part in sheet)


def table_markdown(table: Table) -> str:
    """A table as a Markdown pipe table (number columns right-aligned), its caption in italics above it.

    Examples
    --------
    >>> from journeydsl.report.tables import Table
    >>> print(table_markdown(Table(("stage", "entered"), (("a|b", "1,000"),), (False, True), "Stages")), end="")
    *Stages*
    <BLANKLINE>
    | stage | entered |
    |---|---:|
    | a\\|b | 1,000 |
    """

    def line(row: Iterable[str]) -> str:
        return "| " + " | ".join(markdown_text(cell) or " " for cell in row) + " |\n"

    rule = "|" + "|".join("---:" if numeric else "---" for numeric in table.numeric) + "|\n"
    caption = f"*{markdown_text(table.caption)}*\n\n" if table.caption else ""
    return caption + line(table.headers) + rule + "".join(line(row) for row in table.rows)


def sheet_markdown(sheet: Sheet) -> str:
    """A section's tables and paragraphs as Markdown, each followed by a blank line."""
    return "".join(
        (table_markdown(part) if isinstance(part, Table) else markdown_text(part) + "\n") + "\n" for part in sheet
    )
