"""Sources of a merged fleet view: stores on this host and collectors' data APIs.

- :mod:`collectors.sources.base`: the :class:`Source` protocol, :class:`SourceState`
  (one look) and :class:`SourceHealth` (how a source is, for every face);
- :mod:`collectors.sources.store_source` and :mod:`collectors.sources.remote`: the two
  kinds;
- :mod:`collectors.sources.merge`: the one merge rule (keys, collisions, the ``source``
  tag, unreachable sources kept as last known, the merged policy);
- :mod:`collectors.sources.spec`: ``--source`` values and ``[[sources]]`` tables;
- :mod:`collectors.sources.oneshot`: one look at all of them, for ``status``/``export``.

``dash``, ``status`` and ``export`` all merge through
:class:`~collectors.sources.merge.FleetMerger`.
"""
