"""Headless ``licdash`` sub-commands.

Each module exposes ``add_arguments(parser)`` and ``run(args) -> int`` and keeps its
top-level imports to the standard library, so that building the command line stays
fast; heavy imports happen inside ``run``.
"""
