"""Start `make lab`'s JupyterLab for a test, and drive it from Chromium.

The server is started by the Makefile's own `lab` target (``make -o <stamp> lab``: the
same recipe a user runs, without reinstalling the venv), on a free port, with a token
and no browser, in its own process group, and stopped at the end (its kernels too).
Everything a user's JupyterLab keeps outside the course (settings, workspaces, runtime
files) goes to a temporary folder, so a test neither reads nor changes the developer's
own JupyterLab, and autosave is off so that nothing the test types reaches a file.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAMP = ".venv/.mlcourse-installed"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots" / "lab"
CHROMIUM = Path("/usr/bin/chromium")
# The flags of tests/browser/browser_site.py (never Playwright's own browser download).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Generous: the CI machine has two cores, and other engineers' builds may share them.
START_TIMEOUT = 180
UI_TIMEOUT_MS = 120_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Lab:
    """A running `make lab`: its base URL, token, role and log file."""

    role: str
    url: str
    token: str
    log: Path
    process: subprocess.Popen
    runtime: Path

    def api(self, method: str, path: str, body: dict | None = None):
        request = urllib.request.Request(
            self.url + path.lstrip("/"),
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip() else None

    def page_url(self, path: str = "", workspace: str | None = None) -> str:
        """A URL of JupyterLab opening ``path`` (a file of the course) in a fresh workspace."""
        workspace = workspace or "test-" + secrets.token_hex(4)
        tree = f"/tree/{path}" if path else ""
        return f"{self.url}lab/workspaces/{workspace}{tree}?token={self.token}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start_lab(role: str, home: Path) -> Lab:
    """Run `make lab ROLE=<role>` on a free port and wait until it answers."""
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "settings"
    docmanager = settings / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True, exist_ok=True)
    # The test types into an exercise and never saves it: no autosave either.
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    # All cells attached at once (users get JupyterLab's default, which attaches the cells
    # near the viewport as they scroll): a test then finds any cell without scrolling.
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        PYTHONUNBUFFERED="1",
    )
    last_error = ""
    for _ in range(3):  # a port taken between choosing it and binding it: try another
        port, token = _free_port(), secrets.token_hex(16)
        log = home / f"lab-{role}-{port}.log"
        # As a user runs it, plus: a port, a token, no browser, and window.jupyterapp for
        # the test to open files with JupyterLab's own commands. And a backstop should
        # the test process die without stopping it: idle kernels are culled after 15
        # minutes, and a server with no kernel and no request for 15 minutes stops.
        # Checkpoints (written when a test saves) go to the temporary folder, not into
        # .ipynb_checkpoints/ folders of the course, where other tests would find them.
        lab_args = (
            f"--no-browser --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token} "
            "--LabApp.expose_app_in_browser=True --ServerApp.shutdown_no_activity_timeout=900 "
            "--MappingKernelManager.cull_idle_timeout=900 --MappingKernelManager.cull_interval=60 "
            f"--FileCheckpoints.checkpoint_dir={home / 'checkpoints'}"
        )
        process = subprocess.Popen(
            ["make", "--no-print-directory", "-o", STAMP, "lab", f"ROLE={role}", f"LAB_ARGS={lab_args}"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        lab = Lab(role=role, url=f"http://127.0.0.1:{port}/", token=token, log=log, process=process,
                  runtime=home / "runtime")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            try:
                lab.api("GET", "api/status")
                return lab
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        last_error = lab.log_text()[-3000:]
        stop_lab(lab)
    raise RuntimeError(f"`make lab ROLE={role}` did not start; its log ends with:\n{last_error}")


def processes_of(lab: Lab) -> list[int]:
    """The PIDs of the processes this lab started that are still alive: the server and
    its kernels (a kernel runs in a process group of its own) all carry the lab's own
    runtime folder in their environment, and no other process does."""
    marker = f"JUPYTER_RUNTIME_DIR={lab.runtime}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker in environ and state != "Z":
            pids.append(int(entry.name))
    return pids


def stop_lab(lab: Lab) -> None:
    """Shut the server down (it stops its kernels), then make sure that no process it
    started is left: whatever survives is killed by PID (never by name)."""
    if lab.process.poll() is None:
        try:
            lab.api("POST", "api/shutdown")
            lab.process.wait(timeout=30)
        except Exception:
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if lab.process.poll() is not None:
            break
        try:
            os.killpg(lab.process.pid, sig)
            lab.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    deadline = time.monotonic() + 30
    while (left := processes_of(lab)) and time.monotonic() < deadline:
        time.sleep(0.5)  # kernels the server asked to stop: let them exit on their own
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 15
    while (left := processes_of(lab)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if left:
        raise RuntimeError(f"`make lab ROLE={lab.role}` left processes running: {left}")


# --- driving JupyterLab ---------------------------------------------------------------

CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"

MARKDOWN_RENDERED_JS = """() => {
    const cells = document.querySelectorAll('%s .jp-MarkdownCell');
    return cells.length > 0 && [...cells].every(c => c.querySelector('.myst, .jp-RenderedMarkdown'));
}""" % CURRENT


def wait_for_notebook(page, name: str, *, kernel: bool = True) -> None:
    """Wait until notebook ``name`` is open with its Markdown rendered and, if ``kernel``,
    its kernel started and idle. (Polls the page: no fixed sleep.)"""
    page.locator(".lm-TabBar-tab.jp-mod-current", has_text=name).wait_for(timeout=UI_TIMEOUT_MS)
    page.wait_for_function(MARKDOWN_RENDERED_JS, timeout=UI_TIMEOUT_MS)
    if kernel:
        wait_for_idle_kernel(page)


def wait_for_idle_kernel(page) -> None:
    """Wait until the current notebook has a kernel (not "No Kernel") and it is idle."""
    page.wait_for_function(
        """() => {
            const name = document.querySelector('%s .jp-Toolbar-kernelName');
            const status = document.querySelector('%s .jp-Notebook-ExecutionIndicator');
            return name && status && !/No Kernel/.test(name.textContent) && status.dataset.status === 'idle';
        }""" % (CURRENT, CURRENT),
        timeout=UI_TIMEOUT_MS,
    )


def cell(page, text: str):
    """The cell of the current notebook whose source contains ``text``."""
    return page.locator(f"{CURRENT} .jp-Cell").filter(has_text=text).first


def open_file(page, path: str) -> None:
    """Open a file of the course in the running JupyterLab, with its default viewer (as a
    double click in the file browser does) and wait until it is the current tab."""
    page.evaluate("path => { window.jupyterapp.commands.execute('docmanager:open', {path}); }", path)
    page.locator(".lm-TabBar-tab.jp-mod-current", has_text=path.split("/")[-1]).wait_for(timeout=UI_TIMEOUT_MS)


def close_all(page, lab) -> None:
    """Close every tab without saving, then shut down the kernels they started."""
    page.evaluate(
        """() => {
            for (const widget of [...window.jupyterapp.shell.widgets('main')]) {
                if (widget.context) widget.context.model.dirty = false;  // no "save?" dialog
                widget.close();
            }
        }"""
    )
    page.wait_for_function(
        "() => [...window.jupyterapp.shell.widgets('main')].every(w => !w.context)", timeout=UI_TIMEOUT_MS
    )
    for session in lab.api("GET", "api/sessions") or []:
        lab.api("DELETE", f"api/sessions/{session['id']}")


def run_cell(page, locator) -> None:
    """Select a cell and run it (Ctrl+Enter: run, stay on the cell)."""
    locator.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Control+Enter")


def set_cell_source(page, locator, source: str) -> None:
    """Replace a code cell's source, as a student would by selecting it all and typing."""
    editor = locator.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    # insert_text types the whole text at once: no auto-indent or auto-closed brackets.
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")


def dirty_tabs(page) -> list[str]:
    return page.locator(".lm-TabBar-tab.jp-mod-dirty").all_inner_texts()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path)
    return path
