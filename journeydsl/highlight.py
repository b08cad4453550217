"""Highlighting of ``.journey`` text: a Pygments lexer, HTML for reports, and the VS Code grammar.

:class:`JourneyLexer` is registered with Pygments by entry point, so after ``pip install journeydsl``
``pygmentize -l journey FILE`` works, and so do Markdown and Sphinx renderers for fenced blocks
tagged ``journey``, ``journey-fragment`` or ``journey-invalid`` (the tags the docs use).
:func:`highlight_html` turns journey text into escaped HTML with prefixed CSS classes, and
:func:`highlight_css` gives the stylesheet for it.  :func:`textmate_grammar` builds the TextMate
grammar of the VS Code extension (``editors/vscode/syntaxes/journey.tmLanguage.json``) from the
same word lists, so the editor and Pygments agree; regenerate the file with
``python3 -m journeydsl.highlight --textmate > editors/vscode/syntaxes/journey.tmLanguage.json``.

The word lists are not typed here: keywords are the quoted words of ``grammars/journey.lark`` (and
the :data:`~journeydsl.lang.vocabulary.KEYWORDS` of the hints), channels, modules, themes,
factors, phases, distributions, metrics, settings and units come from
:mod:`journeydsl.lang.vocabulary`, days from :mod:`journeydsl.lang.operations`.

Token types (Pygments), with the TextMate scope the grammar gives the same words:

=====================================  =====================================  =======================================================
What                                   Pygments token                         TextMate scope
=====================================  =====================================  =======================================================
``# comment``                          ``Comment.Single``                     ``comment.line.number-sign``
``"a name"``                           ``String.Double``                      ``string.quoted.double``
keywords (``stage``, ``after``, ...)   ``Keyword`` / ``Keyword.Declaration``  ``keyword.control`` / ``keyword.declaration``
``import``                             ``Keyword.Namespace``                  ``keyword.control.import``
journey and library names              ``Name.Namespace``                     ``entity.name.namespace``
stage names                            ``Name.Class``                         ``entity.name.type.stage``
touchpoint and care names              ``Name.Function``                      ``entity.name.function``
segment names                          ``Name.Label``                         ``entity.name.type.segment``
design (variant) names                 ``Name.Entity``                        ``entity.name.type.variant``
failure names                          ``Name.Exception``                     ``entity.name.type.failure``
channels (``staff``, ``digital``)      ``Name.Builtin.Channel``               ``support.type.channel``
modules (``feel``, ``sense``)          ``Name.Builtin.Module``                ``support.function.module``
themes (``trust``)                     ``Name.Builtin.Theme``                 ``support.constant.theme``
factors (``price``)                    ``Name.Builtin.Factor``                ``support.constant.factor``
distributions (``normal(...)``)        ``Name.Builtin.Distribution``          ``support.function.distribution``
metrics, condition subjects, phases    ``Name.Builtin``                       ``support.constant.*``
settings blocks and keys (``memory``)  ``Name.Attribute``                     ``variable.other.property.setting``
``exit``, ``baseline``                 ``Name.Builtin.Pseudo``                ``constant.language``
days (``mon-fri``)                     ``Name.Constant``                      ``constant.other.day``
other names                            ``Name.Variable``                      ``variable.other``
numbers (``+2``, ``0.35``)             ``Number.Integer`` / ``Number.Float``  ``constant.numeric``
units after a number (``5 min``)       ``Keyword.Type``                       ``keyword.other.unit`` in ``constant.numeric.quantity``
percentages (``40%``)                  ``Number.Percent``                     ``constant.numeric.percentage``
times of day (``09:00-17:00``)         ``Literal.Date``                       ``constant.numeric.time``
``->``, ``>=``, ``/``                  ``Operator``                           ``keyword.operator``
``{ } ( ) : , ;``                      ``Punctuation``                        ``punctuation.*``
=====================================  =====================================  =======================================================
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from pygments.formatters import HtmlFormatter
from pygments.lexer import RegexLexer, bygroups
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    _TokenType,
)

from .lang.design_test_checks import SCOPE_METRICS
from .lang.designs import BASELINE
from .lang.operations import DAY_WORDS
from .lang.parser import grammar_path
from .lang.vocabulary import (
    CHANNELS,
    CONDITION_SUBJECTS,
    DISTRIBUTIONS,
    FACTORS,
    KEYWORDS,
    MODULES,
    PHASES,
    RESERVED_TARGETS,
    SETTINGS,
    THEMES,
    UNIT_SECONDS,
)

__all__ = [
    "JourneyLexer",
    "KEYWORD_WORDS",
    "DECLARATION_WORDS",
    "highlight_html",
    "highlight_css",
    "textmate_grammar",
    "CSS_CLASS",
]

# ---- the words ------------------------------------------------------------------------------


def _grammar_words() -> tuple[str, ...]:
    """The quoted words of the grammar (``"stage"``, ``"rating"``), comments left out."""
    text = re.sub(r"//[^\n]*", "", grammar_path().read_text(encoding="utf-8"))
    return tuple(re.findall(r'"([A-Za-z_]+)"', text))


def _longest_first(names: Any) -> tuple[str, ...]:
    """Unique words, longest first, so that an alternation tries ``minutes`` before ``min``."""
    return tuple(sorted(set(names), key=lambda word: (-len(word), word)))


#: Keywords that open a declaration: what follows is the name of something the file defines.
DECLARATION_WORDS: tuple[str, ...] = (
    "journey",
    "library",
    "stage",
    "touchpoint",
    "care",
    "segment",
    "factor",
    "variant",
    "survey",
    "episode",
    "choice",
)
#: Every keyword of the language: the grammar's words and the hints' :data:`KEYWORDS`.
KEYWORD_WORDS: tuple[str, ...] = _longest_first((*_grammar_words(), *KEYWORDS))
#: Words that only mean something as names of the vocabulary.
_METRIC_WORDS = _longest_first((*CONDITION_SUBJECTS, *(metric for names in SCOPE_METRICS.values() for metric in names)))
_SETTING_WORDS = _longest_first((*SETTINGS, *(key for block in SETTINGS.values() for key in block)))
_UNITS = _longest_first(UNIT_SECONDS)
_PSEUDO = _longest_first((*RESERVED_TARGETS, BASELINE))

# ---- regular expressions shared by the lexer and the TextMate grammar ------------------------

#: A bare name (the grammar's NAME) and a quoted one (STRING).
NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*"
STRING = r'"(?:[^"\n\\]|\\.)*"'
_NAMED = rf"(?:{NAME}|{STRING})"
#: A number as the grammar reads it, with its sign.
NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
#: A word ends where no letter, digit or underscore follows (a name may go on with ``-word``).
_END = r"(?![A-Za-z0-9_])(?!-[A-Za-z0-9_])"
_UNIT = rf"(?:{'|'.join(_UNITS)})(?![A-Za-z0-9_])"
_TIME = r"\d{1,2}:\d{2}(?:\s*-\s*\d{1,2}:\d{2})?"


def _alternatives(names: tuple[str, ...]) -> str:
    """``(?:a|b|c)`` of words, longest first, each ending at a word boundary."""
    return "(?:" + "|".join(re.escape(name) for name in _longest_first(names)) + ")" + _END


# ---- the Pygments lexer ------------------------------------------------------------------------

Channel = Name.Builtin.Channel
Module = Name.Builtin.Module
Theme = Name.Builtin.Theme
Factor = Name.Builtin.Factor
Distribution = Name.Builtin.Distribution
Percent = Number.Percent

#: How a bare word is read where nothing before it says what it names, first match wins.
_WORD_KINDS: tuple[tuple[frozenset[str], _TokenType], ...] = (
    (frozenset(KEYWORD_WORDS), Keyword),
    (frozenset(MODULES), Module),
    (frozenset(_PSEUDO), Name.Builtin.Pseudo),
    (frozenset(PHASES), Name.Builtin),
    (frozenset(_METRIC_WORDS), Name.Builtin),
    (frozenset(_SETTING_WORDS), Name.Attribute),
    (frozenset(THEMES), Theme),
    (frozenset(FACTORS), Factor),
    (frozenset(CHANNELS), Channel),
    (frozenset(DAY_WORDS), Name.Constant),
)


def _word_kind(word: str) -> _TokenType:
    """The token type of a bare word: a keyword, a word of the vocabulary, or a name the designer chose."""
    for members, kind in _WORD_KINDS:
        if word in members:
            return kind
    if "-" in word and all(part in DAY_WORDS for part in word.split("-")):
        return Name.Constant  # mon-fri
    return Name.Variable


def _as(kind: _TokenType) -> Callable[[RegexLexer, Any], Iterator[tuple[int, _TokenType, str]]]:
    """A callback for a name: quoted names stay strings, bare names take ``kind``."""

    def callback(lexer: RegexLexer, match: Any, ctx: Any = None) -> Iterator[tuple[int, _TokenType, str]]:
        text = match.group()
        yield match.start(), String.Double if text.startswith('"') else kind, text

    return callback


def _vocabulary(
    members: Any, kind: _TokenType, *, pseudo: bool = False
) -> Callable[[RegexLexer, Any], Iterator[tuple[int, _TokenType, str]]]:
    """A callback for a word where the vocabulary is expected: ``kind`` if it is one, else a plain name.

    With ``pseudo``, ``baseline`` (and ``exit``) are ``Name.Builtin.Pseudo`` (``expect baseline beats ...``).
    """
    known = frozenset(members)
    reserved = frozenset(_PSEUDO) if pseudo else frozenset()

    def callback(lexer: RegexLexer, match: Any, ctx: Any = None) -> Iterator[tuple[int, _TokenType, str]]:
        text = match.group()
        yield match.start(), kind if text in known else Name.Builtin.Pseudo if text in reserved else Name.Variable, text

    return callback


def _number(lexer: RegexLexer, match: Any, ctx: Any = None) -> Iterator[tuple[int, _TokenType, str]]:
    text = match.group()
    yield match.start(), Number.Float if "." in text else Number.Integer, text


def _word(lexer: RegexLexer, match: Any, ctx: Any = None) -> Iterator[tuple[int, _TokenType, str]]:
    text = match.group()
    yield match.start(), _word_kind(text), text


def _keyword(word: str) -> str:
    return rf"\b{word}{_END}"


_W = r"(\s+)"
_DECLARED: tuple[tuple[str, _TokenType], ...] = (
    ("journey|library", Name.Namespace),
    ("stage", Name.Class),
    ("segment", Name.Label),
    ("variant|extends", Name.Entity),
    ("failure", Name.Exception),
    ("episode|survey|choice", Name.Label),
)


class JourneyLexer(RegexLexer):
    """Pygments lexer for journeydsl's ``.journey`` files.

    Names take the type of what they name where the words before them say so (``stage NAME``,
    ``touchpoint NAME: CHANNEL``, ``-> STAGE``, ``theme THEME``); elsewhere a word is a keyword, a
    word of the vocabulary or a name the designer chose.  Nothing the grammar accepts is an error
    token.

    Examples
    --------
    >>> from pygments.token import Name
    >>> tokens = list(JourneyLexer().get_tokens("touchpoint pizza: product { feel +2 }"))
    >>> [t for t in tokens if t[0] in Name]  # doctest: +NORMALIZE_WHITESPACE
    [(Token.Name.Function, 'pizza'), (Token.Name.Builtin.Channel, 'product'), (Token.Name.Builtin.Module, 'feel')]
    """

    name = "Journey"
    url = "https://pypi.org/project/journeydsl/"
    aliases = ["journey", "journeydsl", "journey-fragment", "journey-invalid"]
    filenames = ["*.journey"]
    mimetypes = ["text/x-journey"]

    tokens = {
        "root": [
            (r"\s+", Text),
            (r"#[^\n]*", Comment.Single),
            (STRING, String.Double),
            (_TIME, Literal.Date),
            (rf"{NUMBER}\s*%", Percent),
            (rf"({NUMBER})([ \t]*)({_UNIT})", bygroups(_number, Text, Keyword.Type)),
            (NUMBER, _number),
            # `import "lib.journey"`
            (_keyword("import"), Keyword.Namespace),
            # `touchpoint NAME: CHANNEL`, `care NAME: CHANNEL`, `of touchpoint NAME`
            (
                rf"\b(touchpoint|care)(\s+)(?!budget{_END})({_NAMED})(?:(\s*)(:)(\s*)({NAME}))?",
                bygroups(
                    Keyword.Declaration,
                    Text,
                    _as(Name.Function),
                    Text,
                    Punctuation,
                    Text,
                    _vocabulary(CHANNELS, Channel),
                ),
            ),
            # `segment NAME`, `stage NAME`, `variant NAME extends NAME`, ...
            *(
                (rf"\b({words_})(\s+)({_NAMED})", bygroups(Keyword.Declaration, Text, _as(kind)))
                for words_, kind in _DECLARED
            ),
            # `factor NAME`, `performance NAME`, `expect NAME 7`, `importance NAME 9` (factors)
            (rf"\b(factor)(\s+)({NAME})", bygroups(Keyword.Declaration, Text, _vocabulary(FACTORS, Factor))),
            (rf"\b(performance)(\s+)({NAME})", bygroups(Keyword, Text, _vocabulary(FACTORS, Factor))),
            (
                rf"\b(expect|importance)(\s+)({NAME})(?=\s+{NUMBER})",
                bygroups(Keyword, Text, _vocabulary(FACTORS, Factor)),
            ),
            (rf"\b(theme)(\s+)({NAME})", bygroups(Keyword, Text, _vocabulary(THEMES, Theme))),
            (rf"\b(sensitivity)(\s+)({NAME})", bygroups(Keyword, Text, _vocabulary(MODULES, Module))),
            # `expect nps > 30`, `beats baseline on nps`: metrics
            (
                rf"\b(expect|on)(\s+)({NAME})",
                bygroups(Keyword, Text, _vocabulary(_METRIC_WORDS, Name.Builtin, pseudo=True)),
            ),
            # `-> STAGE`, `-> exit`, `use TOUCHPOINT`, `recover by TOUCHPOINT`
            (rf"(->)(\s*)({_alternatives(_PSEUDO)})", bygroups(Operator, Text, Name.Builtin.Pseudo)),
            (rf"(->)(\s*)({_NAMED})", bygroups(Operator, Text, _as(Name.Class))),
            (rf"\b(use)(\s+)({_NAMED})", bygroups(Keyword, Text, _as(Name.Function))),
            (
                rf"\b(recover)(\s+)(by)(\s+)({_NAMED})",
                bygroups(Keyword, Text, Keyword, Text, _as(Name.Function)),
            ),
            # `normal(25 min, 6 min)`
            (rf"({NAME})(\s*)(?=\()", bygroups(_vocabulary(DISTRIBUTIONS, Distribution), Text)),
            # `time unit minutes`, `per hour`
            (rf"\b(unit|per)(\s+)({_UNIT})", bygroups(Keyword, Text, Keyword.Type)),
            (NAME, _word),
            (r"->|>=|<=|==|!=|[<>/]", Operator),
            (r"[{}():,;]", Punctuation),
            (r"\.\.\.", Punctuation),  # the docs' placeholder: `choice signing { ... }`
        ],
    }


# ---- HTML -----------------------------------------------------------------------------------

#: The class of the ``<pre>`` that :func:`highlight_html` writes; every token class inside is prefixed ``jd-``.
CSS_CLASS = "journey-code"
_PREFIX = "jd-"


def highlight_html(
    text: str, *, css_class: str = CSS_CLASS, inline_styles: bool = False, style: str = "default"
) -> str:
    """Journey text as highlighted HTML: ``<pre class="journey-code"><code>...</code></pre>``.

    Every character of ``text`` is escaped (``& < > " '``), names included, so the result can be
    put into any HTML page.  Token spans carry classes prefixed ``jd-`` (``jd-k`` keyword, ``jd-nf``
    touchpoint, ``jd-c1`` comment, ...) that clash with nothing else on the page; put
    :func:`highlight_css` with the same ``css_class`` in the page's ``<style>``.  With
    ``inline_styles`` the colours are written on each span instead and no stylesheet is needed.

    Parameters
    ----------
    text : str
        Journey source text (a whole file or a fragment; text that does not parse is shown as well).
    css_class : str
        The class of the ``<pre>`` element, which scopes the stylesheet.
    inline_styles : bool
        Write ``style="..."`` on each span instead of classes.
    style : str
        A Pygments style name for ``inline_styles``.

    Returns
    -------
    str
        One ``<pre>`` element.

    Examples
    --------
    >>> print(highlight_html('stage "<b>" { -> exit }'))
    <pre class="journey-code"><code><span class="jd-kd">stage</span> <span class="jd-s2">&quot;&lt;b&gt;&quot;</span> <span class="jd-p">{</span> <span class="jd-o">-&gt;</span> <span class="jd-bp">exit</span> <span class="jd-p">}</span>
    </code></pre>
    """
    from pygments import highlight

    formatter = HtmlFormatter(nowrap=True, classprefix=_PREFIX, noclasses=inline_styles, style=style)
    body = highlight(text, JourneyLexer(stripnl=False, ensurenl=True), formatter)
    return f'<pre class="{_attribute(css_class)}"><code>{_quotes_escaped(body)}</code></pre>'


def _quotes_escaped(html: str) -> str:
    """``html`` with the quotes of its text escaped too, whichever Pygments wrote it.

    Pygments escapes ``& < >`` in text and, before version 2.21, the quotes as
    well; the quotes are escaped here so the output is the same with every
    version.  A ``<`` in Pygments' output always opens a tag (text has it as
    ``&lt;``), so the text is what lies between tags.
    """
    parts = re.split(r"(<[^>]*>)", html)
    return "".join(
        part if part.startswith("<") else part.replace('"', "&quot;").replace("'", "&#39;") for part in parts
    )


def highlight_css(*, css_class: str = CSS_CLASS, style: str = "default") -> str:
    """The stylesheet for :func:`highlight_html`: rules scoped to ``pre.CSS_CLASS``, in a Pygments style.

    Parameters
    ----------
    css_class : str
        The class given to :func:`highlight_html`.
    style : str
        A Pygments style name (``default``, ``friendly``, ``monokai``, ...; ``pygmentize -L styles``).

    Returns
    -------
    str
        CSS rules, one a line.

    Examples
    --------
    >>> ".journey-code .jd-k {" in highlight_css()
    True
    """
    formatter = HtmlFormatter(classprefix=_PREFIX, style=style)
    scope = f".{_attribute(css_class)}"
    # Pygments adds rules for `pre` and line numbers everywhere on the page: keep only the scoped ones.
    rules = [line for line in formatter.get_style_defs(scope).splitlines() if line.startswith(scope)]
    return "\n".join(rules) + "\n"


def _attribute(css_class: str) -> str:
    """A CSS class name as given, refused when it could break out of the attribute or selector."""
    if not re.fullmatch(r"-?[A-Za-z_][A-Za-z0-9_-]*", css_class):
        raise ValueError(f"not a CSS class name: {css_class!r}")
    return css_class


# ---- the TextMate grammar of the VS Code extension ---------------------------------------------


def _tm_words(names: Any) -> str:
    return r"\b(?:" + "|".join(re.escape(name) for name in _longest_first(names)) + r")" + _END


@lru_cache(maxsize=1)
def textmate_grammar() -> dict[str, Any]:
    """The TextMate grammar of ``.journey`` files (``source.journey``), as a JSON-ready dict.

    Built from the same word lists and patterns as :class:`JourneyLexer`; the committed
    ``editors/vscode/syntaxes/journey.tmLanguage.json`` must equal it (a test checks).

    Returns
    -------
    dict
        The grammar: ``scopeName``, ``patterns`` and ``repository``.
    """
    kw = _tm_words
    named = {"patterns": [{"include": "#string"}]}

    def decl(keywords: str, scope: str, name_scope: str) -> dict[str, Any]:
        return {
            "match": rf"\b({keywords}){_END}\s+({_NAMED})",
            "captures": {"1": {"name": scope}, "2": {"name": name_scope, **named}},
        }

    def vocabulary(members: Any, scope: str, *, pseudo: bool = False) -> dict[str, Any]:
        reserved = [{"match": kw(_PSEUDO), "name": "constant.language.journey"}] if pseudo else []
        patterns = [{"match": kw(members), "name": scope}, *reserved, {"match": NAME, "name": "variable.other.journey"}]
        return {"patterns": patterns}

    repository: dict[str, Any] = {
        "comment": {
            "match": r"(#).*$",
            "name": "comment.line.number-sign.journey",
            "captures": {"1": {"name": "punctuation.definition.comment.journey"}},
        },
        "string": {
            "begin": '"',
            "end": r'"|$',
            "name": "string.quoted.double.journey",
            "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.journey"}},
            "endCaptures": {"0": {"name": "punctuation.definition.string.end.journey"}},
            "patterns": [{"match": r"\\.", "name": "constant.character.escape.journey"}],
        },
        "number": {
            "patterns": [
                {"match": _TIME, "name": "constant.numeric.time.journey"},
                {
                    "match": rf"({NUMBER})\s*(%)",
                    "name": "constant.numeric.percentage.journey",
                    "captures": {"2": {"name": "keyword.other.unit.percent.journey"}},
                },
                {
                    "match": rf"({NUMBER})[ \t]*({_UNIT})",
                    "name": "constant.numeric.quantity.journey",
                    "captures": {"2": {"name": "keyword.other.unit.journey"}},
                },
                {"match": rf"{NUMBER}(?![A-Za-z_])", "name": "constant.numeric.journey"},
            ]
        },
        "declaration": {
            "patterns": [
                {"match": r"\b(import)\b", "name": "keyword.control.import.journey"},
                {
                    "match": rf"\b(touchpoint|care)\s+(?!budget{_END})({_NAMED})(?:\s*(:)\s*({NAME}))?",
                    "captures": {
                        "1": {"name": "keyword.declaration.touchpoint.journey"},
                        "2": {"name": "entity.name.function.touchpoint.journey", **named},
                        "3": {"name": "punctuation.separator.channel.journey"},
                        "4": vocabulary(CHANNELS, "support.type.channel.journey"),
                    },
                },
                decl("journey|library", "keyword.declaration.journey.journey", "entity.name.namespace.journey"),
                decl("stage", "keyword.declaration.stage.journey", "entity.name.type.stage.journey"),
                decl("segment", "keyword.declaration.segment.journey", "entity.name.type.segment.journey"),
                decl("variant|extends", "keyword.declaration.variant.journey", "entity.name.type.variant.journey"),
                decl("failure", "keyword.control.failure.journey", "entity.name.type.failure.journey"),
                decl("episode|survey|choice", "keyword.declaration.journey", "entity.name.type.label.journey"),
                {
                    "match": rf"\b(factor|performance){_END}\s+({NAME})",
                    "captures": {
                        "1": {"name": "keyword.declaration.factor.journey"},
                        "2": vocabulary(FACTORS, "support.constant.factor.journey"),
                    },
                },
                {
                    "match": rf"\b(expect|importance){_END}\s+({NAME})(?=\s+{NUMBER})",
                    "captures": {
                        "1": {"name": "keyword.control.journey"},
                        "2": vocabulary(FACTORS, "support.constant.factor.journey"),
                    },
                },
                {
                    "match": rf"\b(theme){_END}\s+({NAME})",
                    "captures": {
                        "1": {"name": "keyword.control.journey"},
                        "2": vocabulary(THEMES, "support.constant.theme.journey"),
                    },
                },
                {
                    "match": rf"\b(sensitivity){_END}\s+({NAME})",
                    "captures": {
                        "1": {"name": "keyword.control.journey"},
                        "2": vocabulary(MODULES, "support.function.module.journey"),
                    },
                },
                {
                    "match": rf"\b(expect|on){_END}\s+({NAME})",
                    "captures": {
                        "1": {"name": "keyword.control.journey"},
                        "2": vocabulary(_METRIC_WORDS, "support.constant.metric.journey", pseudo=True),
                    },
                },
                {
                    "match": rf"(->)\s*({_NAMED})",
                    "captures": {
                        "1": {"name": "keyword.operator.arrow.journey"},
                        "2": {
                            "patterns": [
                                {"include": "#string"},
                                {"match": kw(_PSEUDO), "name": "constant.language.journey"},
                                {"match": NAME, "name": "entity.name.type.stage.journey"},
                            ]
                        },
                    },
                },
                {
                    "match": rf"\b(use|recover\s+by){_END}\s+({_NAMED})",
                    "captures": {
                        "1": {"name": "keyword.control.journey"},
                        "2": {"name": "entity.name.function.touchpoint.journey", **named},
                    },
                },
                {
                    "match": rf"({NAME})\s*(?=\()",
                    "captures": {"1": vocabulary(DISTRIBUTIONS, "support.function.distribution.journey")},
                },
                {
                    "match": rf"\b(unit|per){_END}\s+({_UNIT})",
                    "captures": {
                        "1": {"name": "keyword.control.journey"},
                        "2": {"name": "keyword.other.unit.journey"},
                    },
                },
            ]
        },
        "word": {
            "patterns": [
                {"match": kw(KEYWORD_WORDS), "name": "keyword.control.journey"},
                {"match": kw(MODULES), "name": "support.function.module.journey"},
                {"match": kw(_PSEUDO), "name": "constant.language.journey"},
                {"match": kw(PHASES), "name": "support.constant.phase.journey"},
                {"match": kw(_METRIC_WORDS), "name": "support.constant.metric.journey"},
                {"match": kw(_SETTING_WORDS), "name": "variable.other.property.setting.journey"},
                {"match": kw(THEMES), "name": "support.constant.theme.journey"},
                {"match": kw(FACTORS), "name": "support.constant.factor.journey"},
                {"match": kw(CHANNELS), "name": "support.type.channel.journey"},
                {
                    "match": rf"\b(?:{'|'.join(DAY_WORDS)})(?:-(?:{'|'.join(DAY_WORDS)}))*{_END}",
                    "name": "constant.other.day.journey",
                },
                {"match": NAME, "name": "variable.other.journey"},
            ]
        },
        "operator": {
            "patterns": [
                {"match": "->", "name": "keyword.operator.arrow.journey"},
                {"match": r">=|<=|==|!=|[<>]", "name": "keyword.operator.comparison.journey"},
                {"match": "/", "name": "keyword.operator.rating.journey"},
            ]
        },
        "punctuation": {
            "patterns": [
                {"match": r"\{", "name": "punctuation.section.block.begin.journey"},
                {"match": r"\}", "name": "punctuation.section.block.end.journey"},
                {"match": r"\(", "name": "punctuation.section.parens.begin.journey"},
                {"match": r"\)", "name": "punctuation.section.parens.end.journey"},
                {"match": ":", "name": "punctuation.separator.colon.journey"},
                {"match": ",", "name": "punctuation.separator.comma.journey"},
                {"match": ";", "name": "punctuation.terminator.statement.journey"},
                {"match": r"\.\.\.", "name": "punctuation.other.ellipsis.journey"},
            ]
        },
    }
    order = ("comment", "string", "number", "declaration", "word", "operator", "punctuation")
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "Journey",
        "scopeName": "source.journey",
        "fileTypes": ["journey"],
        "comment": "Generated by `python3 -m journeydsl.highlight --textmate` from journeydsl's vocabulary and grammar; do not edit.",
        "patterns": [{"include": f"#{key}"} for key in order],
        "repository": repository,
    }


def textmate_json() -> str:
    """:func:`textmate_grammar` as the text of ``journey.tmLanguage.json`` (two-space indents, final newline)."""
    return json.dumps(textmate_grammar(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python3 -m journeydsl.highlight --textmate``: print the TextMate grammar (for the VS Code extension)."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["--textmate"]:
        print(
            "usage: python3 -m journeydsl.highlight --textmate > editors/vscode/syntaxes/journey.tmLanguage.json",
            file=sys.stderr,
        )
        return 2
    sys.stdout.write(textmate_json())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
