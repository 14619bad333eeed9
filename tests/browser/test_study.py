"""The flashcards on the built website (guide/study.html and every chapter page),
driven in Chromium with the network cut off: each study mode, the spaced-review
scheduler, progress that survives a reload, and the exports as they download."""

from __future__ import annotations

import csv
import html
import re
import sqlite3
import zipfile
from datetime import datetime

import pytest

from mlcourse.study import load_deck, load_decks

STUDY_PAGE = "guide/study.html"
CHAPTER_PAGE = "chapters/04_momentum.html"
READY = ".mlcourse-study[data-ready='true']"
STORE_JS = "() => JSON.parse(localStorage.getItem('mlcourse-study') || 'null')"


def _open(open_page, path, **kwargs):
    page, log = open_page(path, **kwargs)
    page.wait_for_selector(READY)
    return page, log


def _clean(log):
    assert log.blocked == [], f"requests to the network: {log.blocked}"
    assert log.console_errors == [], f"console errors: {log.console_errors}"
    assert log.failed == [], f"missing files: {log.failed}"


@pytest.mark.parametrize("deck", load_decks(), ids=lambda deck: deck.name)
def test_every_chapter_shows_its_deck_after_the_self_check(site, deck):
    page = site / f"chapters/{deck.name}.html"
    assert page.is_file(), f"no page for the deck {deck.name}"
    text = page.read_text(encoding="utf-8")
    assert text.count('class="mls-card"') == len(deck.cards), deck.name
    assert text.count('id="flashcards"') == 1
    assert text.index('id="self-check"') < text.index('id="flashcards"') < text.index('class="mls-card"')
    # shown by the chapter's own cell, study.flashcards(N), which JupyterLab runs too
    section = text[text.index('id="flashcards"'):text.index('class="mls-card"')]
    code = html.unescape(re.sub(r"<[^>]+>", "", section))
    assert f"study.flashcards({deck.number})" in code and 'class="cell_output' in section, deck.name


def test_cards_flip_and_move_with_mouse_and_keyboard(open_page):
    page, log = _open(open_page, CHAPTER_PAGE)
    deck = load_deck(4)
    card = page.locator(".mls-flashcard")
    assert card.get_attribute("data-id") == deck.cards[0].uid
    assert card.get_attribute("aria-pressed") == "false"
    assert page.locator(".mls-face-back").get_attribute("aria-hidden") == "true"
    card.click()
    assert card.get_attribute("aria-pressed") == "true"
    assert page.locator(".mls-face-back").get_attribute("aria-hidden") == "false"
    # the back shows the card's answer, math typeset by the site's MathJax
    assert page.locator(".mls-face-back mjx-container").count() > 0 or "$" not in deck.cards[0].back
    card.focus()
    page.keyboard.press("Space")
    assert page.locator(".mls-flashcard").get_attribute("aria-pressed") == "false"
    page.keyboard.press("ArrowRight")
    assert page.locator(".mls-flashcard").get_attribute("data-id") == deck.cards[1].uid
    page.keyboard.press("ArrowLeft")
    assert page.locator(".mls-flashcard").get_attribute("data-id") == deck.cards[0].uid
    _clean(log)


def test_tabs_are_keyboard_usable(open_page):
    page, log = _open(open_page, CHAPTER_PAGE)
    page.locator(".mls-tab[data-mode='cards']").focus()
    page.keyboard.press("ArrowRight")
    assert page.locator(".mls-tab[aria-selected='true']").get_attribute("data-mode") == "learn"
    assert page.locator(".mls-panel").get_attribute("data-mode") == "learn"
    page.keyboard.press("End")
    assert page.locator(".mls-panel").get_attribute("data-mode") == "review"
    _clean(log)


