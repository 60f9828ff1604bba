#!/usr/bin/env bash
# Time to interactive of /login and the partner-admin dashboard on a slow phone: Chromium with
# 4x CPU slowdown and a 1.6 Mbit/s, 150 ms link, empty cache, PMS_TTI_RUNS loads each (3).
# A benchmark, not a check: figures go to docs/benchmarks.md. Needs the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cd end2end
PMS_TTI=1 exec npx playwright test --config budget.config.ts "$@"
