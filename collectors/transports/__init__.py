"""Ways of asking a publisher for its licence status.

``axl`` (SOAP over HTTPS, :mod:`collectors.transports.axl`) and ``cli`` (``show license
all`` in the VOS shell over SSH, :mod:`collectors.transports.cli`). Every transport
satisfies :class:`collectors.transports.base.Transport`.
"""
