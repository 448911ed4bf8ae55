"""`python -m kfp_notebook ...` is the `kfp-notebook` command."""

import sys

from kfp_notebook._cli import main

sys.exit(main())
