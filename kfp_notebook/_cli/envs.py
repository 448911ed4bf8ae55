"""`kfp-notebook gc`: remove cached task environments (and derived images) no run uses."""

from __future__ import annotations

import argparse
from datetime import timedelta

__all__ = ["gc"]


def gc(args: argparse.Namespace) -> int:
    from kfp_notebook.executors.subprocess.envs import EnvironmentManager

    older = None if args.older_than_days is None else timedelta(days=args.older_than_days)
    removed = EnvironmentManager().gc(older_than=older, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for env in removed:
        print(f"{verb} {env.path} ({env.size_bytes / 1e6:.1f} MB)")
    print(f"{verb} {len(removed)} environment(s)")
    if args.images:
        from kfp_notebook.executors.docker.client import connect
        from kfp_notebook.executors.docker.images import remove_derived_images

        images = remove_derived_images(connect(), dry_run=args.dry_run)
        for tag, size in images:
            print(f"{verb} image {tag} ({size / 1e6:.1f} MB)")
        print(f"{verb} {len(images)} image(s)")
    return 0
