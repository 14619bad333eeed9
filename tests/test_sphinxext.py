"""Unit tests of the course's Sphinx extensions (mlcourse.sphinxext)."""

from pybtex.database import Entry, Person

from mlcourse.sphinxext.bibstyle import AuthorYearLabels, author_year
from mlcourse.sphinxext.offline import is_remote


def entry(authors, year="2016"):
    return Entry("article", fields={"title": "T", "year": year},
                 persons={"author": [Person(name) for name in authors]})


def test_labels_read_as_the_author_year_citations():
    assert author_year(entry(["Huber, Peter J."], "1964")) == "Huber, 1964"
    assert author_year(entry(["Kingma, Diederik P.", "Ba, Jimmy"], "2015")) == "Kingma and Ba, 2015"
    assert author_year(entry(["Goodfellow, Ian", "Bengio, Yoshua", "Courville, Aaron"])) == (
        "Goodfellow et al., 2016"
    )
    # An organisation in braces is one name; the braces are BibTeX syntax, not text.
    assert author_year(entry(["{PyTorch Team}"], "2019")) == "PyTorch Team, 2019"


def test_colliding_labels_get_letters_and_others_do_not():
    entries = [entry(["Nesterov, Yurii"], "2018"), entry(["Nesterov, Yurii"], "2018"),
               entry(["Cauchy, Augustin-Louis"], "1847")]
    assert list(AuthorYearLabels().format_labels(entries)) == [
        "Nesterov, 2018a", "Nesterov, 2018b", "Cauchy, 1847"
    ]


def test_remote_urls_are_those_with_a_host():
    assert is_remote("https://cdn.jsdelivr.net/npm/x.js")
    assert is_remote("//cdnjs.cloudflare.com/ajax/libs/require.js")
    assert is_remote("http://example.org/a.css")
    assert not is_remote("_static/mathjax/startup.js")
    assert not is_remote("../_static/scripts/bootstrap.js?digest=1")
    assert not is_remote("data:image/png;base64,AAAA")
    assert not is_remote(None)
