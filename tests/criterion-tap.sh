#!/bin/sh
# Runs the Criterion runner with TAP output for automake's tap-driver.
exec "$@" --tap
