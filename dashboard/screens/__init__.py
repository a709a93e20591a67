"""The dashboard's screens: fleet (the shell's), help, and the detail screens."""
