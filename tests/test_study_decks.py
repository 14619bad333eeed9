"""The flashcard decks (mlcourse/study/decks/*.toml): every chapter has one, every card is well formed,
every seed question of the study notes is answered by a card, and the exports read back."""

from __future__ import annotations

import csv
import re
import sqlite3
import tomllib
import zipfile
from pathlib import Path

import pytest

from mlcourse import study
from mlcourse.study import DeckError, load_deck, load_decks
from mlcourse.study._render import deck_html, markdown_html
from mlcourse.study.export import tsv_lines, write_all, write_anki, write_tsv

ROOT = Path(__file__).resolve().parents[1]
# The course's nine chapters (the names are fixed in the course plan; chapters not yet
# merged still have their deck, so that their page shows it the day it lands).
CHAPTERS = [
    "01_loss_functions", "02_gradient_descent", "03_sgd", "04_momentum", "05_nesterov",
    "06_adaptive_methods", "07_learning_rate_schedules", "08_hyperparameter_search", "09_ethics",
]
DECKS = load_decks()
CARDS = [card for deck in DECKS for card in deck.cards]
SEEDS = tomllib.loads((ROOT / "mlcourse" / "study" / "decks" / "seeds.toml").read_text(encoding="utf-8"))["seed"]


def test_every_chapter_has_a_deck():
    assert [deck.name for deck in DECKS] == CHAPTERS
    for page in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.md")):
        assert page.stem in CHAPTERS, f"{page.name} has no deck in mlcourse/study/decks/"
    for deck in DECKS:
        assert len(deck.cards) >= 15, f"{deck.name} has only {len(deck.cards)} cards"
        # Match mode needs terms; the glossary takes them from the decks too.
        assert sum(card.term is not None for card in deck.cards) >= 5, deck.name


OVERVIEW_TABS = ["In short", "Standard", "In depth"]
OVERVIEW = re.compile(r"^::::\{tab-set\}\n(.*?)^::::$", re.M | re.S)
MEMORY_AIDS = re.compile(r"^```\{admonition\} Memory aids?\b[^\n]*\n(:class: [^\n]*)$", re.M)


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_opens_with_its_overview_and_shows_its_deck_after_the_self_check(name):
    """Every chapter follows chapters 1-3 (CONTRIBUTING, "How to write a chapter"): the
    three-level overview that "Listen" reads aloud, in tabs before the first section; its
    memory aids, if any, right after it; and a "Flashcards" section after the self-check
    whose cell shows the chapter's deck, in JupyterLab as on the website."""
    text = (ROOT / "chapters" / f"{name}.md").read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    opening, titles, bodies = parts[0], parts[1::2], parts[2::2]
    # the overview: one tab set in colon fences (the form tests/lab's MyST check reads),
    # before the first section, with the three levels in order
    assert text.count("{tab-item} In short") == 1, f"{name}: one overview, whose first tab is 'In short'"
    overview = OVERVIEW.search(opening)
    assert overview, f"{name}: no ::::{{tab-set}} before the first section"
    items = re.split(r"^:::\{tab-item\} (.+)$", overview.group(1), flags=re.M)
    assert items[1::2] == OVERVIEW_TABS, f"{name}: the overview's tabs are {items[1::2]}"
    levels = [" ".join(body.replace(":::", "").split()) for body in items[2::2]]
    assert all(levels), f"{name}: an empty tab in the overview"
    assert len(levels[0]) < min(len(levels[1]), len(levels[2])), f"{name}: 'In short' is not the shortest level"
    # memory aids where a mnemonic helps: a tip right after the overview
    aids = MEMORY_AIDS.search(text)
    if aids:
        between = text[overview.end():aids.start()]
        assert between.strip() == "", f"{name}: the memory aids should follow the overview directly"
        assert aids.group(1) == ":class: tip", f"{name}: the memory aids are a tip box"
    # the deck: its own section right after the self-check, one cell showing this chapter's deck
    assert "Self-check" in titles, f"{name}: no Self-check section"
    after = titles.index("Self-check") + 1
    assert titles[after:after + 1] == ["Flashcards"], f"{name}: 'Flashcards' should follow 'Self-check'"
    cell = f"```{{code-cell}} ipython3\nfrom mlcourse import study\n\nstudy.flashcards({int(name[:2])})\n```"
    assert cell in bodies[after], f"{name}: the Flashcards section has no cell study.flashcards({int(name[:2])})"
    assert text.count("study.flashcards(") == 1, f"{name}: the deck is shown more than once"


