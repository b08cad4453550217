"""Figures to bytes and files: the one saver every part of journeydsl writes its figures with.

The same figure always gives the same bytes, however often it is saved and
in whichever process, so a report or a plot made twice from the same file and
seed is the same file.  Matplotlib leaves four things to chance, to the clock
or to the figure's past, and this module pins them:

- the metadata: PNG's ``Software``, SVG's ``Date`` and ``Creator``, PDF's
  ``CreationDate``, ``ModDate``, ``Creator`` and ``Producer`` are fixed
  (the tool is named without its version, so a release that draws the same
  picture writes the same bytes) or left out;
- the ids of SVG clip paths, which come from a random salt unless
  ``svg.hashsalt`` is set: it is set to :data:`SVG_HASH_SALT` while the figure
  is saved (and only then);
- the layout: constrained layout (all of journeydsl's figures use it) starts
  from wherever the last drawing left the axes and takes several drawings to
  settle when a legend or a label sits outside the axes, so a figure saved a
  second time, or shown in a notebook first, came out a little different.
  Each save now lays the figure out afresh: axes on the figure's grid from
  the place the grid gives them, colorbars from where they were when the
  figure was first saved.  The result is what the first save of a new figure
  gives, the picture journeydsl has always drawn;
- the bounding box, always ``bbox_inches="tight"``.

A character that no installed font has (a Chinese name on a machine without
a CJK font: see :func:`journeydsl.report.plots.cjk_font`) is drawn as an empty
box and told once per process (:data:`MISSING_GLYPHS`), not in Matplotlib's
warning per character and per drawing.

Nothing here selects a Matplotlib backend: :meth:`Figure.savefig` picks the
canvas of the format it is asked for, so a figure made without pyplot saves
as well as one made in a notebook, whose inline backend is left alone.
Matplotlib is imported only when a figure is saved.

Examples
--------
>>> from matplotlib.figure import Figure
>>> fig = Figure(figsize=(2, 1))
>>> _ = fig.subplots().plot([0, 1], [1, 0])
>>> figure_bytes(fig, "png") == figure_bytes(fig, "png")
True
>>> figure_bytes(fig, "svg")[:5]
b'<?xml'
>>> figure_format("curve.gif")
Traceback (most recent call last):
...
ValueError: cannot save a figure as 'curve.gif': the name must end in .png, .svg or .pdf
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import warnings
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from .files import write_atomically

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure
    from matplotlib.transforms import Bbox

__all__ = [
    "FORMATS",
    "CREATOR",
    "SVG_HASH_SALT",
    "MISSING_GLYPHS",
    "figure_bytes",
    "save_figure",
    "figure_format",
    "close_figure",
    "lay_out",
]

#: The formats figures are written in, as file suffixes (without the dot).
FORMATS = ("png", "svg", "pdf")

#: The name written into every figure's metadata as the program that made it.
CREATOR = "journeydsl"

#: The salt of the SVG clip-path ids while a figure is saved (any fixed string does).
SVG_HASH_SALT = "journeydsl"

#: The one warning a save gives when a character had no glyph in the fonts Matplotlib found
#: (instead of Matplotlib's warning per character and per drawing).
MISSING_GLYPHS = (
    "some characters of a chart have no glyph in the installed fonts and show as empty boxes; "
    "for Chinese and Japanese names install Noto Sans CJK (Debian and Ubuntu: apt install fonts-noto-cjk), "
    "then remove Matplotlib's font cache (in matplotlib.get_cachedir()) so that it finds the font"
)

#: Whether :data:`MISSING_GLYPHS` was given in this process: it is given once.
_missing_glyphs_told = False

#: The start of Matplotlib's warning for a character no font has (``Glyph 32467 (...) missing from font(s) ...``).
_GLYPH_MISSING = r"Glyph \d+ .*missing from"

#: Where the axes a layout places off the grid (colorbars) were when their figure was first saved.
_START: weakref.WeakKeyDictionary[Axes, Bbox] = weakref.WeakKeyDictionary()

#: Metadata per format: a fixed value, or ``None`` to leave Matplotlib's default (a date, a version) out.
_METADATA: dict[str, dict[str, str | None]] = {
    "png": {"Software": CREATOR},
    "svg": {"Creator": CREATOR, "Date": None},
    "pdf": {"Creator": CREATOR, "Producer": CREATOR, "CreationDate": None, "ModDate": None},
}


def figure_bytes(figure: Figure, fmt: str, dpi: int = 150) -> bytes:
    """The figure drawn as PNG, SVG or PDF: the same figure gives the same bytes in every run.

    The figure is left open (a notebook may still show it); see :func:`save_figure`
    to write a file and close the figure.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure, made with pyplot or without.
    fmt : {"png", "svg", "pdf"}
        The format (case does not matter).
    dpi : int
        Resolution of the PNG, and of any raster image inside an SVG or PDF.

    Returns
    -------
    bytes
        The whole file.

    Raises
    ------
    ValueError
        For any other format.

    Warns
    -----
    UserWarning
        :data:`MISSING_GLYPHS`, once per process, when a character of the
        figure has no glyph in the installed fonts (it is drawn as an empty
        box); Matplotlib's own warning per character is not shown.

    Notes
    -----
    A figure with constrained layout is laid out from the start for each save
    (see the module's notes), so its bytes do not depend on how often, or at
    what resolution, it was drawn before.  The SVG salt is set in Matplotlib's
    global settings for the length of the save, and warnings are caught
    (:class:`warnings.catch_warnings`) for that length too: threads that save
    figures at the same moment share both.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"cannot draw a figure as {fmt!r}: choose one of {', '.join(FORMATS)}")
    from matplotlib import rc_context

    _lay_out_afresh(figure)
    buffer = io.BytesIO()
    with rc_context({"svg.hashsalt": SVG_HASH_SALT}), _glyphs_missing_told_once():
        figure.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight", metadata=dict(_METADATA[fmt]))
    return buffer.getvalue()


