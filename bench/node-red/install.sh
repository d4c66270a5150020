#!/bin/sh
# Installs Node-RED for the side-by-side benchmark into a scratch folder (bench/.node-red by
# default, gitignored), never into the project's own dependencies. Idempotent: does nothing when
# the pinned version is already there.
set -eu
VERSION="${NODE_RED_VERSION:-4.1.15}"
DIR="${NODE_RED_DIR:-$(dirname "$0")/../.node-red}"
mkdir -p "$DIR"
cd "$DIR"
if [ -f node_modules/node-red/package.json ] && grep -q "\"version\": \"$VERSION\"" node_modules/node-red/package.json; then
  exit 0
fi
[ -f package.json ] || printf '{ "name": "conveyor-bench-node-red", "private": true }\n' > package.json
npm install --no-audit --no-fund --omit=optional --loglevel=error "node-red@$VERSION" >&2