def test_learn_brings_a_missed_card_back_two_cards_later_and_finishes(open_page):
    page, log = _open(open_page, CHAPTER_PAGE)
    page.click(".mls-tab[data-mode='learn']")
    missed = page.locator(".mls-question").get_attribute("data-id")
    wrong = page.locator(f".mls-option:not([data-id='{missed}'])").first
    wrong.click()
    assert page.locator(".mls-feedback").get_attribute("data-result") == "wrong"
    assert page.locator(f".mls-option.is-correct[data-id='{missed}']").count() == 1
    page.click(".mls-continue")
    seen = []
    for _ in range(2):
        seen.append(page.locator(".mls-question").get_attribute("data-id"))
        page.keyboard.press(str(_right_option_key(page)))  # answer with the number keys
        assert page.locator(".mls-feedback").get_attribute("data-result") == "correct"
        page.click(".mls-continue")
    assert missed not in seen
    assert page.locator(".mls-question").get_attribute("data-id") == missed  # back after two others
    # answer everything right until the session ends: every card learned
    for _ in range(200):
        if page.locator(".mls-done").count():
            break
        page.locator(f".mls-option[data-id='{page.locator('.mls-question').get_attribute('data-id')}']").click()
        page.click(".mls-continue")
    learned = page.locator(".mls-learned")
    assert learned.get_attribute("data-learned") == learned.get_attribute("data-total") == "20"
    assert "1 of them missed" in page.locator(".mls-done").inner_text()
    _clean(log)


def _right_option_key(page) -> int:
    answer = page.locator(".mls-question").get_attribute("data-id")
    ids = [option.get_attribute("data-id") for option in page.locator(".mls-option").all()]
    return ids.index(answer) + 1


# Math.random replaced by a seeded generator (mulberry32), so that the test set drawn is the
# same on every run (with Math.random, about one draw in 650 has no card that can be typed).
SEEDED_RANDOM = """
(() => { let a = 12345; Math.random = () => { a |= 0; a = (a + 0x6D2B79F5) | 0;
  let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }; })();
"""


def test_test_mode_scores_multiple_choice_and_typed_answers(open_page):
    page, log = _open(open_page, CHAPTER_PAGE, init_script=SEEDED_RANDOM)
    deck = {card.uid: card for card in load_deck(4).cards}
    page.click(".mls-tab[data-mode='test']")
    questions = page.locator(".mls-test-question")
    assert questions.count() == 10
    kinds = [question.get_attribute("data-kind") for question in questions.all()]
    assert "mc" in kinds and "typed" in kinds
    expected = 0
    for index, question in enumerate(questions.all()):
        card = deck[question.get_attribute("data-id")]
        answer_right = index % 3 != 0  # answer two in three right, the rest wrong
        expected += answer_right
        if question.get_attribute("data-kind") == "mc":
            options = question.locator("input[type=radio]")
            assert options.count() >= 2
            target = card.uid if answer_right else next(
                option.get_attribute("value") for option in options.all() if option.get_attribute("value") != card.uid)
            question.locator(f"input[value='{target}']").check()
        else:
            typed = (card.answers[0] if card.answers else card.term.upper()) if answer_right else "no idea"
            question.locator("input.mls-typed").fill(typed)
    page.click(".mls-submit")
    score = page.locator(".mls-score")
    assert score.get_attribute("data-score") == str(expected)
    assert score.get_attribute("data-total") == "10"
    results = [question.get_attribute("data-result") for question in questions.all()]
    assert results == ["wrong" if index % 3 == 0 else "correct" for index in range(10)]
    store = page.evaluate(STORE_JS)
    assert store["tests"]["04_momentum"]["last"] == pytest.approx(expected / 10)
    _clean(log)


def test_match_pairs_terms_with_definitions_against_the_clock(open_page):
    page, log = _open(open_page, CHAPTER_PAGE)
    page.click(".mls-tab[data-mode='match']")
    page.click(".mls-start")
    terms = page.locator(".mls-tile-term")
    assert terms.count() == 6 == page.locator(".mls-tile-definition").count()
    # a wrong pair costs a second
    first, second = terms.nth(0).get_attribute("data-id"), terms.nth(1).get_attribute("data-id")
    terms.nth(0).click()
    page.click(f".mls-tile-definition[data-id='{second}']")
    assert "+1 s" in page.locator(".mls-match-status").inner_text()
    assert first != second
    for card_id in [term.get_attribute("data-id") for term in terms.all()]:
        page.click(f".mls-tile-term[data-id='{card_id}']")
        page.click(f".mls-tile-definition[data-id='{card_id}']")
    result = page.locator(".mls-match-result")
    seconds = float(result.get_attribute("data-seconds"))
    assert 1.0 <= seconds < 60, seconds  # includes the one-second penalty
    assert page.evaluate(STORE_JS)["match"]["04_momentum"]["best"] == pytest.approx(seconds, abs=0.06)
    _clean(log)


