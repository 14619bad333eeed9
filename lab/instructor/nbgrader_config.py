"""nbgrader settings for `make lab ROLE=instructor` only (on top of ../../nbgrader_config.py).

A local exchange in the course's ``.exchange/`` folder, so that Formgrader's Release
and Collect buttons and the Assignments panel work on one machine. On a JupyterHub the
exchange is the hub's (nbgrader's default, /srv/nbgrader/exchange): this file is not
read there.
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets when the file is loaded)

COURSE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
c.Exchange.root = os.path.join(COURSE_ROOT, ".exchange")
