#!/usr/bin/env bash
# Prints the python of the project's one pinned venv (infra/python-venv.sh makes it once).
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/infra/python-venv.sh"
