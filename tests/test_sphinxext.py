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


def _figure_png(transparent=False):
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6, 4))
    x = np.linspace(0, 10, 400)
    for k in range(5):
        ax.plot(x, np.sin(x + k), label=f"curve {k}")
    ax.scatter(np.arange(10), np.arange(10) % 3, alpha=0.5)
    ax.legend()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100, transparent=transparent)
    plt.close(fig)
    return out.getvalue()


def test_figures_get_a_palette_that_keeps_the_picture():
    import io

    import numpy as np
    from PIL import Image

    from mlcourse.sphinxext.images import palette_png

    for transparent in (False, True):
        original = _figure_png(transparent)
        small = palette_png(original)
        assert len(small) < 0.7 * len(original)
        before = np.asarray(Image.open(io.BytesIO(original)).convert("RGBA"), dtype=int)
        after_image = Image.open(io.BytesIO(small))
        assert after_image.mode == "P"
        after = np.asarray(after_image.convert("RGBA"), dtype=int)
        assert after.shape == before.shape
        # the same picture: nearly every pixel within a few levels of 255, few far off
        # (anti-aliased edges; measured 99 % and 94 % within 3, 99.9th percentile 10 and 21)
        difference = np.abs(after - before).max(axis=-1)
        assert np.mean(difference <= 3) > 0.9
        assert np.percentile(difference, 99.9) <= 32
        # a palette image is left as it is
        assert palette_png(small) == small