def _rate(page, confidence: int) -> tuple[str, datetime, datetime]:
    """Show the review card's answer, rate it; return (card id, when rated, due date)."""
    card_id = page.locator(".mls-review-card").get_attribute("data-id")
    page.keyboard.press("Space") if page.locator(".mls-show").is_visible() else None
    page.locator(".mls-rating").wait_for(state="visible")
    before = datetime.fromisoformat(page.evaluate("() => new Date().toISOString()").replace("Z", "+00:00"))
    page.locator(f".mls-rate[data-confidence='{confidence}']").click()
    status = page.locator(".mls-review-status")
    assert status.get_attribute("data-id") == card_id
    due = datetime.fromisoformat(status.get_attribute("data-due").replace("Z", "+00:00"))
    return card_id, before, due


def test_review_rating_sets_when_the_card_is_due_and_progress_survives_a_reload(open_page):
    page, log = _open(open_page, CHAPTER_PAGE)
    page.click(".mls-tab[data-mode='review']")
    # the buttons say, before rating, when each rating would bring the card back
    page.click(".mls-show")
    labels = [page.locator(f".mls-rate[data-confidence='{c}'] .mls-interval").inner_text() for c in range(1, 6)]
    assert labels[0] != labels[4] and "day" in labels[4]
    forgot, at, due_forgot = _rate(page, 1)
    known, at2, due_known = _rate(page, 5)
    assert forgot != known
    # FSRS: "not at all" brings a new card back within minutes, "perfectly" after days
    assert (due_forgot - at).total_seconds() < 120
    assert (due_known - at2).days >= 2
    store = page.evaluate(STORE_JS)
    assert set(store["cards"]) == {forgot, known}
    assert store["cards"][known]["reps"] == 1 and store["cards"][known]["state"] == 2
    assert datetime.fromisoformat(store["cards"][known]["due"].replace("Z", "+00:00")) == due_known
    stats = page.locator(".mls-stats")
    assert stats.get_attribute("data-seen") == "2"

    page.reload()
    page.wait_for_selector(READY)
    assert page.evaluate(STORE_JS)["cards"][known]["due"] == store["cards"][known]["due"]
    assert page.locator(".mls-stats").get_attribute("data-seen") == "2"
    page.click(".mls-tab[data-mode='review']")
    counts = page.locator(".mls-review-counts")
    assert counts.get_attribute("data-new") == str(len(load_deck(4).cards) - 2)

    # the study page reads the same progress, in chapter 4's row
    page.goto(page.url.replace(CHAPTER_PAGE, STUDY_PAGE))
    page.wait_for_selector(READY)
    row = page.locator("tr[data-deck='04_momentum']")
    assert row.locator(".mls-seen").inner_text() == "2"
    assert page.locator("tr[data-deck='03_sgd'] .mls-seen").inner_text() == "0"

    # reset, after a confirmation, forgets it all
    page.click(".mls-reset-button")
    page.click(".mls-reset-confirm")
    assert page.locator(".mls-stats").get_attribute("data-seen") == "0"
    page.reload()
    page.wait_for_selector(READY)
    assert page.locator("tr[data-deck='04_momentum'] .mls-seen").inner_text() == "0"
    _clean(log)


