#!/usr/bin/env bash
# Builds static/vendor/ from the npm packages pinned in package.json + package-lock.json (Chart.js and its
# matrix chart, for the evaluation's charts and the coverage dashboard's heat map): served by the app
# itself, never from a CDN. Installs Debian's nodejs and npm when they are missing. `make run` and
# `make test` run it through the Makefile rule.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "installing Debian packages: nodejs npm"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
mkdir -p static/vendor
cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js
cp node_modules/chart.js/LICENSE.md static/vendor/chart.js-LICENSE.md
cp node_modules/chartjs-chart-matrix/dist/chartjs-chart-matrix.min.js static/vendor/chartjs-chart-matrix.min.js
cp node_modules/chartjs-chart-matrix/LICENSE static/vendor/chartjs-chart-matrix-LICENSE
