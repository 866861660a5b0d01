"""Built-in tasks, registered through the ``madlab.tasks`` entry point group.

One module per task, each exposing ``TASK`` (a
:class:`~madlab.tasks.registry.BuiltinTask`): ``prepare_receptor``,
``prepare_ligands``, ``dock``, ``rescore`` and ``redock_benchmark``.
"""
