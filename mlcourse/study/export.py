"""Exports of the decks: Anki packages and tab-separated files that Quizlet imports.

Both are generated from the deck files (``mlcourse/study/decks/*.toml``) when the website is built
(``mlcourse.sphinxext.study`` writes them to ``_build/html/decks/``), one per deck and
one for the whole course:

* **Anki** (``.apkg``, made with ``genanki``): one note per card, fields Front, Back
  (HTML; math as ``\\(...\\)``, which Anki renders with its own MathJax) and Topic,
  tagged ``chapter-NN`` and ``topic-...``. Note GUIDs come from the card ids, so
  importing a newer export updates the learner's notes instead of duplicating them.
  The whole-course package has one sub-deck per chapter.
* **Quizlet** (``.tsv``): one card per line, the question, a tab, the answer. Quizlet
  does not render TeX, so math stays as written between ``$`` signs; line breaks and
  tabs inside a field become spaces.

Usage: ``write_anki(decks, path)``, ``write_tsv(decks, path)``, ``write_all(decks, folder)``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ._decks import Card, Deck
from ._render import markdown_html, markdown_plain

COURSE_DECK_TITLE = "How deep networks are trained"
COURSE_FILE = "mlcourse-all-chapters"


def _stable_id(name: str) -> int:
    """A fixed 31-bit id for an Anki model or deck, derived from its name."""
    return (1 << 30) + int(hashlib.sha1(name.encode()).hexdigest()[:7], 16)


def anki_math(html_text: str) -> str:
    """Card HTML with the math spans replaced by Anki's own delimiters (it typesets \\( \\))."""
    html_text = re.sub(r'<span class="math notranslate nohighlight">(\\\(.*?\\\))</span>', r"\1", html_text,
                       flags=re.S)
    return re.sub(r'<div class="math notranslate nohighlight">(\\\[.*?\\\])</div>', r"\1", html_text, flags=re.S)


def _model():
    import genanki

    return genanki.Model(
        _stable_id("mlcourse flashcard model v1"),
        "mlcourse flashcard",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Topic"}, {"name": "Id"}],
        templates=[{
            "name": "Card 1",
            "qfmt": '<div class="topic">{{Topic}}</div>{{Front}}',
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
        }],
        css=".card { font-family: sans-serif; font-size: 18px; text-align: left; max-width: 40em; margin: auto; }"
            " .topic { font-size: 12px; color: #777; text-transform: uppercase; }",
        sort_field_index=3,
    )


def _note(model, card: Card):
    import genanki

    fields = [anki_math(markdown_html(card.front)), anki_math(markdown_html(card.back)), card.topic, card.uid]
    return genanki.Note(model=model, fields=fields, tags=list(card.tags), guid=genanki.guid_for("mlcourse", card.uid))


def write_anki(decks: list[Deck], path: str | Path, *, title: str | None = None) -> Path:
    """Write ``decks`` as one Anki package; several decks become sub-decks of ``title``."""
    import genanki

    if not decks:
        raise ValueError("invalid decks = [], expected at least one deck")
    model = _model()
    anki_decks = []
    for deck in decks:
        name = f"{deck.number}. {deck.title}"
        if title is not None:
            name = f"{title}::{name}"
        anki_deck = genanki.Deck(_stable_id(name), name)
        for card in deck.cards:
            anki_deck.add_note(_note(model, card))
        anki_decks.append(anki_deck)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(anki_decks).write_to_file(str(path))
    return path


def tsv_lines(decks: list[Deck]) -> list[str]:
    """One ``question<TAB>answer`` line per card."""
    lines = []
    for deck in decks:
        for card in deck.cards:
            front = markdown_plain(card.front).replace("\t", " ")
            back = markdown_plain(card.back).replace("\t", " ")
            lines.append(f"{front}\t{back}")
    return lines


def write_tsv(decks: list[Deck], path: str | Path) -> Path:
    """Write ``decks`` as a tab-separated file (Quizlet: Import, "Between term and definition: Tab")."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(tsv_lines(decks)) + "\n", encoding="utf-8")
    return path


def export_names(deck: Deck | None) -> tuple[str, str]:
    """File names (Anki, Quizlet) of one deck's exports, or of the whole course's with ``None``."""
    stem = COURSE_FILE if deck is None else deck.name
    return f"{stem}.apkg", f"{stem}.tsv"


def write_all(decks: list[Deck], folder: str | Path) -> list[Path]:
    """Every export: each deck, and the whole course, into ``folder``."""
    folder = Path(folder)
    written = []
    for deck in decks:
        apkg, tsv = export_names(deck)
        written += [write_anki([deck], folder / apkg), write_tsv([deck], folder / tsv)]
    apkg, tsv = export_names(None)
    written += [write_anki(decks, folder / apkg, title=COURSE_DECK_TITLE), write_tsv(decks, folder / tsv)]
    return written
