"""Reading and checking the deck files (``mlcourse/study/decks/NN_slug.toml``)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

# The decks ship inside the package (the website's wheel carries them to a student's
# environment, where a chapter notebook's flashcards cell reads them).
DECKS_DIR = Path(__file__).resolve().parent / "decks"

DECK_FILE = re.compile(r"^(?P<number>\d\d)_(?P<slug>[a-z0-9_]+)\.toml$")
CARD_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DECK_KEYS = {"title", "cards"}
REQUIRED_CARD_KEYS = ("id", "topic", "front", "back", "short")
OPTIONAL_CARD_KEYS = ("term", "definition", "aliases", "answers")
# Multiple-choice options and Match tiles show `short` and `definition`: keep them short.
MAX_SHORT = 160
MAX_DEFINITION = 240


class DeckError(ValueError):
    """A deck file that does not follow the format (the message names file, card and field)."""


@dataclass(frozen=True)
class Card:
    """One flashcard. Text fields are Markdown with ``$...$`` / ``$$...$$`` math.

    ``front`` is the question, ``back`` the full answer, ``short`` a one-line answer
    (multiple-choice options in Learn and Test). A card with a ``term`` is also a
    glossary entry: ``definition`` is its one-sentence definition (Match mode and
    typed questions), ``aliases`` other names a typed answer may use. ``answers``
    are accepted typed answers to ``front`` itself (a number, a name).
    """

    deck: str  # the deck's file stem, e.g. "04_momentum"
    id: str  # unique in its deck
    topic: str
    front: str
    back: str
    short: str
    term: str | None = None
    definition: str | None = None
    aliases: tuple[str, ...] = ()
    answers: tuple[str, ...] = ()

    @property
    def uid(self) -> str:
        """Identifier unique across the course: ``"04-effective-lr"``."""
        return f"{self.deck[:2]}-{self.id}"

    @property
    def tags(self) -> tuple[str, ...]:
        """Tags (no spaces, as Anki needs): the chapter and the topic."""
        return (f"chapter-{self.deck[:2]}", "topic-" + re.sub(r"[^a-z0-9]+", "-", self.topic.lower()).strip("-"))


@dataclass(frozen=True)
class Deck:
    """The flashcards of one chapter, read from ``mlcourse/study/decks/<chapter file stem>.toml``."""

    name: str  # file stem, the same as the chapter's: "04_momentum"
    title: str
    cards: tuple[Card, ...] = field(default_factory=tuple)
    path: Path | None = None

    @property
    def number(self) -> int:
        return int(self.name[:2])

    @property
    def chapter(self) -> str:
        """The chapter's document name in the book: ``"chapters/04_momentum"``."""
        return f"chapters/{self.name}"


