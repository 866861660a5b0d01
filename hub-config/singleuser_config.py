"""Configuration of every user's JupyterLab server on the madlab hub (the spawner's --config)."""

c = get_config()  # type: ignore[name-defined]  # noqa: F821

# Notebook 7's JupyterLab plugin ("open in Notebook") needs JupyterLab's document
# registry, which Voila pages do not have: there it only throws errors. (Voila needs
# an empty allow list beside a deny list.)
c.VoilaConfiguration.extension_allowlist = []
c.VoilaConfiguration.extension_denylist = ["@jupyter-notebook/lab-extension"]
