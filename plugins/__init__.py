"""dshell's built-in plugins, installed as ``dshell.plugins``.

Each module registers through the ``dshell`` entry-point group exactly like a third-party plugin.
"""
