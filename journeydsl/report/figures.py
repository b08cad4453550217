"""Figures to bytes and files: the one saver every part of journeydsl writes its figures with.

The same figure always gives the same bytes, in this process or another, so a
report or a plot made twice from the same file and seed is the same file.
Matplotlib leaves three things to chance or to the clock, and this module pins
them:

- the metadata: PNG's ``Software``, SVG's ``Date`` and ``Creator``, PDF's
  ``CreationDate``, ``ModDate``, ``Creator`` and ``Producer`` are fixed
  (the tool is named without its version, so a release that draws the same
  picture writes the same bytes) or left out;
- the ids of SVG clip paths, which come from a random salt unless
  ``svg.hashsalt`` is set: it is set to :data:`SVG_HASH_SALT` while the figure
  is saved (and only then);
- the bounding box, always ``bbox_inches="tight"``.

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

import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .files import write_atomically

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["FORMATS", "CREATOR", "SVG_HASH_SALT", "figure_bytes", "save_figure", "figure_format", "close_figure"]

#: The formats figures are written in, as file suffixes (without the dot).
FORMATS = ("png", "svg", "pdf")

#: The name written into every figure's metadata as the program that made it.
CREATOR = "journeydsl"

#: The salt of the SVG clip-path ids while a figure is saved (any fixed string does).
SVG_HASH_SALT = "journeydsl"

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
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"cannot draw a figure as {fmt!r}: choose one of {', '.join(FORMATS)}")
    from matplotlib import rc_context

    buffer = io.BytesIO()
    with rc_context({"svg.hashsalt": SVG_HASH_SALT}):
        figure.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight", metadata=dict(_METADATA[fmt]))
    return buffer.getvalue()


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
