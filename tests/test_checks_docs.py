"""The checkers' documentation cannot drift: the guide's reference is the docstrings, and
the examples of "Writing a checker" in CONTRIBUTING.md run."""

import os
import re
import sys

import pytest

from mlcourse import checks
from mlcourse.checks import _guide

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_guide_holds_the_generated_checker_reference():
    with open(os.path.join(ROOT, _guide.GUIDE)) as f:
        text = f.read()
    start, stop = text.index(_guide.BEGIN), text.index(_guide.END) + len(_guide.END)
    assert text[start:stop] == _guide.markdown(), "run `python -m mlcourse.checks._guide` to update the guide"


def test_every_public_checker_is_in_the_reference():
    public = sorted(name for name in checks.__all__ if name.startswith("check_"))
    assert sorted(_guide.ORDER) == public
    for name in public:
        assert f"### `{name}`" in _guide.markdown()


def _blocks():
    with open(os.path.join(ROOT, "CONTRIBUTING.md")) as f:
        text = f.read()
    section = text[text.index("\n## Writing a checker\n"):]
    following = re.search(r"\n## (?!#)", section[1:])
    if following:
        section = section[:following.start() + 1]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_writing_a_checker_has_runnable_examples(tmp_path, monkeypatch, capsys):
    blocks = _blocks()
    assert len(blocks) >= 8
    monkeypatch.syspath_prepend(str(tmp_path))
    registered = dict(checks.REGISTRY)
    try:
        for block in blocks:
            first = block.splitlines()[0]
            if first.startswith("# file: "):
                (tmp_path / first[len("# file: "):].strip()).write_text(block)
                continue
            exec(compile(block, "<CONTRIBUTING.md>", "exec"), {"__name__": "contributing_example"})
    finally:
        for name in list(checks.REGISTRY):
            if name not in registered:
                del checks.REGISTRY[name]
        for module in ("theory_example", "ex04_mistakes", "search_example", "ema_checks", "best_of_checks"):
            sys.modules.pop(module, None)
    assert capsys.readouterr().out.count("✔") == 7


@pytest.mark.parametrize("heading", ["## Writing a checker", "### Checkers (`mlcourse.checks`)"])
def test_contributing_has_the_checker_sections(heading):
    with open(os.path.join(ROOT, "CONTRIBUTING.md")) as f:
        assert f"\n{heading}\n" in f.read()
