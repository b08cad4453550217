"""The language server behind ``journey lsp``: editors get the checker, the names and the writer as they type.

:mod:`.index` maps every stage, touchpoint, segment, design, episode and import of
a journey to where it is defined and referred to (from the model's source spans);
:mod:`.knowledge` says what a keyword, setting or word of the vocabulary means;
:mod:`.hover` and :mod:`.complete` build hovers and completions from them;
:mod:`.figures` finds a recent simulation of the file.  None of these needs
pygls.  :mod:`.server` is the pygls server, imported only when ``journey lsp``
runs, so that pygls stays an optional extra (``journeydsl[lsp]``).
"""

from __future__ import annotations

__all__: list[str] = []
