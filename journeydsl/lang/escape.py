r"""Text escaped for each output format: the one place where that happens.

A name in a journey (of the journey, a stage, a touchpoint, a segment, a
variant, a failure, a survey...) is whatever its author typed between quotes.
It reaches command lines, spreadsheets, terminals, XML, Graphviz, Mermaid,
Markdown and HTML, where characters such as ``$``, ``=``, ESC, ``<`` or ``"``
mean something.  Every writer in the package passes user-written text through
the function for its format here, and no writer escapes on its own:

============  ====================  ==============================================================
format        function              what it guarantees
============  ====================  ==============================================================
shell         :func:`shell`         one word that gives back exactly the argument (``shlex.quote``)
CSV           :func:`csv_cell`      no text cell starts a formula (OWASP's rule); numbers stay numbers
terminal      :func:`terminal`      no control character reaches the terminal raw (shown as ``\x1b``)
XML           :func:`xml_text`,     well-formed XML 1.0 for any text, characters XML cannot hold
              :func:`xml_attr`,     shown as ``\x1b``; :func:`xml_chars` for writers (ElementTree)
              :func:`xml_chars`     that escape markup themselves
DOT           :func:`dot_string`    one complete quoted DOT string that Graphviz draws as written
Mermaid       :func:`mermaid_text`  text of a Mermaid ``journey`` line that cannot end its field,
                                    start a comment or directive, or carry HTML
Markdown      :func:`markdown_text` text that renders as itself: no link, image, HTML or emphasis;
              :func:`markdown_code` a code span, and :func:`markdown_fence` a code fence,
              :func:`markdown_fence` that no text inside can close
HTML          :func:`html_text`     text and attribute values (``html.escape``, quotes included)
JSON          :func:`json_text`     JSON text with every invisible character as a ``\u`` escape
Matplotlib    :func:`plot_text`     chart text that is never read as mathtext (``$...$``)
============  ====================  ==============================================================

:func:`display_width` counts the columns a text takes in a terminal, for
tables that line up with Chinese or Japanese names.

Control characters are shown the way Python writes them (``\x1b``,
``\u202e``): the C0 and C1 controls with DEL, the line and paragraph
separators, the bidirectional overrides and isolates (which can make a line
read differently from what it holds) and unpaired surrogates (which cannot be
encoded).  A backslash is left as it is, so ``\x1b`` can also be a name's own
four characters: the escapes keep output safe, not reversible.
"""

from __future__ import annotations

import html
import re
import shlex
import unicodedata

__all__ = [
    "shell",
    "csv_cell",
    "terminal",
    "display_width",
    "xml_chars",
    "xml_text",
    "xml_attr",
    "dot_string",
    "mermaid_text",
    "markdown_text",
    "markdown_code",
    "markdown_fence",
    "html_text",
    "json_text",
    "plot_text",
]

