#!/usr/bin/env bash
# The whole test suite: type check, library build (the browser tests load dist/), the API docs, then every Vitest
# test — GPU tests on the default adapter (lavapipe on a machine without a GPU), browser tests in
# headless Chromium. A machine with no WebGPU adapter fails the GPU tests; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "[test] type check and format (Prettier)"
npx tsc --noEmit -p tsconfig.json
npx prettier --check --log-level warn "**/*.ts"
echo "[test] build"
npm run --silent build >/dev/null
echo "[test] API docs (TypeDoc)"
npm run --silent docs -- --logLevel Warn
echo "[test] vitest"
mkdir -p test-results
exec bash scripts/with-vulkan.sh npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@"
