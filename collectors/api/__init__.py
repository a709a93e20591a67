"""The collector's read-only data API, ``licdash.api/1`` (``licdash collect --api-port``).

- :mod:`collectors.api.wire`: the JSON shapes, one codec for the server and its followers;
- :mod:`collectors.api.journal`: the change log behind the change token and the deltas;
- :mod:`collectors.api.guard`: who may listen where, the bearer token, the rate limit;
- :mod:`collectors.api.server`: the aiohttp application and its lifecycle.

The contract is documented in ``docs/api.md``.
"""
