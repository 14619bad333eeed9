"""Sphinx extension: the course's flashcards on the website (see ``mlcourse.study``).

* A chapter shows its deck with a code cell, ``study.flashcards(4)``. Its output
  carries the MIME type ``application/vnd.mlcourse.flashcards+json``, which the
  renderer below (a myst-nb mime renderer plugin, registered in ``pyproject.toml``'s
  entry points) turns into a :class:`flashcards` node, rendered from the deck files
  when the page is written: an edited deck is never shown from a stale cached output.
* Every chapter page (``chapters/NN_slug``) whose deck exists and that does not show
  it already gets a section "Flashcards" after its "Self-check" (or at its end),
  added by :class:`ChapterFlashcards` when the page is read: the chapters need no
  cell of their own, and a chapter shows its deck the day it lands.
* Pages that are not notebooks (the study page) use the directive::

      ```{flashcards}
      ```

  (every deck) or ```` ```{flashcards} 4 ```` (one chapter's).
* Chapter pages get ``listen.js``: a control that reads the open tab of the chapter's
  three-level overview aloud with the browser's speech synthesis, where it has a voice.
* Pages with a deck get ``study.js``, the vendored ``ts-fsrs`` and ``study.css``
  (from ``_static/mlcourse-study/``) and MathJax; other pages get nothing.
* The glossary page uses ```` ```{deck-glossary} ```` : every term of the decks (a
  card with ``term``) with its definition, other names and chapter, as a Sphinx
  glossary. On every chapter page, :class:`GlossaryLinks` links the first mention of
  each term (or of another name of it) in the prose to its entry; the strict build
  fails if a link does not resolve.
* When the build finishes, every deck and the whole course are exported to
  ``_build/html/decks/`` as Anki packages and Quizlet TSV files
  (``mlcourse.study.export``); the components link to them.

Enable it with ``sphinx: extra_extensions: [mlcourse.sphinxext.study]``.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from mlcourse.study import MIME_TYPE, DeckError, load_deck, load_decks
from mlcourse.study._render import STATIC_DIR, deck_html
from mlcourse.study.export import export_names, write_all

logger = logging.getLogger(__name__)

EXPORT_DIR = "decks"  # in the build output
STUDY_PAGE = "guide/study"
ASSETS_JS = ["mlcourse-study/ts-fsrs/ts-fsrs.umd.js", "mlcourse-study/study.js"]
ASSETS_CSS = ["mlcourse-study/study.css"]
LISTEN_JS = "mlcourse-study/listen.js"


class flashcards(nodes.General, nodes.Element):  # noqa: N801 - docutils node naming
    """A study component: attributes ``decks`` (deck names, empty for all) and ``scope``."""


def _decks_of(names: list[str]):
    return [load_deck(name) for name in names] if names else load_decks()


def _title(decks, names: list[str]) -> str:
    if not names:
        return "Flashcards: the whole course"
    return "Flashcards: " + ", ".join(deck.title for deck in decks)


class FlashcardsDirective(SphinxDirective):
    """``{flashcards} [chapter ...]``: the study component of some decks, or of all."""

    optional_arguments = 20
    has_content = False
    option_spec = {"class": directives.class_option}

    def run(self):
        try:
            decks = [load_deck(argument) for argument in self.arguments] if self.arguments else load_decks()
        except DeckError as error:
            raise self.error(f"flashcards: {error}") from error
        names = [deck.name for deck in decks] if self.arguments else []
        scope = "course" if not names else "+".join(names)
        return [flashcards(decks=names, scope=scope)]


class FlashcardsMimeRenderer:
    """myst-nb mime renderer for the outputs of ``mlcourse.study.flashcards(...)``."""

    mime_priority_overrides = [("*", MIME_TYPE, 1)]

    @staticmethod
    def handle_mime(renderer, data, inline):
        if inline or data.mime_type != MIME_TYPE:
            return None
        content = data.content if isinstance(data.content, dict) else {}
        names = list(content.get("decks") or [])
        try:
            decks = [load_deck(name) for name in names]
        except DeckError as error:
            renderer.logger.warning(f"flashcards: {error}", subtype="flashcards")
            return []
        scope = names[0] if len(names) == 1 else "+".join(names)
        if not decks:
            scope = "course"
        return [flashcards(decks=names, scope=scope)]


CHAPTER_DOC = re.compile(r"^chapters/(?P<name>\d\d_[a-z0-9_]+)$")


class ChapterFlashcards(SphinxTransform):
    """Add the chapter's deck to its page, as a section after "Self-check"."""

    default_priority = 400

    def apply(self, **kwargs) -> None:
        match = CHAPTER_DOC.match(self.env.docname)
        if not match or any(True for _ in self.document.findall(flashcards)):
            return
        name = match["name"]
        try:
            deck = load_deck(name)
        except DeckError:
            return  # a chapter without a deck; tests/test_study_decks.py names it
        top = next(iter(self.document.findall(nodes.section)), None)
        if top is None:
            return
        section = nodes.section(ids=["flashcards"], names=["flashcards"])
        section += nodes.title(text="Flashcards")
        section += nodes.paragraph(text=(
            f"The {len(deck.cards)} cards of this chapter, with five ways to study them: turn the cards "
            "over, learn them with quick questions that bring back what you miss, take a scored test, "
            "match terms with their definitions against the clock, or review them spaced over days, "
            "rating how well you knew each one. Your progress stays in this browser."))
        section += flashcards(decks=[name], scope=name)
        self.document.note_implicit_target(section, section)
        children = [child for child in top.children if isinstance(child, nodes.section)]
        after = next((child for child in children if "self-check" in child["ids"]), None)
        if after is not None:
            top.insert(top.index(after) + 1, section)
        else:
            top += section


