"""Docstrings and comments in ``src/prodcore`` state rules and examples in full.

They must not cite labels of notes that are not in the repository (worked-example labels
such as "E13" or "D4", "decision 3", the notes' file name or section signs): a reader of
the code has no way to look them up. Doctest examples are code, not prose, and are left
out, so a document number like ``"D1"`` in an example is data, not a label.
"""

from __future__ import annotations

import ast
import doctest
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import prodcore

SRC = Path(prodcore.__file__).parent
LABEL = re.compile(r"\b(E[0-9]{1,2}|D[1-7]|[Dd]ecision [0-9]+)\b|bc-d365|domain notes|§")
_PARSER = doctest.DocTestParser()


def _prose(docstring: str) -> str:
    """A docstring without its doctest examples (their source and expected output)."""
    return "".join(part for part in _PARSER.parse(docstring) if isinstance(part, str))


def _texts(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every comment and docstring prose in one module."""
    source = path.read_text(encoding="utf-8")
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            yield tok.start[0], tok.string
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                yield (node.body[0].lineno, _prose(doc))


def label_citations(path: Path) -> list[str]:
    """``line: 'label'`` for every label cited in the prose or comments of ``path``."""
    return [f"{line}: {m.group(0)!r}" for line, text in _texts(path) for m in LABEL.finditer(text)]


def test_no_docstring_or_comment_cites_a_note_label() -> None:
    found = [
        f"{path.relative_to(SRC)}:{hit}"
        for path in sorted(SRC.rglob("*.py"))
        for hit in label_citations(path)
    ]
    assert found == []


def test_the_check_finds_labels_in_prose_and_comments_but_not_in_examples(
    tmp_path: Path,
) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        '"""Scrap accumulates (worked example D1, see bc-d365.md §4).\n\n'
        '>>> post(document_no="D1")\n'
        "Posting D1 does not balance\n"
        '"""\n'
        "x = 1  # per decision 3\n"
        'y = "E13"\n',
        encoding="utf-8",
    )
    assert label_citations(probe) == ["6: 'decision 3'", "1: 'D1'", "1: 'bc-d365'", "1: '§'"]
