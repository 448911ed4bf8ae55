#!/usr/bin/env bash
# Idempotent: make a Docker engine reachable and a local `python:3.11` test image exist.
# Installs docker.io and debootstrap if missing, starts dockerd if it is not running (no systemd
# here), and builds the image from Debian bookworm (python 3.11) when it is not there yet, since
# no registry image can be pulled on this machine. Re-runs cost about a second.
set -euo pipefail
IMAGE="${KFP_NOTEBOOK_TEST_IMAGE:-python:3.11}"

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq docker.io debootstrap >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
    nohup dockerd >/var/log/kfp-notebook-dockerd.log 2>&1 &
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 0.5
    done
    docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/kfp-notebook-dockerd.log" >&2; exit 1; }
fi

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    root="$(mktemp -d /tmp/kfpnb-rootfs.XXXXXX)"
    trap 'rm -rf "$root"' EXIT
    echo "building $IMAGE from Debian bookworm (about a minute)..."
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
        bookworm "$root" >/dev/null
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED   # KFP's command pip-installs system-wide
    ln -sf python3 "$root/usr/bin/python"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["python3"]' - "$IMAGE" >/dev/null
    echo "built $IMAGE"
fi
