#!/usr/bin/env bash
# Runs the test suite (`pnpm test`, or the command after `--`) on each Node major given
# (default: 22 and 24, the versions `engines` declares), one after the other.
#
#   scripts/node-matrix.sh                 # pnpm test on Node 22, then on Node 24
#   scripts/node-matrix.sh 24              # only Node 24
#   scripts/node-matrix.sh 22 -- pnpm vitest run packages/server/test/cli.test.ts
#   scripts/node-matrix.sh --bin 22        # prints the path of the cached Node 22 binary
#
# The binaries come from the npm packages node-<platform>-<arch>@<major> (the official builds,
# published by the Node.js project), installed once into
# ${XDG_CACHE_HOME:-~/.cache}/videoconf/node-<major> and reused afterwards; set
# NODE_MATRIX_REFRESH=1 to fetch the newest release of each major again.
# Each run puts that Node first on PATH, so pnpm, vitest and the processes the tests spawn
# (process.execPath) all run on it. Native modules: bcrypt 6 loads an N-API prebuild, which does
# not depend on the Node ABI; the check below fails early if that ever changes.
set -euo pipefail
cd "$(dirname "$0")/.."

majors=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  majors+=("$1")
  shift
done
[ "${1:-}" = "--" ] && shift
command=("$@")
[ ${#command[@]} -eq 0 ] && command=(pnpm test)
[ ${#majors[@]} -eq 0 ] && majors=(22 24)

cache="${XDG_CACHE_HOME:-$HOME/.cache}/videoconf"
platform="$(node -p 'process.platform + "-" + process.arch')"

node_bin() {
  local major="$1" dir="$cache/node-$1"
  local bin="$dir/node_modules/node-$platform/bin/node"
  if [ -n "${NODE_MATRIX_REFRESH:-}" ] || [ ! -x "$bin" ]; then
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error \
      "node-$platform@$major" >&2
  fi
  local version
  version="$("$bin" --version)"
  if [ "${version%%.*}" != "v$major" ]; then
    echo "node-matrix: $bin is $version, not Node $major" >&2
    return 1
  fi
  echo "$bin"
}

if [ "${majors[0]}" = "--bin" ]; then
  node_bin "${majors[1]:?--bin needs a major version}"
  exit 0
fi

status=0
for major in "${majors[@]}"; do
  bin="$(node_bin "$major")"
  printf '\n=== Node %s (%s): %s ===\n' "$major" "$("$bin" --version)" "${command[*]}"
  start=$(date +%s)
  if PATH="$(dirname "$bin"):$PATH" bash -c '
      set -e
      node --version
      # bcrypt is native: it must load and hash on this Node.
      pnpm --filter @videoconf/server exec node -e \
        "const b = require(\"bcrypt\"); if (!b.compareSync(\"x\", b.hashSync(\"x\", 4))) process.exit(1); console.log(\"bcrypt ok\")"
      "$@"
    ' node-matrix "${command[@]}"; then
    printf '=== Node %s: passed in %ss ===\n' "$major" "$(($(date +%s) - start))"
  else
    printf '=== Node %s: FAILED after %ss ===\n' "$major" "$(($(date +%s) - start))"
    status=1
  fi
done
exit "$status"
