"""The ``--fix`` and ``--add-noqa`` commands: the fix loop and safe writes."""
