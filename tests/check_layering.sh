#!/usr/bin/env bash
# Fails when an #include points back up the module stack of DESIGN.md:
#   core/ must not include codec/ or net/; codec/ must not include core/route, core/config,
#   core/pool or net/.
set -u
root=${1:-.}
cd "$root" || exit 2
bad=0
report() { echo "layering violation: $1"; bad=1; }
while IFS= read -r hit; do report "$hit"; done < <(grep -rnE '#include "(codec|net)/' core || true)
while IFS= read -r hit; do report "$hit"; done < <(grep -rnE '#include "(net/|core/(route|config|pool)/)' codec || true)
if [ "$bad" -ne 0 ]; then
  exit 1
fi
echo "layering ok"
