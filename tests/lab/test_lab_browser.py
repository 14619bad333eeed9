"""`make lab`'s JupyterLab in Chromium, as a student and as an instructor.

A student opens a chapter (MyST rendered: a self-check question shown with its answer
hidden, tabs, boxes, math) and runs its flashcards cell (the deck shows), runs the top of chapter 1 (its glued numbers appear in the
prose, the same as on the website, and its slider figure is live), opens exercise 2 and writes a wrong-sign step (the test
cell's output starts with the failure and gives the sign hint), and sees none of
nbgrader's instructor tools. An instructor opens Formgrader and sees every assignment.
Screenshots go to test-artifacts/screenshots/lab/ for a human to look at.
"""

from __future__ import annotations

import re

import pytest

from lab_harness import (
    CURRENT,
    ROOT,
    UI_TIMEOUT_MS,
    cell,
    dirty_tabs,
    open_file,
    run_cell,
    screenshot,
    set_cell_source,
    wait_for_idle_kernel,
    wait_for_notebook,
)

pytestmark = [pytest.mark.lab, pytest.mark.xdist_group("lab")]

CHAPTERS = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "chapters").glob("*.md"))
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
CH01 = "chapters/01_loss_functions.md"
CH02 = "chapters/02_gradient_descent.md"
WEBSITE_CH01 = ROOT / "_build" / "html" / "chapters" / "01_loss_functions.html"
# Running cells on a loaded two-core machine: generous, and polled (never a fixed sleep).
RUN_TIMEOUT_MS = 300_000
EX02 = "exercises/ex02_gradient_descent/ex02_gradient_descent.ipynb"

# MyST syntax that shows when a directive or a role was not rendered.
RAW_MYST = re.compile(r"```\{|:::\{|\{(cite|doc|ref|numref|eq|glue:text|glue)\}`|^:class:", re.M)

# The text of the rendered Markdown cells (not their hidden editors, not the TeX that
# KaTeX keeps for screen readers). The tests' JupyterLab attaches every cell at once.
RENDERED_MARKDOWN_JS = """() => [...document.querySelectorAll('%s .jp-MarkdownCell .myst')].map(rendered => {
    const copy = rendered.cloneNode(true);
    copy.querySelectorAll('.katex-mathml').forEach(e => e.remove());
    return copy.textContent;
})""" % CURRENT


# --- a student -------------------------------------------------------------------------

def test_self_check_shows_its_question_and_hides_its_answer(student):
    open_file(student, CH02)
    wait_for_notebook(student, CH02.split("/")[-1], kernel=False)
    dropdown = student.locator("details.myst-dropdown", has_text="1. Why is −∇L(θ)")
    dropdown.evaluate("e => e.scrollIntoView({block: 'center'})")
    question = dropdown.locator("summary")
    answer = dropdown.get_by_text("By Cauchy–Schwarz", exact=False)
    assert question.is_visible()
    assert "direction of steepest descent" in question.inner_text()
    assert not dropdown.evaluate("e => e.open") and not answer.is_visible()
    screenshot(student, "chapter-self-check")
    question.click()
    answer.wait_for(state="visible", timeout=UI_TIMEOUT_MS)
    assert dropdown.locator(".katex").count() > 0  # the answer's math is typeset
    screenshot(student, "chapter-self-check-open")
    assert student.errors == []


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_renders_its_myst(student, chapter):
    """No directive or role is left raw; dropdowns, boxes and tabs are there; math is typeset."""
    open_file(student, chapter)
    wait_for_notebook(student, chapter.split("/")[-1], kernel=False)
    texts = student.evaluate(RENDERED_MARKDOWN_JS)
    raw = {i: RAW_MYST.findall(text) for i, text in enumerate(texts) if RAW_MYST.search(text)}
    assert raw == {}, f"{chapter}: MyST left raw in Markdown cells {raw}"
    source = (ROOT / chapter).read_text()
    notebook = student.locator(CURRENT)
    if "{admonition}" in source:
        assert notebook.locator(".myst [class*='admonition']").count() > 0
    if "{dropdown}" in source:
        assert notebook.locator(".myst details.myst-dropdown").count() == source.count("{dropdown}")
    titles = re.findall(r"^:+\{tab-item\}\s*(.+?)\s*$", source, re.M)
    if titles:  # e.g. the overview in tabs: In short / Standard / In depth
        headers = notebook.locator(".myst .myst-tab-set .myst-tab-item-header")
        assert [t.strip() for t in headers.all_inner_texts()] == titles, (headers.all_inner_texts(), titles)
        second = headers.nth(1)
        second.evaluate("e => e.scrollIntoView({block: 'center'})")
        second.click()  # a tab switches when clicked
        student.wait_for_function("e => e.classList.contains('myst-tab-item-header-active')",
                                  arg=second.element_handle(), timeout=UI_TIMEOUT_MS)
    assert notebook.locator(".myst .katex").count() > 0
    screenshot(student, "chapter-" + chapter.split("/")[-1].removesuffix(".md"))
    assert student.errors == []


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_flashcards_cell_shows_its_deck(student, chapter):
    """The chapter's cell `study.flashcards(N)`, run, shows the chapter's deck in the
    notebook (the component with its scripts inline): every card, and the first one flips."""
    from mlcourse.study import load_deck

    name = chapter.split("/")[-1]
    deck = load_deck(int(name[:2]))
    open_file(student, chapter)
    wait_for_notebook(student, name)
    flashcards = cell(student, f"study.flashcards({deck.number})")
    flashcards.evaluate("e => e.scrollIntoView({block: 'center'})")
    run_cell(student, flashcards)
    component = flashcards.locator(".mlcourse-study[data-ready='true']")
    component.wait_for(timeout=RUN_TIMEOUT_MS)
    assert component.locator(".mls-card").count() == len(deck.cards)
    card = component.locator(".mls-flashcard")
    assert card.get_attribute("data-id") == deck.cards[0].uid
    card.click()
    assert card.get_attribute("aria-pressed") == "true"
    card.evaluate("e => e.scrollIntoView({block: 'center'})")
    screenshot(student, "chapter-flashcards-" + name.removesuffix(".md"))
    assert student.errors == []