@contextlib.contextmanager
def _glyphs_missing_told_once() -> Iterator[None]:
    """Matplotlib's warnings of characters without a glyph, while figures are drawn, told as one :data:`MISSING_GLYPHS`.

    Matplotlib warns once per character and per drawing (a figure is drawn
    twice to save it tight), which buried a report with Chinese names under
    hundreds of warnings; :data:`MISSING_GLYPHS` says what to do, once per
    process.  Every other warning is shown as it would have been.
    """
    global _missing_glyphs_told
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", _GLYPH_MISSING, UserWarning)  # recorded here, never raised
        yield
    missing = False
    for warning in caught:
        if issubclass(warning.category, UserWarning) and re.match(_GLYPH_MISSING, str(warning.message)):
            missing = True
        else:
            warnings.showwarning(
                warning.message, warning.category, warning.filename, warning.lineno, warning.file, warning.line
            )
    if missing and not _missing_glyphs_told:
        _missing_glyphs_told = True
        warnings.warn(MISSING_GLYPHS, UserWarning, stacklevel=3)


def _lay_out_afresh(figure: Figure) -> None:
    """Put the axes a constrained layout places back where they were before it first moved them.

    Drawing lays them out again, then always from the same start: axes on the
    figure's grid start from the place the grid gives them; others (colorbars)
    from where they were when the figure was first saved.  Axes taken out of
    the layout (placed by hand) and figures with another layout engine, or
    none, are left alone.
    """
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    if isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine):
        _axes_to_start(figure)


def lay_out(figure: Figure) -> None:
    """Lay the figure out as saving it will, without drawing it: to measure it before adding to it.

    A chart that places text by measuring (:mod:`journeydsl.report.labels`)
    measures the figure as :func:`figure_bytes` will lay it out: from the
    start (see :func:`_lay_out_afresh`), not from wherever an earlier
    measurement left the axes.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    """
    _lay_out_afresh(figure)
    figure.draw_without_rendering()


def _axes_to_start(figure: Figure | SubFigure) -> None:
    for ax in figure.axes:
        if not ax.get_in_layout():
            continue
        spec = ax.get_subplotspec()
        if spec is not None:
            ax.set_subplotspec(spec)  # back to the grid's place (unlike set_position, this keeps it in the layout)
        else:
            ax.set_position(_START.setdefault(ax, ax.get_position(original=True).frozen()))
            ax.set_in_layout(True)  # set_position takes an axes out of the layout
    for sub in figure.subfigs:
        _axes_to_start(sub)


def figure_format(path: str | os.PathLike[str]) -> str:
    """The format a figure file's suffix names: ``"png"``, ``"svg"`` or ``"pdf"``.

    Parameters
    ----------
    path : str or os.PathLike
        The file name; the suffix's case does not matter.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        When the suffix is none of ``.png``, ``.svg`` and ``.pdf``.
    """
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        choices = ", ".join(f".{f}" for f in FORMATS[:-1]) + f" or .{FORMATS[-1]}"
        raise ValueError(f"cannot save a figure as {os.fspath(path)!r}: the name must end in {choices}")
    return fmt


def save_figure(figure: Figure, path: str | os.PathLike[str], dpi: int = 150) -> None:
    """Write the figure to ``path`` in the format its suffix names, whole or not at all, then close it.

    The bytes are those of :func:`figure_bytes`; the file is written through
    :func:`journeydsl.report.files.write_atomically`, so a reader never sees
    half a figure and a failure leaves any previous file as it was.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure; closed once written (or once writing failed).
    path : str or os.PathLike
        Where to write; ends in ``.png``, ``.svg`` or ``.pdf``.
    dpi : int
        Resolution of the PNG, and of any raster image inside an SVG or PDF.

    Raises
    ------
    ValueError
        When the suffix names no format; the figure is then left open and nothing is written.
    OSError
        When the file cannot be written.
    """
    fmt = figure_format(path)
    try:
        write_atomically(path, figure_bytes(figure, fmt, dpi))
    finally:
        close_figure(figure)


def close_figure(figure: Figure) -> None:
    """Let go of a figure: remove it from pyplot's figure manager if it is there.

    A figure made without pyplot needs nothing; one made with pyplot (as the
    plot functions do when they are given no axes) would otherwise stay in
    memory for the life of the process.  Pyplot is not imported to find out.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    """
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(figure)