#: Characters never written raw to a terminal, a Markdown file or a Mermaid diagram: C0 and C1
#: controls with DEL, line and paragraph separators, bidirectional marks, embeddings, overrides and
#: isolates, and unpaired surrogates.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(char: str) -> str:
    """One character the way Python writes it in a string literal: ``\\x1b``, ``\\u202e``."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _visible(text: str) -> str:
    return _INVISIBLE.sub(lambda match: _escape(match.group()), text)


# ---- shell ---------------------------------------------------------------------------


def shell(argument: object) -> str:
    r"""One word of a POSIX shell command line that gives back exactly ``argument``.

    Plain words stay as they are; anything else is single-quoted
    (:func:`shlex.quote`), so ``$(...)``, backticks and quotes are never
    interpreted.  An argument with control characters is written as ``$'...'``
    (bash, zsh, ksh) with their UTF-8 bytes escaped, so the line shows none raw.

    Examples
    --------
    >>> shell("baseline"), shell("printer in office")
    ('baseline', "'printer in office'")
    >>> print(shell("$(touch pwned)"), shell("a'b"), shell("`id`"))
    '$(touch pwned)' 'a'"'"'b' '`id`'
    >>> print(shell("bell\a"), shell("csi\x9b"))
    $'bell\x07' $'csi\xc2\x9b'
    """
    text = str(argument)
    if not _INVISIBLE.search(text):
        return shlex.quote(text)
    inner = _INVISIBLE.sub(_shell_bytes, text.replace("\\", "\\\\").replace("'", "\\'"))
    return f"$'{inner}'"


def _shell_bytes(match: re.Match[str]) -> str:
    """A character inside ``$'...'`` as the escapes of its UTF-8 bytes (whatever the shell's locale)."""
    char = match.group()
    try:
        data = char.encode("utf-8", "surrogateescape")  # a byte of a file name that is not UTF-8
    except UnicodeEncodeError:
        data = char.encode("utf-8", "surrogatepass")
    return "".join(f"\\x{byte:02x}" for byte in data)


# ---- CSV -----------------------------------------------------------------------------

#: The first characters that make a spreadsheet read a text cell as a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    r"""A value ready for :class:`csv.writer`: text that cannot start a formula, numbers untouched.

    OWASP's rule for CSV injection: a text cell that starts with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``, which
    spreadsheets show as text.  Control characters in text are shown escaped
    (as by :func:`terminal`), since CSV is often printed.  Numbers (and
    ``None``, booleans, anything not text) are returned as they are, so a
    negative number stays a number.

    Examples
    --------
    >>> csv_cell('=HYPERLINK("http://x")'), csv_cell("@SUM(A1)"), csv_cell("-2"), csv_cell("+1")
    ('\'=HYPERLINK("http://x")', "'@SUM(A1)", "'-2", "'+1")
    >>> csv_cell(-2.5), csv_cell("advice"), csv_cell("a-b")
    (-2.5, 'advice', 'a-b')
    >>> csv_cell("\tx"), csv_cell("\x1b[2J")
    ("'\\x09x", '\\x1b[2J')
    """
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    if not value.isprintable() and _INVISIBLE.search(value):
        value = _visible(value)
    return "'" + value if first in _FORMULA_START else value


# ---- terminal ------------------------------------------------------------------------


def terminal(text: str) -> str:
    r"""Text that is safe to print: every control character shown escaped, never emitted raw.

    ESC (which starts the sequences that clear the screen, move the cursor
    or set the window title), BEL, CR, BS, NUL, tab, newline, DEL, the C1
    controls, the line separators and the bidirectional overrides become
    ``\x1b``-style escapes; everything else, Chinese included, is kept.
    Print multi-line text line by line.

    Examples
    --------
    >>> print(terminal("\x1b]0;pwned\x07\x1b[2Jadvice\r\b\x00\x7f\x9b"))
    \x1b]0;pwned\x07\x1b[2Jadvice\x0d\x08\x00\x7f\x9b
    >>> terminal("网点顾问"), terminal("abc\u202edcba")
    ('网点顾问', 'abc\\u202edcba')
    """
    if text.isprintable():
        return text
    return _visible(text)


def display_width(text: str) -> int:
    """How many terminal columns ``text`` takes: wide and full-width characters two, combining marks none.

    Characters whose East Asian width is ``W`` or ``F`` (Chinese, Japanese,
    Korean, full-width forms) take two columns; combining marks and other
    zero-width characters (categories ``Mn``, ``Me``, ``Cf``) none; every
    other character one.

    Examples
    --------
    >>> display_width("advice"), display_width("网点顾问"), display_width("e\u0301"), display_width("ＡＢ")
    (6, 8, 1, 4)
    """
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.category(char) in ("Mn", "Me", "Cf") and char != "\u00ad":
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


# ---- XML -----------------------------------------------------------------------------

#: What XML 1.0 cannot hold, even as a character reference: C0 controls but tab, newline and
#: carriage return, surrogates, U+FFFE and U+FFFF.  Carriage return (which a parser reads back
#: as a newline when it is written raw), DEL and the C1 controls are allowed but shown escaped
#: like everywhere else.
_NOT_XML = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_chars(text: str) -> str:
    r"""``text`` with every character XML 1.0 cannot hold (and CR, DEL, C1) shown as a ``\x1b``-style escape.

    For writers that escape markup themselves (ElementTree, networkx's
    GraphML writer); :func:`xml_text` and :func:`xml_attr` do both.

    Examples
    --------
    >>> xml_chars("a\x1bb\x00<c>\tok")
    'a\\x1bb\\x00<c>\tok'
    """
    return _NOT_XML.sub(lambda match: _escape(match.group()), text)


def xml_text(text: str) -> str:
    r"""Character data of an XML 1.0 element for any text: well-formed, and the same text read back.

    ``&``, ``<`` and ``>`` (so ``]]>`` too) become references, and
    characters XML cannot hold are shown escaped (:func:`xml_chars`).

    Examples
    --------
    >>> xml_text("<b>]]> & \x1b")
    '&lt;b&gt;]]&gt; &amp; \\x1b'
    """
    return xml_chars(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: str) -> str:
    r"""An XML 1.0 attribute value (for either quote) for any text: well-formed, read back the same.

    As :func:`xml_text`, with both quotes, tab and newline as references too,
    since a parser would turn raw ones into spaces.

    Examples
    --------
    >>> xml_attr('a"b\'c\td')
    'a&quot;b&apos;c&#9;d'
    """
    return xml_text(text).replace('"', "&quot;").replace("'", "&apos;").replace("\t", "&#9;").replace("\n", "&#10;")


# ---- DOT -----------------------------------------------------------------------------

_DOT_SPECIAL = re.compile('[\\\\"&\n]|' + _INVISIBLE.pattern)
_DOT_REPLACEMENTS = {"\\": "\\\\", '"': '\\"', "&": "&amp;", "\n": "\\n"}


def dot_string(text: str) -> str:
    r"""``text`` as one quoted Graphviz DOT string (an ID or a label) that draws as written.

    Backslashes are doubled (so a trailing backslash cannot swallow the
    closing quote, and ``\N``, ``\G`` or ``\l`` are not Graphviz's
    placeholders), quotes escaped, ``&`` written as ``&amp;`` (Graphviz reads
    entities such as ``&lt;`` in labels), a newline becomes a line break
    (``\n``) and every other control character is shown escaped.

    Examples
    --------
    >>> print(dot_string('say "hi"'), dot_string("x\\"), dot_string("Q&A"), dot_string("two\nlines"))
    "say \"hi\"" "x\\" "Q&amp;A" "two\nlines"
    >>> print(dot_string("bell\a"))
    "bell\\x07"
    """
    return '"' + _DOT_SPECIAL.sub(_dot_replacement, text) + '"'


def _dot_replacement(match: re.Match[str]) -> str:
    char = match.group()
    return _DOT_REPLACEMENTS.get(char) or "\\" + _escape(char)


# ---- Mermaid -------------------------------------------------------------------------

#: Characters that end a field of a Mermaid ``journey`` line or start a comment, and braces: spaces.
_MERMAID_SEPARATORS = str.maketrans(dict.fromkeys(":;#{}", " "))
#: Characters that start a comment or directive (``%%``) or carry HTML, written as Mermaid's entity
#: codes (``#60;`` is ``<``), which Mermaid shows as the character.
_MERMAID_ENTITY = re.compile('[%<>&"]')
#: A line of a Mermaid journey that starts with one of these words is read as that statement.
_MERMAID_KEYWORD = re.compile(r"(?i)(journey|title|section|acc(?:title|descr))\b")


def mermaid_text(text: str) -> str:
    r"""Text for a title, section or task of a Mermaid ``journey`` diagram that cannot break its line.

    ``:``, ``;`` and ``#`` (which end a field or start a comment) and braces
    become spaces, and runs of whitespace one space, as Mermaid has no
    other way to hold them there; ``%``, ``<``, ``>``, ``&`` and ``"``
    become Mermaid's entity codes (``#60;``), shown as written, so a name
    cannot start a ``%%`` comment or a ``%%{init}%%`` directive or carry
    HTML; other control characters are shown escaped; a leading keyword
    (``section``, ``title``...) gets its first letter encoded.  Empty text is
    ``-``.

    Examples
    --------
    >>> mermaid_text("printer in office")
    'printer in office'
    >>> mermaid_text("Q: a; b #1 <img src=x onerror=alert(1)> 50%")
    'Q a b 1 #60;img src=x onerror=alert(1)#62; 50#37;'
    >>> mermaid_text("section two\n"), mermaid_text(" { } ")
    ('#115;ection two', '-')
    """
    cleaned = _visible(" ".join(text.translate(_MERMAID_SEPARATORS).split()))
    cleaned = _MERMAID_ENTITY.sub(lambda match: f"#{ord(match.group())};", cleaned)
    if _MERMAID_KEYWORD.match(cleaned):
        cleaned = f"#{ord(cleaned[0])};{cleaned[1:]}"
    return cleaned or "-"


# ---- Markdown ------------------------------------------------------------------------

#: ASCII punctuation that can start Markdown (CommonMark and GitHub's) inline syntax: emphasis,
#: code, links and images, raw HTML and autolinks, entities, tables, strikethrough, headings, math,
#: mentions; the punctuation of GitHub's bare links (``http://``, ``www.``, ``mailto:``); and runs of
#: underscores.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*\[\]<>&!|~#$@]|:(?=//)|(?i:(?<=mailto)|(?<=xmpp)):|(?i:(?<=www))\.|_+")


def _markdown_escape(match: re.Match[str]) -> str:
    found, text = match.group(), match.string
    if found[0] != "_":
        return "\\" + found
    # A run of underscores between letters or digits (snake_case) can neither open nor close
    # emphasis (CommonMark's flanking rules), so it is left as it is.
    start, end = match.span()
    if 0 < start and end < len(text) and text[start - 1].isalnum() and text[end].isalnum():
        return found
    return "\\_" * len(found)


def markdown_text(text: str) -> str:
    r"""Text inside a Markdown paragraph, heading, list item or table cell that renders as itself.

    Every character that can start inline Markdown or raw HTML is
    backslash-escaped (CommonMark renders ``\<`` as ``<``), so no name
    becomes a link (bare ``http://`` and ``www.`` ones included), an image,
    an HTML element, emphasis, a mention or a new table cell;
    underscores inside a word (``snake_case``) cannot make emphasis and stay
    as they are; control characters are shown escaped, so none can end the
    line.

    Examples
    --------
    >>> print(markdown_text("<img src=x onerror=alert(1)>"))
    \<img src=x onerror=alert(1)\>
    >>> print(markdown_text("[x](javascript:alert(1))"), markdown_text("a|b"), markdown_text("printer in office"))
    \[x\](javascript:alert(1)) a\|b printer in office
    >>> print(markdown_text("season_mail"), markdown_text("_x_"), markdown_text("*b*"))
    season_mail \_x\_ \*b\*
    >>> print(markdown_text('=HYPERLINK("http://x") www.x.org a@b.c: 3'))
    =HYPERLINK("http\://x") www\.x.org a\@b.c: 3
    """
    return _MARKDOWN_SPECIAL.sub(_markdown_escape, _visible(text))


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall("`+", text)), default=0)


def markdown_code(text: str) -> str:
    r"""``text`` as a Markdown code span that no backtick inside can end (CommonMark's rule).

    The span is delimited by one backtick more than the longest run inside
    and padded with spaces when the text starts or ends with a backtick.
    Inside a code span nothing is Markdown or HTML; control characters are
    shown escaped.

    Examples
    --------
    >>> print(markdown_code("printer in office"), markdown_code("a`b"), markdown_code("`id`"))
    `printer in office` ``a`b`` `` `id` ``
    """
    text = _visible(text)
    fence = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_fence(text: str, info: str = "") -> str:
    r"""``text`` as a fenced Markdown code block that no line inside can close.

    The fence has three backticks, or one more than the longest run of
    backticks in the text.

    Examples
    --------
    >>> print(markdown_fence("plain\n", "text"), end="")
    ```text
    plain
    ```
    >>> print(markdown_fence("```\n"), end="")
    ````
    ```
    ````
    """
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    body = text if text.endswith("\n") else text + "\n"
    return f"{fence}{info}\n{body}{fence}\n"


# ---- HTML ----------------------------------------------------------------------------


def html_text(text: str) -> str:
    """Text for HTML content or a quoted attribute value: ``& < > " '`` escaped (``html.escape``).

    Examples
    --------
    >>> html_text("<img src=x onerror=alert(1)> & \\"q\\" 'a'")
    '&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#x27;a&#x27;'
    """
    return html.escape(text, quote=True)


# ---- JSON ----------------------------------------------------------------------------


def json_text(text: str) -> str:
    r"""JSON text (from :func:`json.dumps`) with every invisible character written as a ``\u`` escape.

    ``json.dumps(..., ensure_ascii=False)`` escapes the C0 controls but
    leaves DEL, the C1 controls (U+009B starts a terminal sequence), the line
    separators, the bidirectional overrides and unpaired surrogates raw.  They
    can only stand inside JSON strings, where ``\u009b`` means the same, so
    the document reads back the same and is safe to print.

    Examples
    --------
    >>> import json
    >>> text = json_text(json.dumps({"name": "a\x9bb\u202e网\x1b"}, indent=1, ensure_ascii=False))
    >>> print(text)
    {
     "name": "a\u009bb\u202e网\u001b"
    }
    >>> json.loads(text)["name"] == "a\x9bb\u202e网\x1b"
    True
    """
    return _JSON_RAW.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


#: What ``json.dumps`` leaves raw of :data:`_INVISIBLE` (it escapes the C0 controls in strings itself;
#: outside strings stand only its own spaces and newlines, which stay).
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# ---- Matplotlib ----------------------------------------------------------------------


def plot_text(text: str) -> str:
    r"""Text for a Matplotlib title, label or tick that is shown as written, never as mathtext.

    Matplotlib reads text between two ``$`` as a formula (and raises on one it
    cannot parse, such as ``$\frac{$``); each ``$`` is escaped as ``\$``, which
    Matplotlib shows as ``$``.  Outside ``$...$`` no other character is
    special to Matplotlib, so ``\``, ``^``, ``_``, ``{`` and ``%`` stay as
    they are and are shown as written.  (LaTeX, which Matplotlib uses
    instead when ``text.usetex`` is on, would read them: journeydsl's charts
    create their text with it off.)  Control characters are shown escaped.

    Examples
    --------
    >>> print(plot_text("$\\frac{$"), plot_text("50$ off"), plot_text("printer in office"))
    \$\frac{\$ 50\$ off printer in office
    >>> print(plot_text("pay $5 $"), plot_text("a_b ^{50%} \\alpha \\$"))
    pay \$5 \$ a_b ^{50%} \alpha \\$
    """
    return _visible(text).replace("$", "\\$")