def _check_text(where: str, key: str, value, *, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DeckError(f"{where}: invalid {key} = {value!r}, expected a non-empty string")
    text = value.strip()
    if limit is not None and len(text) > limit:
        raise DeckError(f"{where}: {key} has {len(text)} characters, at most {limit} allowed: {text!r}")
    outside_math = _strip_math_and_code(where, key, text)
    if re.search(r"\\[A-Za-z]", outside_math):
        raise DeckError(f"{where}: {key} has a TeX command outside $...$ (the page would show it raw): {text!r}")
    if "\\" in outside_math:
        raise DeckError(f"{where}: {key} has a backslash outside math and code (write \"quotes\" as they are "
                        f"in a '...' string; the exports would show the backslash): {text!r}")
    if re.search(r"<[A-Za-z/!]", outside_math):
        raise DeckError(f"{where}: {key} contains HTML, which decks do not allow (write Markdown): {text!r}")
    return text


def _strip_math_and_code(where: str, key: str, text: str) -> str:
    """The text outside code spans and math; raises on an unclosed ``$``."""
    text = re.sub(r"`[^`]*`", "", text)
    text = text.replace(r"\$", "")
    pieces = re.split(r"\$\$", text)
    if len(pieces) % 2 == 0:
        raise DeckError(f"{where}: {key} has an unclosed $$ in {text!r}")
    outside = []
    for index, piece in enumerate(pieces):
        if index % 2:
            continue  # display math
        parts = piece.split("$")
        if len(parts) % 2 == 0:
            raise DeckError(f"{where}: {key} has an unclosed $ in {text!r}")
        outside.extend(parts[0::2])
    return " ".join(outside)


def _strings(where: str, key: str, value) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise DeckError(f"{where}: invalid {key} = {value!r}, expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _card(deck: str, index: int, raw) -> Card:
    where = f"{deck}.toml, card {index + 1}"
    if not isinstance(raw, dict):
        raise DeckError(f"{where}: expected a table ([[cards]]), got {raw!r}")
    if "id" in raw:
        where += f" ({raw['id']!r})"
    unknown = set(raw) - set(REQUIRED_CARD_KEYS) - set(OPTIONAL_CARD_KEYS)
    if unknown:
        raise DeckError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: "
                        f"{list(REQUIRED_CARD_KEYS + OPTIONAL_CARD_KEYS)}")
    missing = [key for key in REQUIRED_CARD_KEYS if key not in raw]
    if missing:
        raise DeckError(f"{where}: missing field(s) {missing}")
    if not isinstance(raw["id"], str) or not CARD_ID.match(raw["id"]):
        raise DeckError(f"{where}: invalid id = {raw['id']!r}, expected lower-case words joined by '-'")
    topic = raw["topic"]
    if not isinstance(topic, str) or not topic.strip() or "\n" in topic:
        raise DeckError(f"{where}: invalid topic = {topic!r}, expected a one-line string")
    values = {
        "front": _check_text(where, "front", raw["front"]),
        "back": _check_text(where, "back", raw["back"]),
        "short": _check_text(where, "short", raw["short"], limit=MAX_SHORT),
    }
    term = definition = None
    if ("term" in raw) != ("definition" in raw):
        raise DeckError(f"{where}: a term needs a definition and a definition a term")
    if "term" in raw:
        term = raw["term"]
        if not isinstance(term, str) or not term.strip() or "$" in term or "\n" in term:
            raise DeckError(f"{where}: invalid term = {term!r}, expected one line of plain text")
        term = term.strip()
        definition = _check_text(where, "definition", raw["definition"], limit=MAX_DEFINITION)
    aliases = _strings(where, "aliases", raw["aliases"]) if "aliases" in raw else ()
    if aliases and term is None:
        raise DeckError(f"{where}: aliases are other names of a term; this card has no term")
    answers = _strings(where, "answers", raw["answers"]) if "answers" in raw else ()
    return Card(deck=deck, id=raw["id"], topic=topic.strip(), term=term, definition=definition,
                aliases=aliases, answers=answers, **values)


def load_deck(name: str | int, directory: str | Path | None = None) -> Deck:
    """Read and check one deck: ``load_deck(4)`` or ``load_deck("04_momentum")``.

    Raises :class:`DeckError` naming the file, the card and the field for anything
    that does not follow the format.
    """
    directory = Path(directory) if directory is not None else DECKS_DIR
    if isinstance(name, int) or (isinstance(name, str) and name.isdigit()):
        number = int(name)
        matches = sorted(directory.glob(f"{number:02d}_*.toml"))
        if len(matches) != 1:
            raise DeckError(f"invalid chapter = {name!r}: {len(matches)} deck files match "
                            f"{directory}/{number:02d}_*.toml, expected one")
        path = matches[0]
    else:
        path = directory / f"{name}.toml"
    if not DECK_FILE.match(path.name):
        raise DeckError(f"invalid deck file name {path.name!r}, expected NN_slug.toml like the chapter's")
    if not path.is_file():
        raise DeckError(f"no deck file {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise DeckError(f"{path.name}: not valid TOML: {error}") from error
    stem = path.stem
    unknown = set(data) - DECK_KEYS
    if unknown:
        raise DeckError(f"{path.name}: unknown top-level key(s) {sorted(unknown)}; allowed: {sorted(DECK_KEYS)}")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DeckError(f"{path.name}: invalid title = {title!r}, expected a non-empty string")
    raw_cards = data.get("cards")
    if not isinstance(raw_cards, list) or not raw_cards:
        raise DeckError(f"{path.name}: no cards (write them as [[cards]] tables)")
    cards = tuple(_card(stem, index, raw) for index, raw in enumerate(raw_cards))
    seen: set[str] = set()
    for card in cards:
        if card.id in seen:
            raise DeckError(f"{path.name}: duplicate card id {card.id!r}")
        seen.add(card.id)
    return Deck(name=stem, title=title.strip(), cards=cards, path=path)


def load_decks(directory: str | Path | None = None) -> list[Deck]:
    """Every deck of the course, in chapter order."""
    directory = Path(directory) if directory is not None else DECKS_DIR
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise DeckError(f"no deck files in {directory}")
    return [load_deck(path.stem, directory) for path in paths if DECK_FILE.match(path.name)]
