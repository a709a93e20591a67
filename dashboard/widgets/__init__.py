"""Widgets of the dashboard, one per module, styled only through theme variables."""
