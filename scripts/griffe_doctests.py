"""A griffe extension for the docs site (mkdocs.yml): fences doctest examples as code.

The docstrings write their examples as bare ``>>>`` lines, which is what doctest reads;
Markdown would render them as prose, and read their brackets as broken cross-references.
"""

from __future__ import annotations

from typing import Any

import griffe


class DoctestFences(griffe.Extension):
    """Wraps each run of doctest lines (``>>>`` up to the next blank line) in a fence."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)


def fence_doctests(text: str) -> str:
    r"""The text with its doctest examples fenced; text already fenced is left alone.

    >>> fence_doctests("Add:\n>>> 1 + 1\n2\n\nDone.").splitlines()
    ['Add:', '```pycon', '>>> 1 + 1', '2', '```', '', 'Done.']
    """
    out: list[str] = []
    in_fence = in_example = False
    indent = ""
    for line in text.splitlines():
        stripped = line.strip()
        if in_example and not stripped:
            out.append(indent + "```")
            in_example = False
        elif stripped.startswith("```") and not in_example:
            in_fence = not in_fence
        elif stripped.startswith(">>>") and not in_fence and not in_example:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + "```pycon")
            in_example = True
        out.append(line)
    if in_example:
        out.append(indent + "```")
    return "\n".join(out)
