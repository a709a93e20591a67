"""What every test folder and ``bench/`` build their data from.

- :mod:`tests.support.factory`: the one reference time ``NOW``, the licence tags, and
  the one builder of snapshots, cluster statuses and poll updates;
- :mod:`tests.support.source`: the one fake data source (the detail screens' queries);
- :mod:`tests.support.host`: the one host app that shows a screen as ``LicdashApp`` does;
- :mod:`tests.support.store`: a real on-disk store holding given statuses;
- :mod:`tests.support.forked`: forked children reporting on a pipe (crash and
  concurrency tests).
- :mod:`tests.support.collector`: ``licdash collect`` as a subprocess, its stderr read.
- :mod:`tests.support.mock_process`: ``licdash mock`` as a real subprocess.
- :mod:`tests.support.proc`: this process's resident memory, from ``/proc``.

Nothing here imports pytest, so the benchmarks can use it; ``bench/*.py`` put the
project root on ``sys.path`` to import it.
"""
