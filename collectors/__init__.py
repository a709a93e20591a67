"""licdash's headless core: the snapshot model, parsers, poll engine, store and mock fleet.

Nothing in this package imports ``textual``, ``dashboard`` or ``themes``; a test
proves it in a fresh interpreter.
"""

__version__ = "0.1.0"
