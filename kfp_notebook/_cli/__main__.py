"""`python -m kfp_notebook._cli`: what detached runs and the tests start."""

from kfp_notebook._cli import entry

entry()
