#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test of the Temporal Web UI. Idempotent.
set -euo pipefail
if command -v chromium >/dev/null; then
  exit 0
fi
SUDO=""
[[ "$(id -u)" == "0" ]] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
chromium --version
