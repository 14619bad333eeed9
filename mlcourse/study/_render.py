"""HTML of a deck: the same markup on the website and in JupyterLab.

Every card is written into the page (front, back, short answer, definition), with
its math as ``<span class="math">\\(...\\)</span>``, the markup Sphinx uses. Whatever
typesets the page (the site's MathJax, or JupyterLab's) therefore typesets every card
once, when the page or output is shown; ``study.js`` builds the study modes from
copies of these typeset nodes, so it never has to load or call MathJax itself.
Without JavaScript the list of cards stays visible, questions with their answers.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

from ._decks import Deck

STATIC_DIR = Path(__file__).resolve().parent / "static" / "mlcourse-study"
# Replaced by the relative path to the site's root when Sphinx writes the page.
ROOT_PLACEHOLDER = "%%MLCOURSE-STUDY-ROOT%%"
MODES = [("cards", "Cards"), ("learn", "Learn"), ("test", "Test"), ("match", "Match"), ("review", "Review")]


def _inline_math(content: str) -> str:
    return f'<span class="math notranslate nohighlight">\\({html.escape(content.strip(), quote=False)}\\)</span>'


def _display_math(content: str) -> str:
    return f'<div class="math notranslate nohighlight">\\[{html.escape(content.strip(), quote=False)}\\]</div>\n'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # html=False: raw HTML in a deck is shown as text, never injected into the page.
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.use(dollarmath_plugin, allow_labels=False, allow_space=True, allow_digits=True, double_inline=True)
    # Math as Sphinx writes it, so that the page's MathJax finds it (and the site's tests too).
    md.add_render_rule("math_inline", lambda self, tokens, idx, options, env: _inline_math(tokens[idx].content))
    md.add_render_rule("math_inline_double",
                       lambda self, tokens, idx, options, env: _display_math(tokens[idx].content))
    md.add_render_rule("math_block", lambda self, tokens, idx, options, env: _display_math(tokens[idx].content))
    return md


def markdown_html(text: str, *, inline: bool = False) -> str:
    """Render a card field (Markdown with $ math) to HTML."""
    md = _markdown()
    if inline:
        return md.renderInline(text)
    return md.render(text).strip()


def markdown_plain(text: str) -> str:
    """A card field as one line of plain text (for the Quizlet export): math kept as TeX."""
    return " ".join(text.replace("`", "").replace("**", "").split())


def asset(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def _card_html(card, number: int) -> str:
    attributes = {
        "data-id": card.uid,
        "data-deck": card.deck,
        "data-topic": card.topic,
    }
    if card.answers:
        attributes["data-answers"] = json.dumps(list(card.answers), ensure_ascii=False)
    if card.term:
        attributes["data-term"] = card.term
        attributes["data-aliases"] = json.dumps([card.term, *card.aliases], ensure_ascii=False)
    attrs = " ".join(f'{key}="{html.escape(value)}"' for key, value in attributes.items())
    parts = [
        f'<li class="mls-card" {attrs}>',
        f'<div class="mls-front"><span class="mls-label">Q{number}.</span> {markdown_html(card.front)}</div>',
        f'<div class="mls-back">{markdown_html(card.back)}</div>',
        f'<div class="mls-short">{markdown_html(card.short)}</div>',
    ]
    if card.term:
        parts.append(f'<div class="mls-term">{html.escape(card.term)}</div>')
        parts.append(f'<div class="mls-definition">{markdown_html(card.definition)}</div>')
    parts.append("</li>")
    return "\n".join(parts)


def deck_html(decks: list[Deck], *, scope: str, title: str, downloads: list[tuple[str, str, str]],
              chapter_links: dict[str, str] | None = None, note: str = "") -> str:
    """The markup of one study component over ``decks`` (one chapter, or the course).

    ``scope`` names the component in the learner's saved progress (``"04_momentum"``
    or ``"course"``). ``downloads`` is a list of (label, href, file name); ``chapter_links``
    maps a deck name to the URL of its chapter (the course-wide component links
    each chapter's row of the progress table).
    """
    uid = f"mlcourse-study-{scope}"
    deck_meta = [
        {"name": deck.name, "number": deck.number, "title": deck.title, "cards": len(deck.cards),
         "href": (chapter_links or {}).get(deck.name)}
        for deck in decks
    ]
    n_cards = sum(len(deck.cards) for deck in decks)
    tabs = "".join(
        f'<button type="button" role="tab" class="mls-tab" data-mode="{mode}" id="{uid}-tab-{mode}" '
        f'aria-controls="{uid}-panel" aria-selected="false" tabindex="-1">{label}</button>'
        for mode, label in MODES
    )
    cards = []
    for deck in decks:
        for number, card in enumerate(deck.cards, start=1):
            cards.append(_card_html(card, number))
    links = " · ".join(f'<a class="mls-download" href="{html.escape(href)}" download="{html.escape(name)}">'
                       f"{html.escape(label)}</a>" for label, href, name in downloads)
    return "\n".join([
        f'<div class="mlcourse-study" id="{uid}" data-scope="{html.escape(scope)}" '
        f'data-lm-suppress-shortcuts="true" '
        f"data-decks='{html.escape(json.dumps(deck_meta, ensure_ascii=False), quote=True)}'>",
        '<div class="mls-header">',
        f'<p class="mls-title">{html.escape(title)} <span class="mls-count">· {n_cards} cards</span></p>',
        '<p class="mls-stats" aria-live="polite"></p>',
        "</div>",
        f'<div class="mls-tabs" role="tablist" aria-label="Study mode" hidden>{tabs}</div>',
        f'<div class="mls-panel" id="{uid}-panel" role="tabpanel" tabindex="-1" hidden></div>',
        (f'<p class="mls-note">{note}</p>' if note else ""),
        f'<ol class="mls-cards">{"".join(cards)}</ol>',
        '<div class="mls-footer">',
        f'<p class="mls-downloads">Download: {links}</p>' if links else "",
        '<p class="mls-reset" hidden><button type="button" class="mls-button mls-reset-button">'
        "Reset my progress</button></p>",
        "</div>",
        "</div>",
    ])
