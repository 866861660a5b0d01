"""The widgets reach the platform only through the API client."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_widgets_loads_no_server_code() -> None:
    code = (
        "import sys, madlab.widgets\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tornado', 'jupyter_server', 'madlab_server', 'sqlalchemy', 'celery'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == ""
