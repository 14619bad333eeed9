"""The scripts that write the golden files (tests/golden/make_golden_*.py), as modules.

Their torch side is also the oracle of the live-torch tests, which load them here
rather than each with its own copy of the loading code.
"""

import importlib.util
from pathlib import Path

GOLDEN_DIR = Path(__file__).with_name("golden")


def load(name):
    """``tests/golden/<name>.py`` as a module (``load("make_golden_schedules")``)."""
    spec = importlib.util.spec_from_file_location(name, GOLDEN_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
