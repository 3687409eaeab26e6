"""The HTTP dialect of the operator port: httpx, the wire models, retries."""

import sys

# `import httpx` also imports httpx's own command-line client, and with it rich.syntax,
# rich.table and pygments' lexers: about a tenth of a second on every start of a
# command that talks to the operator, for a tool quotabulk never runs. Marked absent,
# httpx takes its own fallback for a missing CLI (see encode/httpx#3547, which moves
# the import to `python -m httpx`). Left alone when httpx was imported already.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
