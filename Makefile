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

# JupyterLab for students (the default) or instructors (make lab ROLE=instructor).
# The venv's bin/ goes first on PATH, as if it were activated: nbgrader runs `alembic`
# from PATH when Formgrader opens the gradebook, and JupyterLab's terminals then find
# `mlcourse` and `nbgrader`. lab/<role>/ is added to Jupyter's config path: it hides
# nbgrader's instructor tools from students and gives instructors a local exchange.
# lab/share/ is added to Jupyter's data path: its python3 kernel is the venv's ipykernel
# with mlcourse.labglue loaded, so that the chapters' glued numbers show in the prose.
# Jupyter refuses to run as root unless told to (containers and CI machines often are root).
ROLE ?= student
LAB_ROLES := student instructor

lab: $(STAMP) $(LAB_SETTINGS)
	@$(if $(filter $(ROLE),$(LAB_ROLES)),:,echo "make lab: ROLE must be one of: $(LAB_ROLES) (got '$(ROLE)')" >&2; exit 2)
	$(if $(filter instructor,$(ROLE)),mkdir -p .exchange)
	PATH="$(CURDIR)/$(BIN):$$PATH" VIRTUAL_ENV="$(CURDIR)/$(VENV)" \
	JUPYTER_CONFIG_PATH="$(CURDIR)/lab/$(ROLE):$(CURDIR)/lab/common$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	JUPYTER_PATH="$(CURDIR)/lab/share$${JUPYTER_PATH:+:$$JUPYTER_PATH}" \
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# JupyterLab's default settings for the course (lab/overrides.json): .md files open as
# notebooks through jupytext (the chapters are MyST Markdown notebooks), not as text.
$(LAB_SETTINGS): lab/overrides.json | $(STAMP)
	mkdir -p $(dir $@)
	cp lab/overrides.json $@

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
