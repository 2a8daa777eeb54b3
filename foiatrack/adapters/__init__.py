"""Adapters: the third-party I/O behind the Protocols in foiatrack.domain.ports."""
