# The two commands of the course:
#   make book   build the website into _build/html (strict: any warning or cell error fails)
#   make test   run the whole test suite (builds the website first; the browser tests read it)
# and, for students:
#   make lab    JupyterLab on the course
#
# Each creates .venv on first use and installs the project into it; the stamp file
# makes later runs skip the installation until pyproject.toml changes.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.mlcourse-installed
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

.PHONY: book test lab clean

# --all re-reads every page (notebook outputs still come from the execution cache):
# an incremental Sphinx build only reports the warnings of pages it re-reads, and a
# strict build must report all of them every time.
book: $(STAMP)
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going --all
	@echo "The website is in $(CURDIR)/_build/html (open _build/html/index.html)."

test: book
	$(BIN)/pytest -n auto --dist loadgroup

# Jupyter refuses to run as root unless told to (containers and CI machines often are root).
lab: $(STAMP) $(LAB_SETTINGS)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The chapters are MyST Markdown notebooks: make JupyterLab open .md files as
# notebooks (through jupytext) rather than as text.
$(LAB_SETTINGS): | $(STAMP)
	mkdir -p $(dir $@)
	printf '%s\n' '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Jupytext Notebook"}}}' > $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	touch $@

clean:
	rm -rf _build test-artifacts

# The student edition (guide/instructors.md, "Two repositories"): the course without
# solutions/, tests or grading configuration, to publish as the students' repository.
#   make student-edition [STUDENT_EDITION=path/to/clone-of-the-student-repository]
STUDENT_EDITION ?= _build/student-edition
.PHONY: student-edition
student-edition: $(STAMP)
	$(BIN)/python -m mlcourse.student_edition $(STUDENT_EDITION) --zip