def test_card_ids_are_unique_across_the_course_and_terms_are_unique():
    uids = [card.uid for card in CARDS]
    assert len(uids) == len(set(uids))
    terms = [card.term.lower() for card in CARDS if card.term]
    duplicates = {term for term in terms if terms.count(term) > 1}
    assert not duplicates, f"a term is defined by several cards: {sorted(duplicates)}"


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.uid)
def test_card_renders_with_its_math_typeset(card):
    for field in (card.front, card.back, card.short) + ((card.definition,) if card.definition else ()):
        rendered = markdown_html(field)
        # every $...$ became a math span: no dollar sign is left for the reader to see
        text_outside_math = re.sub(r'<(span|div) class="math[^"]*">.*?</\1>', "", rendered, flags=re.S)
        assert "$" not in text_outside_math.replace(r"\$", ""), (card.uid, field)
        assert "\\(" not in text_outside_math and "\\[" not in text_outside_math, (card.uid, field)
        # TeX inside math has balanced braces (an unbalanced one breaks MathJax on the card)
        for math in re.findall(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", rendered, flags=re.S):
            tex = "".join(math).replace(r"\{", "").replace(r"\}", "")
            assert tex.count("{") == tex.count("}"), (card.uid, tex)
    assert card.front.rstrip().endswith(("?", ".", ":")), f"{card.uid}: the front should be a question"
    assert card.tags[0] == f"chapter-{card.deck[:2]}" and card.tags[1].startswith("topic-")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+|\*|\\,", "", text).lower()


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"{seed['note']}:{seed['question'][:40]}")
def test_every_seed_question_of_the_notes_is_answered_by_a_card(seed):
    by_uid = {card.uid: card for card in CARDS}
    assert seed["card"] in by_uid, f"{seed['question']!r}: no card {seed['card']!r}"
    card = by_uid[seed["card"]]
    answer = _squeeze(" ".join([card.front, card.back, card.short, card.definition or ""]))
    for phrase in seed.get("must_say", []):
        assert _squeeze(phrase) in answer, f"{card.uid} should say {phrase!r} to answer {seed['question']!r}"
    for phrase in seed.get("must_not_say", []):
        assert _squeeze(phrase) not in answer, f"{card.uid} repeats the notes' error {phrase!r}"
    if "term" in seed:
        assert card.term == seed["term"], f"{card.uid} should define the glossary term {seed['term']!r}"


def test_the_seed_list_covers_every_question_of_the_notes():
    # 000: 18 questions; 001: 10 flashcards; 003: 21 questions; 004: 8 questions and 7 glossary terms.
    counts = {}
    for seed in SEEDS:
        counts[seed["note"]] = counts.get(seed["note"], 0) + 1
    assert counts == {"000": 18, "001": 10, "003": 21, "004": 15}
    questions = [(seed["note"], seed["question"]) for seed in SEEDS]
    assert len(questions) == len(set(questions)), "a seed question is listed twice"


# ------------------------------------------------------------- the format's checks
GOOD_CARD = '''
[[cards]]
id = "a-card"
topic = "the idea"
front = "What is $x$?"
back = "It is $x$."
short = "$x$"
'''


def _deck_file(tmp_path: Path, body: str, name: str = "04_momentum") -> Path:
    (tmp_path / f"{name}.toml").write_text(body, encoding="utf-8")
    return tmp_path


def test_a_well_formed_deck_loads(tmp_path):
    deck = load_deck(4, _deck_file(tmp_path, 'title = "Momentum"\n' + GOOD_CARD))
    assert deck.title == "Momentum" and [card.uid for card in deck.cards] == ["04-a-card"]


