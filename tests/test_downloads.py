"""A downloaded page runs: the website ships the mlcourse wheel and says how to use it.

mlcourse.sphinxext.downloads builds the wheel during `make book`; these tests read the
built website (`make book` first, as for the browser tests), install its wheel into a
fresh virtual environment and run a chapter notebook downloaded from it there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest

from mlcourse.sphinxext import downloads

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
WHEEL_NAME = downloads.wheel_name(ROOT)


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"the website is not built: run `make book` (expected {SITE}/index.html)")
    return SITE


def _target(page: Path, href: str) -> Path:
    """The file of the site a relative link of ``page`` points at."""
    url = urljoin(page.relative_to(SITE).as_posix(), unquote(href.split("#")[0]))
    return SITE / url


def _notebook_pages(site: Path) -> list[Path]:
    return sorted(site.glob("chapters/*.html")) + sorted(site.glob("exercises/*/*.html"))


def test_the_website_ships_the_wheel(site):
    wheel = site / WHEEL_NAME
    assert wheel.is_file()
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"mlcourse-{downloads.project_version(ROOT)}.dist-info/METADATA").decode()
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "mlcourse").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert sources <= names, sorted(sources - names)[:5]
    assert any(n.startswith("mlcourse/widgets/") and n.endswith(".js") for n in names)  # package data
    assert not [n for n in names if n.startswith(("solutions/", "tests/", "exercises/"))]
    with open(ROOT / "pyproject.toml", "rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    required = re.findall(r"^Requires-Dist: ([A-Za-z0-9_.-]+)", metadata, re.M)
    assert {re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower() for d in dependencies} <= {r.lower() for r in required}


def test_every_notebook_page_says_how_to_run_it(site):
    pages = _notebook_pages(site)
    assert len(pages) >= 10
    for page in pages:
        html = page.read_text(encoding="utf-8")
        note = re.search(r'<div class="[^"]*mlcourse-run-locally[^"]*">(.*?)</div>', html, re.S)
        assert note, f"{page.relative_to(site)}: no note on running it"
        links = re.findall(r'href="([^"]+)"', note.group(1))
        wheel_links = [link for link in links if link.endswith(WHEEL_NAME)]
        assert wheel_links and _target(page, wheel_links[0]).is_file(), page
        for link in links:  # every module the note asks for is there, next to the page
            assert _target(page, link).is_file(), (page, link)
        # the note comes right after the page's title
        article = html.index('<article class="bd-article"')
        assert html.index("mlcourse-run-locally") < html.index("</h1>", article) + 200
    exercise4 = (site / "exercises/ex04_momentum/ex04_momentum.html").read_text(encoding="utf-8")
    assert "ex04_mistakes.py" in exercise4 and (site / "exercises/ex04_momentum/ex04_mistakes.py").is_file()
    assert "mlcourse-run-locally" not in (site / "guide/how-to-use.html").read_text(encoding="utf-8")


def test_the_how_to_clones_the_configured_student_repository(site):
    import yaml

    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    page = site / "guide/how-to-use.html"
    html = page.read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    assert f"git clone {url} mlcourse" in text
    assert "{{" not in text
    assert f"pip install {WHEEL_NAME}" in text
    wheel_links = re.findall(r'href="([^"]*%s)"' % re.escape(WHEEL_NAME), html)
    assert wheel_links and _target(page, wheel_links[0]).is_file()
    # the launch buttons open the same repository
    chapter = (site / "chapters/01_loss_functions.html").read_text(encoding="utf-8")
    repository = url.removeprefix("https://github.com/")
    assert re.search(r"mybinder\.org/v2/gh/%s/" % re.escape(repository), chapter)


def test_the_wheel_is_rebuilt_only_when_its_sources_change(tmp_path):
    project = tmp_path / "project"
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        project.mkdir(exist_ok=True)
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(ROOT / "mlcourse", project / "mlcourse", ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp_path / "cache"
    first = downloads.build_wheel(project, cache)
    assert first.name == WHEEL_NAME and zipfile.is_zipfile(first)
    stamp = first.stat().st_mtime_ns
    assert downloads.build_wheel(project, cache) == first and first.stat().st_mtime_ns == stamp
    (project / "mlcourse" / "losses.py").write_text((project / "mlcourse" / "losses.py").read_text() + "\n# changed\n")
    second = downloads.build_wheel(project, cache)
    assert second != first and not first.exists()
    with zipfile.ZipFile(second) as archive:
        assert archive.read("mlcourse/losses.py").decode().endswith("# changed\n")
    assert not (project / "build").exists() and not list(project.glob("*.egg-info"))


RUN = r"""
import json, sys
import nbformat
from nbclient import NotebookClient

path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
nb.cells.insert(0, nbformat.v4.new_code_cell("import mlcourse, sys; print(mlcourse.__file__); print(sys.prefix)"))
NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
print(json.dumps({"where": nb.cells[0].outputs[0]["text"].split(),
                  "errors": [o.get("ename") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]}))
"""

CHECK_DEPENDENCIES = r"""
import json
from importlib import metadata
from packaging.requirements import Requirement

dist = metadata.distribution("mlcourse")
unmet = []
for text in dist.requires or []:
    requirement = Requirement(text)
    if requirement.marker and "extra" in str(requirement.marker):
        continue
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        unmet.append(text)
        continue
    if not requirement.specifier.contains(version, prereleases=True):
        unmet.append(f"{text} (found {version})")
print(json.dumps({"location": str(dist.locate_file("")), "unmet": unmet}))
"""


@pytest.mark.xdist_group("fresh-venv")
def test_a_downloaded_chapter_runs_in_a_fresh_environment_with_the_wheel(site, tmp_path):
    """pip install of the site's wheel into a new venv, offline; the course's other
    dependencies, already installed, are lent to it by a .pth file (not mlcourse: the
    course's own environment has it as an editable install, which a .pth does not load)."""
    fresh = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True)
    python = fresh / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
                              "--no-deps", "--no-cache-dir", str(site / WHEEL_NAME)], capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "_course_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    workdir = tmp_path / "downloads"  # nothing of the course next to the notebook
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    deps = subprocess.run([str(python), "-c", CHECK_DEPENDENCIES], capture_output=True, text=True,
                          cwd=workdir, env=env)
    assert deps.returncode == 0, deps.stderr
    deps = json.loads(deps.stdout)
    assert Path(deps["location"]).resolve().is_relative_to(fresh.resolve())
    assert deps["unmet"] == [], f"the wheel requires what is not installed: {deps['unmet']}"

    # the notebook the chapter's download button gives
    page = site / "chapters" / "01_loss_functions.html"
    href = next(h for h in re.findall(r'href="([^"]+\.ipynb)"', page.read_text(encoding="utf-8")))
    notebook = workdir / Path(href).name
    shutil.copy(_target(page, href), notebook)
    run = subprocess.run([str(python), "-c", RUN, notebook.name], capture_output=True, text=True,
                         cwd=workdir, env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    module, prefix = result["where"]
    assert Path(module).resolve().is_relative_to(fresh.resolve()), module
    assert Path(prefix).resolve() == fresh.resolve()