def test_study_page_filters_chapters(open_page):
    page, log = _open(open_page, STUDY_PAGE)
    assert page.locator("tr[data-deck]").count() == len(load_decks())
    for box in page.locator(".mls-deck-filter").all():
        if box.get_attribute("value") != "09_ethics":
            box.uncheck()
    page.click(".mls-tab[data-mode='cards']")
    ethics = {card.uid for card in load_deck(9).cards}
    for _ in range(3):
        assert page.locator(".mls-flashcard").get_attribute("data-id") in ethics
        page.click(".mls-next")
    assert page.locator(".mls-position").inner_text().endswith(f"of {len(ethics)}")
    _clean(log)


@pytest.mark.parametrize("path", [STUDY_PAGE, CHAPTER_PAGE])
def test_exports_download_and_read_back(open_page, tmp_path, path):
    page, log = _open(open_page, path)
    decks = load_decks() if path == STUDY_PAGE else [load_deck(4)]
    n_cards = sum(len(deck.cards) for deck in decks)
    files = {}
    for link in page.locator(".mls-download").all():
        with page.expect_download() as info:
            link.click()
        download = info.value
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        files[target.suffix] = target
    assert set(files) == {".apkg", ".tsv"}
    with zipfile.ZipFile(files[".apkg"]) as package:
        package.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        ids = {row[0].split("\x1f")[3] for row in db.execute("select flds from notes")}
    assert ids == {card.uid for deck in decks for card in deck.cards}
    with files[".tsv"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert len(rows) == n_cards and all(len(row) == 2 for row in rows)
    _clean(log)


@pytest.mark.parametrize("path", [STUDY_PAGE, CHAPTER_PAGE])
def test_readable_at_phone_width(open_page, path):
    page, log = _open(open_page, path, width=375, height=740)
    component = page.locator(".mlcourse-study")
    assert component.bounding_box()["width"] <= 375
    for mode in ("cards", "learn", "test", "match", "review"):
        page.click(f".mls-tab[data-mode='{mode}']")
        if mode == "match":
            page.click(".mls-start")
        overflow = page.evaluate("""() => [...document.querySelectorAll('.mlcourse-study *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.offsetParent !== null
                         && !e.closest('mjx-container') && !e.closest('.mls-source'))
            .map(e => e.className || e.tagName).slice(0, 5)""")
        assert overflow == [], f"{mode}: wider than the screen: {overflow}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _clean(log)


def test_glossary_has_every_term_and_chapter_links_resolve(open_page, site):
    glossary = (site / "guide/glossary.html").read_text(encoding="utf-8")
    terms = [card for deck in load_decks() for card in deck.cards if card.term]
    anchors = set(re.findall(r'<dt id="(term-[^"]+)"', glossary))
    assert glossary.count('<dl class="simple glossary">') == 1
    shown = {html.unescape(term).replace("\u2019", "'") for term in re.findall(r'<dt id="term-[^"]+">([^<]+)', glossary)}
    assert {card.term for card in terms} <= shown
    linked = 0
    for page in sorted(site.glob("chapters/*.html")):
        for target in re.findall(r'href="../guide/glossary.html#(term-[^"]+)"', page.read_text(encoding="utf-8")):
            assert target in anchors, f"{page.name} links to a missing glossary entry {target}"
            linked += 1
    assert linked >= 20
    # in the browser: a term link on a chapter page opens its entry
    page, log = open_page(CHAPTER_PAGE)
    link = page.locator("article a[href*='glossary.html#term-Momentum']").first
    link.click()
    page.wait_for_url("**/guide/glossary.html#term-Momentum")
    assert page.locator("#term-Momentum").is_visible()
    _clean(log)


FAKE_SPEECH = """(() => {
    const voices = %s;
    window.__spoken = [];
    class Utterance { constructor(text) { this.text = text; } }
    const synth = {
        speaking: false,
        getVoices: () => voices,
        speak(utterance) { window.__spoken.push({text: utterance.text, lang: utterance.lang}); this.current = utterance; },
        cancel() { window.__cancelled = (window.__cancelled || 0) + 1; },
        addEventListener() {},
        finish() { if (this.current && this.current.onend) this.current.onend(); },
    };
    Object.defineProperty(window, "speechSynthesis", {value: synth, configurable: true});
    Object.defineProperty(window, "SpeechSynthesisUtterance", {value: Utterance, configurable: true});
})();"""


def _open_with_speech(browser, server, path, voices):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort())
    context.add_init_script(FAKE_SPEECH % voices)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + path, wait_until="load")
    return context, page, errors


