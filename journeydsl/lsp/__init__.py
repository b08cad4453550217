"""The language server behind ``journey lsp``: editors get the checker, names and the writer as they type.

:mod:`.index` maps every stage, touchpoint, segment, design and import of a
journey to where it is defined and referred to (from the model's source spans,
without pygls); :mod:`.knowledge` says what a keyword, setting or vocabulary word
means; :mod:`.figures` finds a recent simulation of the file; :mod:`.server`
is the pygls server (imported only by ``journey lsp``, so pygls stays optional).
"""

from __future__ import annotations

__all__: list[str] = []
