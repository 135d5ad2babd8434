#!/bin/sh
# layers.sh: src/ reads as the pipeline (util < model < input < net < xmpp <
# login < report < pipeline < main.c): every include points to its own folder
# or one below, no circle of includes between modules, and a file longer than
# 800 lines says at its top why (tests/e2e/layers.py does the work).
TOP_SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)

if ! command -v python3 >/dev/null 2>&1; then
    echo "1..0 # SKIP python3 is not installed"
    exit 0
fi
exec python3 "$TOP_SRCDIR/tests/e2e/layers.py" "$TOP_SRCDIR/src"
