"""licdash's Textual dashboard: the app, screens, widgets, data sources and launchers."""