@pytest.mark.parametrize("chapter", [deck.name for deck in load_decks()])
def test_listen_reads_the_open_overview_tab_aloud(browser, server, chapter):
    context, page, errors = _open_with_speech(browser, server, f"chapters/{chapter}.html", '[{"name": "test"}]')
    try:
        button = page.locator(".mls-listen")
        button.wait_for()
        assert button.count() == 1
        # it sits just above the overview, whose first tab is "In short"
        assert page.evaluate("document.querySelector('.mls-listen').nextElementSibling.classList"
                             ".contains('sd-tab-set')")
        overview = page.locator(".mls-listen + .sd-tab-set")
        short_text = " ".join(overview.locator(".sd-tab-content").first.inner_text().split())
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        spoken = page.evaluate("window.__spoken")
        assert len(spoken) == 1 and spoken[0]["text"].startswith("In short. ")
        assert spoken[0]["lang"] == "en"
        first_words = " ".join(short_text.split()[:4])
        assert first_words in spoken[0]["text"]
        # pressing again stops; finishing resets the control
        button.click()
        assert button.get_attribute("aria-pressed") == "false" and page.evaluate("window.__cancelled") >= 1
        overview.locator(".sd-tab-label", has_text="In depth").click()
        button.click()
        spoken = page.evaluate("window.__spoken")
        assert spoken[-1]["text"].startswith("In depth. ")
        assert "\\\\" not in spoken[-1]["text"] and "$" not in spoken[-1]["text"]
        page.evaluate("window.speechSynthesis.finish()")
        assert button.get_attribute("aria-pressed") == "false"
        assert errors == []
    finally:
        context.close()


def test_no_listen_control_without_a_voice(browser, server):
    context, page, errors = _open_with_speech(browser, server, CHAPTER_PAGE, "[]")
    try:
        page.wait_for_selector(READY)
        assert page.locator(".mls-listen").count() == 0
        assert errors == []
    finally:
        context.close()


def test_notebook_output_works_on_its_own_without_network(browser):
    """The text/html that study.flashcards(4) gives JupyterLab carries everything inline."""
    from mlcourse import study

    bundle = study.flashcards(4)._repr_mimebundle_()
    context = browser.new_context()
    requests = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.set_content(f"<!DOCTYPE html><html lang='en'><body>{bundle['text/html']}</body></html>")
        page.wait_for_selector(READY)
        page.click(".mls-tab[data-mode='review']")
        page.click(".mls-show")
        page.click(".mls-rate[data-confidence='5']")
        assert page.locator(".mls-review-status").get_attribute("data-confidence") == "5"
        assert page.locator(".mls-download").count() == 2
        assert requests == [] and errors == []
    finally:
        context.close()


def test_the_myst_nb_renderer_is_registered_and_renders_a_deck_node():
    """A chapter cell ``study.flashcards(4)`` becomes the website's component, not the inline HTML."""
    from importlib.metadata import entry_points
    from types import SimpleNamespace

    from mlcourse import study
    from mlcourse.sphinxext.study import FlashcardsMimeRenderer, flashcards

    names = [entry.value for entry in entry_points(group="myst_nb.mime_renderers")]
    assert "mlcourse.sphinxext.study:FlashcardsMimeRenderer" in names
    data = SimpleNamespace(mime_type=study.MIME_TYPE, content=study.flashcards(4)._repr_mimebundle_()[study.MIME_TYPE])
    [node] = FlashcardsMimeRenderer.handle_mime(None, data, inline=False)
    assert isinstance(node, flashcards) and node["decks"] == ["04_momentum"] and node["scope"] == "04_momentum"
    assert FlashcardsMimeRenderer.handle_mime(None, SimpleNamespace(mime_type="text/html", content=""), False) is None
