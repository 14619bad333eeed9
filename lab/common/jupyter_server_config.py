"""Jupyter server settings of `make lab`, for both roles (see the Makefile's `lab` target).

Notebooks are read and written through mlcourse.labserver.CourseContentsManager:
jupytext's contents manager (the chapters are MyST Markdown notebooks), whose saves
leave a notebook's file as it was unless something in it was really changed (not the
kernel's display name or Python version), so opening and saving a chapter or an
exercise leaves `git status` clean.
"""

from mlcourse.labserver import CourseContentsManager

c = get_config()  # noqa: F821 (injected by traitlets when the file is loaded)

c.ServerApp.contents_manager_class = CourseContentsManager