# The first paragraph of chapter 1 with glued numbers, and its code cells above: one
# slider figure (Huber's δ) and the cells that compute and glue the numbers (~20 s).
GLUED_PARAGRAPH = "The clean targets have mean"

RUN_ABOVE_AND_SELECT_JS = """text => {
    const panel = window.jupyterapp.shell.currentWidget;
    const index = panel.content.widgets.findIndex(c => c.model.sharedModel.getSource().includes(text));
    panel.content.activeCellIndex = index;
    window.jupyterapp.commands.execute('notebook:run-all-above');
    return index;
}"""

CODE_ABOVE_DONE_JS = """index => {
    const cells = window.jupyterapp.shell.currentWidget.content.widgets.slice(0, index);
    const status = document.querySelector('%s .jp-Notebook-ExecutionIndicator');
    return status && status.dataset.status === 'idle'
        && cells.every(c => c.model.type !== 'code' || c.model.executionCount !== null);
}""" % CURRENT


CELL_ERRORS_JS = """index => window.jupyterapp.shell.currentWidget.content.widgets.slice(0, index)
    .filter(c => c.model.type === 'code')
    .flatMap(c => c.model.outputs.toJSON().filter(o => o.output_type === 'error'))
    .map(o => `${o.ename}: ${o.evalue}`)"""


def website_pasted_numbers(paragraph_start: str) -> list[str]:
    """The glued values myst-nb pasted into the website's paragraph starting so."""
    from html.parser import HTMLParser

    class Paragraphs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.paragraphs, self.depth, self.pasted = [], 0, None

        def handle_starttag(self, tag, attrs):
            if tag == "p":
                self.paragraphs.append({"text": "", "pasted": []})
            classes = (dict(attrs).get("class") or "").split()
            if tag == "span" and "pasted-text" in classes and self.paragraphs:
                self.pasted = ""

        def handle_endtag(self, tag):
            if tag == "span" and self.pasted is not None:
                self.paragraphs[-1]["pasted"].append(self.pasted)
                self.pasted = None

        def handle_data(self, data):
            if self.paragraphs:
                self.paragraphs[-1]["text"] += data
            if self.pasted is not None:
                self.pasted += data

    if not WEBSITE_CH01.exists():
        pytest.fail(f"the website is not built: run `make book` (expected {WEBSITE_CH01})")
    parser = Paragraphs()
    parser.feed(WEBSITE_CH01.read_text())
    found = [p["pasted"] for p in parser.paragraphs if p["text"].lstrip().startswith(paragraph_start)]
    assert len(found) == 1 and found[0], f"no paragraph with pasted numbers starts with {paragraph_start!r}"
    return found[0]


