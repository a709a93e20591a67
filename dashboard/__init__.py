"""licdash's Textual dashboard and the ``licdash`` command-line front door."""
