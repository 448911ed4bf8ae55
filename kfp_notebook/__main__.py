"""`python -m kfp_notebook ...` is the `kfp-notebook` command."""

from kfp_notebook._cli import entry

entry()
