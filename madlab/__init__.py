"""madlab: Jupyter-native molecular docking.

The core library (this package) holds the domain, the molecule handling, the
docking engines, the task, pipeline and runtime services, and the store. It
imports nothing from jupyter_server or tornado; the Jupyter side lives in
``extensions/``.
"""

__version__ = "0.1.0"