GLOSSARY_PAGE = "guide/glossary"
# Where a term's mention is not linked: headings, code, math, links, figure captions,
# notebook outputs, and the flashcards themselves.
NO_LINK_PARENTS = (nodes.title, nodes.literal, nodes.literal_block, nodes.math, nodes.math_block,
                   nodes.reference, nodes.raw, nodes.caption, nodes.rubric, nodes.term,
                   addnodes.pending_xref, addnodes.desc_signature, nodes.citation_reference,
                   nodes.footnote_reference, nodes.field_name, flashcards)


def glossary_entries():
    """(names, card) of every term in the decks: names are the term, then its other names."""
    entries = []
    for deck in load_decks():
        for card in deck.cards:
            if card.term is None:
                continue
            names, seen = [], set()
            for name in (card.term, *card.aliases):
                if name.lower() not in seen:
                    seen.add(name.lower())
                    names.append(name)
            entries.append((names, card))
    return sorted(entries, key=lambda entry: entry[0][0].lower())


class DeckGlossaryDirective(SphinxDirective):
    """``{deck-glossary}``: a Sphinx glossary of every term in the decks."""

    has_content = False

    def run(self):
        try:
            entries = glossary_entries()
        except DeckError as error:
            raise self.error(f"deck-glossary: {error}") from error
        lines = ["```{glossary}"]
        for names, card in entries:
            lines.append(names[0])  # other names link to this entry; they are listed, not entries
            chapter = f"chapters/{card.deck}"
            where = (f"{{doc}}`Chapter {card.deck[:2].lstrip('0')} </{chapter}>`" if chapter in self.env.found_docs
                     else f"Chapter {card.deck[:2].lstrip('0')}")
            definition = " ".join(card.definition.split())
            others = [name for name in names[1:] if _linkable(name) or name.isupper()]
            also = f" Also called {', '.join(others)}." if others else ""
            lines += [f"  {definition}{also} ({where}.)", ""]
        lines.append("```")
        container = nodes.container(classes=["mlcourse-glossary"])
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]), self.content_offset, container)
        for deck in load_decks():
            self.env.note_dependency(str(deck.path))
        return container.children


# Other names accepted as typed answers but too loose to link wherever they appear.
NOT_LINKED = {"trial and error", "random sampling", "stationary loss", "log scale", "selection bias",
              "black box", "terminal velocity", "absolute error", "squared error", "effective step"}


def _linkable(alias: str) -> bool:
    """Link another name only if it is specific: a name with capitals, or several words."""
    return alias.lower() not in NOT_LINKED and (any(ch.isupper() for ch in alias) or " " in alias or "-" in alias)


def _term_pattern():
    names = {}
    for entry_names, _ in glossary_entries():
        for index, name in enumerate(entry_names):
            if index == 0 or _linkable(name):
                names[name.lower()] = entry_names[0].lower()
    alternatives = sorted(names, key=len, reverse=True)  # longest first: "stochastic gradient descent"
    # a plural "s" is part of the mention ("epochs", "saddle points")
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(name) for name in alternatives) + r")s?(?![\w-])",
                         re.IGNORECASE)
    return pattern, names