def test_chapter_runs_with_its_glued_numbers_and_a_live_slider(student, student_lab):
    """Run as a student does, a chapter's prose shows the numbers its cells glue (the
    website's, digit for digit), its slider figure redraws when the slider moves, and
    saving it afterwards leaves its file as it was."""
    before = (ROOT / CH01).read_bytes()
    expected = website_pasted_numbers(GLUED_PARAGRAPH)
    open_file(student, CH01)
    wait_for_notebook(student, CH01.split("/")[-1])
    paragraph = student.locator(f"{CURRENT} .jp-MarkdownCell .myst").filter(has_text=GLUED_PARAGRAPH).first
    # Before the cells have run, a glued value is its (visible) expression, not a stale number.
    assert 'glue_text("clean_mean:.1f")' in paragraph.inner_text()

    index = student.evaluate(RUN_ABOVE_AND_SELECT_JS, GLUED_PARAGRAPH)
    assert index > 0
    student.wait_for_function(CODE_ABOVE_DONE_JS, arg=index, timeout=RUN_TIMEOUT_MS)
    assert student.evaluate(CELL_ERRORS_JS, index) == []
    student.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")  # the paragraph
    student.wait_for_function(
        "e => !e.textContent.includes('glue_text(')", arg=paragraph.element_handle(), timeout=RUN_TIMEOUT_MS
    )
    paragraph.evaluate("e => e.scrollIntoView({block: 'center'})")
    screenshot(student, "chapter-glued-numbers")
    text = paragraph.inner_text()
    assert "NotGlued" not in text and "Error" not in text, text
    # The same numbers as the website, in the same order.
    position = 0
    for number in expected:
        found = text.find(number, position)
        assert found >= 0, f"{number!r} (website) not in JupyterLab's paragraph after {text[:position]!r}:\n{text}"
        position = found + len(number)

    # The slider figure above (Huber's δ): ipywidgets, live.
    figure = student.locator(f"{CURRENT} .jp-OutputArea-output .widget-slider").first.locator(
        "xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')]"
    )
    figure.evaluate("e => e.scrollIntoView({block: 'center'})")
    image = figure.locator("img").first
    image.wait_for(timeout=UI_TIMEOUT_MS)
    readout = figure.locator(".widget-readout").first
    value, frame = readout.inner_text(), image.get_attribute("src")
    assert frame and frame.startswith(("blob:", "data:")), frame
    handle = figure.locator(".widget-slider .noUi-handle").first
    handle.focus()
    student.keyboard.press("ArrowRight")
    student.wait_for_function(
        "([e, v]) => e.textContent.trim() !== v", arg=[readout.element_handle(), value], timeout=UI_TIMEOUT_MS
    )
    student.wait_for_function(
        "([e, s]) => e.getAttribute('src') !== s", arg=[image.element_handle(), frame], timeout=UI_TIMEOUT_MS
    )
    assert float(readout.inner_text()) > float(value)
    screenshot(student, "chapter-live-slider")
    save(student, student_lab, CH01)
    assert (ROOT / CH01).read_bytes() == before, "saving the chapter after running it rewrote it"
    assert student.errors == []


def test_chapter_and_exercise_open_unmodified_and_save_byte_for_byte(student, student_lab):
    """Opening then saving (Ctrl+S) without an edit leaves the files as they were."""
    for path in (CH02, EX02):
        before = (ROOT / path).read_bytes()
        name = path.split("/")[-1]
        open_file(student, path)
        wait_for_notebook(student, name)  # the kernel has started and written its metadata
        assert dirty_tabs(student) == [], f"{path} opens as modified"
        save(student, student_lab, path)
        assert (ROOT / path).read_bytes() == before, f"saving {path} unchanged rewrote it"


