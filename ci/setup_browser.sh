#!/usr/bin/env bash
# Idempotent: Debian's Chromium for the browser tests (Playwright drives it; Playwright's own
# browser download cannot reach its CDN here).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
fi