class GlossaryLinks(SphinxTransform):
    """Link the first mention of each glossary term in a chapter's prose to the glossary."""

    default_priority = 410

    def apply(self, **kwargs) -> None:
        if not CHAPTER_DOC.match(self.env.docname) or GLOSSARY_PAGE not in self.env.found_docs:
            return
        try:
            pattern, names = _term_pattern()
        except DeckError:
            return
        linked: set[str] = set()
        for text in list(self.document.findall(nodes.Text)):
            parent = text.parent
            if not isinstance(parent, (nodes.paragraph, nodes.emphasis, nodes.strong, nodes.inline)):
                continue
            if _inside(text, NO_LINK_PARENTS) or _in_output(text):
                continue
            self._link(text, pattern, names, linked)

    def _link(self, text: nodes.Text, pattern, names, linked: set[str]) -> None:
        source = str(text)
        pieces, last = [], 0
        for match in pattern.finditer(source):
            target = names[match.group(1).lower()]
            if target in linked:
                continue
            linked.add(target)
            pieces.append(nodes.Text(source[last:match.start()]))
            reference = addnodes.pending_xref("", refdomain="std", reftype="term", reftarget=target,
                                              refexplicit=True, refwarn=True, refdoc=self.env.docname)
            reference += nodes.inline(match.group(0), match.group(0), classes=["xref", "std", "std-term"])
            pieces.append(reference)
            last = match.end()
        if not pieces:
            return
        pieces.append(nodes.Text(source[last:]))
        parent = text.parent
        index = parent.index(text)
        parent.remove(text)
        for offset, piece in enumerate(pieces):
            if isinstance(piece, nodes.Text) and not str(piece):
                continue
            parent.insert(index, piece)
            index += 1


def _inside(node, types) -> bool:
    node = node.parent
    while node is not None:
        if isinstance(node, types):
            return True
        node = node.parent
    return False


def _in_output(node) -> bool:
    """In a notebook cell's output, a dropdown's title, or an admonition's title."""
    node = node.parent
    while node is not None:
        classes = node.get("classes", []) if isinstance(node, nodes.Element) else []
        if "cell_output" in classes or "admonition-title" in classes or "sd-summary-title" in classes:
            return True
        node = node.parent
    return False


def _relative(docname: str, target: str) -> str:
    """URL of ``target`` (a path from the site's root) from the page of ``docname``."""
    return posixpath.relpath(target, posixpath.dirname(docname) or ".")


def visit_flashcards_html(self, node: flashcards) -> None:
    names = node["decks"]
    decks = _decks_of(names)
    docname = self.builder.current_docname
    env = self.builder.env
    downloads = []
    for label, name in zip(("Anki (.apkg)", "Quizlet (.tsv)"), export_names(decks[0] if len(names) == 1 else None)):
        if len(names) > 1:
            break  # several chosen decks have no single export; the course's and each deck's exist
        downloads.append((label, _relative(docname, f"{EXPORT_DIR}/{name}"), name))
    chapter_links = {
        deck.name: self.builder.get_relative_uri(docname, deck.chapter)
        for deck in decks if deck.chapter in env.all_docs
    }
    note = ""
    if node["scope"] != "course" and STUDY_PAGE in env.all_docs and STUDY_PAGE != docname:
        href = self.builder.get_relative_uri(docname, STUDY_PAGE)
        note = f'All chapters, and your progress in each, are on the <a href="{href}">study page</a>.'
    self.body.append(deck_html(decks, scope=node["scope"], title=_title(decks, names), downloads=downloads,
                               chapter_links=chapter_links, note=note))
    raise nodes.SkipNode


def skip_node(self, node) -> None:
    raise nodes.SkipNode


def mark_pages_with_decks(app: Sphinx, doctree) -> None:
    """Pages with a deck load MathJax (its cards have math) and depend on the deck files."""
    found = list(doctree.findall(flashcards))
    if not found:
        return
    env = app.env
    env.get_domain("math").data["has_equations"][env.docname] = True
    for node in found:
        for deck in _decks_of(node["decks"]):
            env.note_dependency(str(deck.path))


def add_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Scripts and stylesheet of the study component, on the pages that show one.

    Chapter pages also get ``listen.js``, which reads their overview aloud.
    """
    if doctree is None:
        return
    chapter = CHAPTER_DOC.match(pagename) is not None
    has_deck = any(True for _ in doctree.findall(flashcards))
    if chapter or has_deck:
        for name in ASSETS_CSS:
            app.add_css_file(name)
    if chapter:
        app.add_js_file(LISTEN_JS, loading_method="defer")
    if has_deck:
        for name in ASSETS_JS:
            app.add_js_file(name, loading_method="defer")


def add_static_path(app: Sphinx, config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC_DIR.parent)]


def write_exports(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    write_all(load_decks(), Path(app.builder.outdir) / EXPORT_DIR)


def setup(app: Sphinx) -> dict:
    app.add_node(
        flashcards,
        html=(visit_flashcards_html, None),
        latex=(skip_node, None),
        text=(skip_node, None),
        man=(skip_node, None),
        texinfo=(skip_node, None),
    )
    app.add_directive("flashcards", FlashcardsDirective)
    app.add_transform(ChapterFlashcards)
    app.add_directive("deck-glossary", DeckGlossaryDirective)
    app.add_transform(GlossaryLinks)
    app.connect("config-inited", add_static_path)
    app.connect("doctree-read", mark_pages_with_decks)
    app.connect("html-page-context", add_assets)
    app.connect("build-finished", write_exports)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