@pytest.mark.parametrize("change, message", [
    (lambda text: text.replace('id = "a-card"', 'id = "A card"'), "invalid id = 'A card'"),
    (lambda text: text.replace('short = "$x$"\n', ""), "missing field(s) ['short']"),
    (lambda text: text.replace('back = "It is $x$."', 'back = "It is $x."'), "unclosed $"),
    (lambda text: text.replace('back = "It is $x$."', "back = 'It is \\\\alpha.'"), "TeX command outside $...$"),
    (lambda text: text.replace('back = "It is $x$."', 'back = "It is <b>x</b>."'), "contains HTML"),
    (lambda text: text.replace('back = "It is $x$."', "back = 'It is \\\"x\\\".'"), "backslash outside math"),
    (lambda text: text.replace('short = "$x$"', f'short = "{"x" * 161}"'), "short has 161 characters"),
    (lambda text: text + 'term = "X"\n', "a term needs a definition"),
    (lambda text: text + 'colour = "red"\n', "unknown field(s) ['colour']"),
    (lambda text: text + GOOD_CARD, "duplicate card id 'a-card'"),
    (lambda text: text.replace('title = "Momentum"', 'title = ""'), "invalid title = ''"),
])
def test_a_malformed_deck_is_rejected_naming_file_card_and_field(tmp_path, change, message):
    body = change('title = "Momentum"\n' + GOOD_CARD)
    with pytest.raises(DeckError) as error:
        load_deck("04_momentum", _deck_file(tmp_path, body))
    assert "04_momentum.toml" in str(error.value)
    assert message in str(error.value)


def test_a_chapter_without_a_deck_is_named(tmp_path):
    with pytest.raises(DeckError, match=r"invalid chapter = 7: 0 deck files match"):
        load_deck(7, _deck_file(tmp_path, 'title = "Momentum"\n' + GOOD_CARD))


# ------------------------------------------------------------------- exports
def test_anki_package_reads_back_with_every_card_tagged(tmp_path):
    paths = write_all(DECKS, tmp_path)
    assert len(paths) == 2 * len(DECKS) + 2
    with zipfile.ZipFile(tmp_path / "mlcourse-all-chapters.apkg") as package:
        package.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        notes = db.execute("select flds, tags from notes").fetchall()
        n_cards = db.execute("select count(*) from cards").fetchone()[0]
        decks_json = db.execute("select decks from col").fetchone()[0]
    assert len(notes) == n_cards == len(CARDS)
    by_id = {fields.split("\x1f")[3]: (fields.split("\x1f"), tags.split()) for fields, tags in notes}
    assert set(by_id) == {card.uid for card in CARDS}
    card = next(card for card in CARDS if card.uid == "04-update-rule")
    fields, tags = by_id[card.uid]
    assert fields[0].startswith("<p>What is the momentum update rule?")
    assert "\\[m \\leftarrow \\beta" in fields[1] and 'class="math' not in fields[1]  # Anki's MathJax delimiters
    assert tags == list(card.tags)
    for deck in DECKS:
        assert f"How deep networks are trained::{deck.number}. {deck.title}" in decks_json


def test_one_deck_anki_package_has_that_deck_only(tmp_path):
    deck = load_deck(3)
    write_anki([deck], tmp_path / "d.apkg")
    with zipfile.ZipFile(tmp_path / "d.apkg") as package:
        package.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        assert db.execute("select count(*) from notes").fetchone()[0] == len(deck.cards)


def test_tsv_parses_as_question_and_answer_per_line(tmp_path):
    path = write_tsv(DECKS, tmp_path / "all.tsv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) == len(CARDS) == len(tsv_lines(DECKS))
    assert all(len(row) == 2 and row[0] and row[1] for row in rows)
    assert rows[0][0] == " ".join(CARDS[0].front.split())


def test_component_html_holds_every_card_and_the_notebook_bundle_is_self_contained():
    deck = load_deck(4)
    markup = deck_html([deck], scope=deck.name, title="t", downloads=[])
    assert markup.count('class="mls-card"') == len(deck.cards)
    bundle = study.flashcards(4)._repr_mimebundle_()
    assert bundle[study.MIME_TYPE]["decks"] == ["04_momentum"]
    html = bundle["text/html"]
    assert "<script src" not in html and not re.search(r"(src|href)=[\"']?(https?:)?//", html)
    assert "fetch(" not in html and "XMLHttpRequest" not in html
    assert "data:application/octet-stream;base64," in html  # the Anki export downloads from a notebook
