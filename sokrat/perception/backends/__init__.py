"""Perception backends, one module each. A module declares ``BACKENDS``, a list of
:class:`sokrat.perception.registry.BackendSpec`; the registry finds every module here, so a
new backend is one new file (and its test). Heavy libraries are imported inside the backends."""
