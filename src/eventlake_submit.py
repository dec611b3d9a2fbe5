"""The file `spark-submit` runs: `spark-submit eventlake_submit.py [--settings-file F] <command>
[args]` locally, and on EMR Serverless as the job's entryPoint (the release publishes this file
as `<release_uri>/entrypoint.py`). It hands over to `eventlake.entrypoint.run`.

It lives beside the `eventlake` package, not inside it: Python puts a script's own folder first
on sys.path, and from inside the package `eventlake/io/` would shadow the standard library's
`io`. Here the folder is site-packages (or `src/` in a checkout), which shadows nothing.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from eventlake.entrypoint import run

    sys.exit(run(sys.argv[1:]))
