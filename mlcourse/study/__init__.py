"""Flashcards of the course: decks, study modes, spaced review and exports.

One deck per chapter lives in ``mlcourse/study/decks/NN_slug.toml`` (the chapter's own file stem),
the single source of the flashcards on the chapter's page, on the study page, in
JupyterLab, and of the Anki and Quizlet exports. A deck is TOML::

    title = "Momentum"

    [[cards]]
    id = "update-rule"                 # unique in the deck; course-wide "04-update-rule"
    topic = "update rule"              # tag; the deck's file gives the chapter tag
    front = "What is the momentum update rule?"
    back = '''
    $m \\leftarrow \\beta m - \\eta \\nabla L(\\theta)$, then $\\theta \\leftarrow \\theta + m$ ...
    '''
    short = "$m \\leftarrow \\beta m - \\eta\\nabla L(\\theta)$, then $\\theta \\leftarrow \\theta + m$"
    term = "Momentum"                  # optional: a glossary entry (Match mode, typed answers)
    definition = "An optimizer that keeps a velocity ..."
    aliases = ["heavy-ball method"]    # optional: other accepted names of the term
    answers = ["0.2"]                  # optional: accepted typed answers to the front

Text is Markdown with ``$...$`` and ``$$...$$`` math (write TeX in ``'''`` literal
strings, where a backslash is just a backslash). ``short`` (at most 160 characters) is
the one-line answer that multiple-choice questions offer; ``definition`` (at most 240)
is what Match mode pairs with the term. :func:`load_deck` checks all of it and names
the file, card and field of anything wrong.

In a chapter, one code cell shows its deck, on the website and in JupyterLab::

    from mlcourse import study
    study.flashcards(4)

The study modes (``study.js``, no network, progress in the browser's localStorage):
*Cards* (flip), *Learn* (multiple choice; a missed card comes back two cards later,
a card is learned after two correct answers in a row), *Test* (a scored mix of
multiple-choice and typed questions), *Match* (terms against definitions, against
the clock) and *Review*: spaced repetition with FSRS (the vendored ``ts-fsrs``). The
learner rates each card 1 to 5, mapped onto FSRS's four ratings as in
:data:`CONFIDENCE_TO_RATING`; a card counts as mastered once its FSRS stability
reaches :data:`MASTERED_STABILITY_DAYS` days.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from ._decks import DECKS_DIR, Card, Deck, DeckError, load_deck, load_decks
from ._render import asset, deck_html

# How a confidence rating of 1 to 5 (Brainscape's "How well did you know this?") maps
# onto FSRS's ratings Again = 1, Hard = 2, Good = 3, Easy = 4. A 1 or a 2 means the
# answer was not recalled, which FSRS has one rating for. study.js holds the same
# table; tests/test_study_scheduler.py checks that they agree.
CONFIDENCE_TO_RATING = {1: 1, 2: 1, 3: 2, 4: 3, 5: 4}
MASTERED_STABILITY_DAYS = 7
# The scheduler's settings, identical in study.js (checked by the same test).
FSRS_SETTINGS = {
    "request_retention": 0.9,
    "maximum_interval": 36500,
    "enable_fuzz": False,
    "enable_short_term": True,
    "learning_steps": ["1m", "10m"],
    "relearning_steps": ["10m"],
}
MIME_TYPE = "application/vnd.mlcourse.flashcards+json"

__all__ = ["Card", "Deck", "DeckError", "load_deck", "load_decks", "flashcards", "Flashcards",
           "CONFIDENCE_TO_RATING", "MASTERED_STABILITY_DAYS", "FSRS_SETTINGS", "DECKS_DIR", "MIME_TYPE"]


def inline_scripts() -> str:
    """study.js and the vendored ts-fsrs as inline scripts (for JupyterLab, where no _static exists).

    The UMD build is wrapped so that it always defines the global ``FSRS``, even where
    a page happens to have an AMD loader or CommonJS globals.
    """
    fsrs = asset("ts-fsrs/ts-fsrs.umd.js")
    wrapped = f"(function (define, module, exports) {{\n{fsrs}\n}}).call(window);"
    return f"<script>{wrapped}</script>\n<script>{asset('study.js')}</script>"


class Flashcards:
    """The flashcards of some chapters, displayed as the study component.

    Its MIME bundle has ``text/html`` with the component, its stylesheet and scripts
    inline (JupyterLab), and :data:`MIME_TYPE` naming the decks, which the website's
    Sphinx extension renders afresh from the deck files (so an edited deck never
    shows a stale cached output).
    """

    def __init__(self, decks: list[Deck], scope: str, title: str):
        self.decks = decks
        self.scope = scope
        self.title = title

    def __repr__(self) -> str:
        n = sum(len(deck.cards) for deck in self.decks)
        return f"<Flashcards {self.title!r}: {n} cards>"

    def _downloads(self) -> list[tuple[str, str, str]]:
        """Exports as data: URIs, so that they download from a notebook too."""
        from .export import write_anki, tsv_lines

        with tempfile.TemporaryDirectory() as folder:
            path = write_anki(self.decks, Path(folder) / "deck.apkg")
            apkg = base64.b64encode(path.read_bytes()).decode()
        tsv = base64.b64encode(("\n".join(tsv_lines(self.decks)) + "\n").encode()).decode()
        stem = self.decks[0].name if len(self.decks) == 1 else "mlcourse-flashcards"
        return [("Anki (.apkg)", f"data:application/octet-stream;base64,{apkg}", f"{stem}.apkg"),
                ("Quizlet (.tsv)", f"data:text/tab-separated-values;base64,{tsv}", f"{stem}.tsv")]

    def html(self) -> str:
        markup = deck_html(self.decks, scope=self.scope, title=self.title, downloads=self._downloads())
        return f"<style>{asset('study.css')}</style>\n{markup}\n{inline_scripts()}"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            MIME_TYPE: {"decks": [deck.name for deck in self.decks], "scope": self.scope, "title": self.title},
            "text/html": self.html(),
            "text/plain": repr(self),
        }


def flashcards(*chapters: int | str, directory: str | Path | None = None) -> Flashcards:
    """The study component for some chapters' decks: ``flashcards(4)``; no argument: all.

    The last expression of a notebook cell displays it.
    """
    if chapters:
        decks = [load_deck(chapter, directory) for chapter in chapters]
    else:
        decks = load_decks(directory)
    if len(decks) == 1:
        return Flashcards(decks, scope=decks[0].name, title=f"Flashcards: {decks[0].title}")
    scope = "course" if not chapters else "+".join(deck.name for deck in decks)
    return Flashcards(decks, scope=scope, title="Flashcards: the whole course" if not chapters else
                      "Flashcards: " + ", ".join(deck.title for deck in decks))

