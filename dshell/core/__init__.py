"""The command model, parsing, the session and the plugin host: no terminal code."""
