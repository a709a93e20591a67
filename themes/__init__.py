"""Colour themes for the licdash dashboard."""
