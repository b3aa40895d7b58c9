"""The Engine API: one module per resource, one function per endpoint, over :class:`DockerClient`."""
