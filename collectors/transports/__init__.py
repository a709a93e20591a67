"""Ways of asking a publisher for its licence status: AXL over HTTPS, later SSH CLI.

Every transport satisfies :class:`collectors.transports.base.Transport`.
"""