def save(page, lab, path: str) -> None:
    """Ctrl+S in the current notebook; returns once JupyterLab reports the save completed
    (the server has answered, so the file is written: the server writes in place, and a
    changed modification time alone can mean a file half written)."""
    saved_before = lab.api("GET", f"api/contents/{path}?content=0")["last_modified"]
    page.evaluate(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            window.saveStates = [];
            panel.context.saveState.connect((_, state) => window.saveStates.push(state));
            panel.content.node.focus();
        }"""
    )
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => window.saveStates.includes('completed') || window.saveStates.includes('failed')",
        timeout=UI_TIMEOUT_MS,
    )
    assert page.evaluate("() => window.saveStates")[-1] == "completed", f"Ctrl+S did not save {path}"
    assert lab.api("GET", f"api/contents/{path}?content=0")["last_modified"] != saved_before, path


def test_students_see_no_instructor_tools_and_no_exchange_errors(student, student_lab):
    open_file(student, EX02)
    wait_for_notebook(student, EX02.split("/")[-1], kernel=False)
    menus = student.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert "Nbgrader" not in menus, menus
    assert student.get_by_text("Create Assignment").count() == 0
    assert student.get_by_role("button", name="Validate").count() == 1  # students validate
    body = student.locator("body").inner_text()
    assert "Error fetching courses" not in body and "exchange" not in body.lower()
    commands = student.evaluate("() => window.jupyterapp.commands.listCommands()")
    assert not [c for c in commands if c.startswith("nbgrader:") and c != "nbgrader:validate"], commands
    with pytest.raises(Exception, match="404"):
        student_lab.api("GET", "formgrader/api/assignments")
    screenshot(student, "student-exercise")
    assert student.errors == []


def test_wrong_sign_step_gets_the_sign_hint_first(student):
    open_file(student, EX02)
    wait_for_notebook(student, EX02.split("/")[-1])
    run_cell(student, cell(student, "from mlcourse import checks"))
    solution = cell(student, "def gd_step")
    set_cell_source(student, solution, (
        "def gd_step(theta, grad, lr):\n"
        '    """One gradient-descent step: a new array theta - lr * grad."""\n'
        "    return theta + lr * grad\n"
    ))
    run_cell(student, solution)
    test = cell(student, "Check gd_step on a worked example")
    run_cell(student, test)
    output = test.locator(".jp-OutputArea-output")
    output.filter(has_text="hint:").first.wait_for(timeout=UI_TIMEOUT_MS)
    wait_for_idle_kernel(student)
    test.evaluate("e => e.scrollIntoView({block: 'center'})")
    screenshot(student, "exercise-wrong-sign")
    text = "\n".join(output.all_inner_texts()).strip()
    first_line = text.splitlines()[0]
    assert "gd_step" in first_line and "wrong" in first_line, f"the failure is not first:\n{text}"
    hint = re.search(r"hint: .*sign.*", text)
    assert hint, f"no sign hint in the test cell's output:\n{text}"
    assert not re.search(r"Traceback|File \"|\.py\", line|contextlib|Cell In\[", text[: hint.start()]), (
        f"frames above the message:\n{text}"
    )
    assert b"theta + lr * grad" not in (ROOT / EX02).read_bytes()  # nothing was saved


# --- an instructor ---------------------------------------------------------------------

def _nbgrader_menu(page, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel").get_by_text(item, exact=True).click()


def test_formgrader_lists_every_assignment(instructor, instructor_lab):
    assert instructor.get_by_text("Create Assignment").count() >= 1  # the right-hand panel
    _nbgrader_menu(instructor, "Formgrader")
    formgrader = instructor.frame_locator(f".jp-MainAreaWidget:not(.lm-mod-hidden) iframe")
    for name in ASSIGNMENTS:
        formgrader.get_by_role("link", name=name, exact=True).wait_for(timeout=UI_TIMEOUT_MS)
    body = formgrader.locator("body").inner_text()
    assert "Error" not in body, body
    screenshot(instructor, "instructor-formgrader")
    assert "Traceback" not in instructor_lab.log_text(), instructor_lab.log_text()[-3000:]
    assert instructor.errors == []


def test_instructors_assignment_list_works_on_the_local_exchange(instructor):
    _nbgrader_menu(instructor, "Assignment List")
    instructor.get_by_text("Released assignments").wait_for(timeout=UI_TIMEOUT_MS)
    instructor.get_by_text("There are no assignments to fetch").wait_for(timeout=UI_TIMEOUT_MS)
    body = instructor.locator("body").inner_text()
    assert "Error fetching courses" not in body and "Unwritable directory" not in body, body
    screenshot(instructor, "instructor-assignment-list")
