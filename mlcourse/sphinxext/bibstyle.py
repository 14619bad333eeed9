"""Sphinx extension: bibliography labels that match the author-year citations.

The chapters cite as "[Goodfellow et al., 2016]" (``bibtex_reference_style:
author_year``), but pybtex's styles label the bibliography itself [1], [2], ... or
[GBC16]. This registers the pybtex style ``authoryear``: the "plain" formatting and
sorting (by author), with each entry labelled exactly as it is cited, so a reader
who follows a citation finds the same words at the entry.

Enable it with ``bibtex_default_style: authoryear`` and this module in
``extra_extensions`` (after ``sphinxcontrib.bibtex``).
"""

from __future__ import annotations

from collections import Counter
from string import ascii_lowercase

from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.application import Sphinx
from pybtex.plugin import register_plugin


def author_year(entry) -> str:
    """'Huber, 1964', 'Kingma and Ba, 2015', 'Goodfellow et al., 2016'."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(person.last_names) or " ".join(person.first_names) for person in people]
    if not names:
        who = entry.fields.get("title", entry.key)
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    # Braces protect capitals in BibTeX; they are not part of the name.
    return f"{who}, {entry.fields.get('year', 'n.d.')}".replace("{", "").replace("}", "")


class AuthorYearLabels(BaseLabelStyle):
    """Label each entry by author and year; 2016a, 2016b when two labels collide."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year(entry) for entry in entries]
        counts, seen = Counter(labels), Counter()
        for label in labels:
            if counts[label] > 1:
                seen[label] += 1
                label = f"{label}{ascii_lowercase[seen[label] - 1]}"
            yield label


class AuthorYearStyle(PlainStyle):
    default_label_style = "authoryear"


def setup(app: Sphinx) -> dict:
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
