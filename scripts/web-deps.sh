#!/usr/bin/env bash
# Installs what the web page and its browser test need: Node.js and npm,
# Debian's Chromium (the test drives it with playwright-core; no browser is
# ever downloaded), the npm packages of web/package-lock.json, and copies the
# browser libraries (OpenLayers, Swagger UI) to web/vendor/, which the server
# serves under /static/vendor/. Idempotent and quick when everything is there.
# Packages come only from Debian and the npm registry.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB="$ROOT/web"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; fi
fi

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

apt_updated=""
apt_install() {
  if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
    echo "error: missing packages $*; run this script as root" >&2
    exit 1
  fi
  echo "installing: $*"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$apt_updated" ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Node.js and npm (Debian's, unless some Node.js with npm is already there).
if ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 20 ]; then
  echo "warning: Node.js $(node --version 2>/dev/null) is older than 20, which playwright-core (browser test) needs" >&2
fi

# Chromium for the browser test (tests/browser/web.mjs uses /usr/bin/chromium).
if ! installed chromium; then
  apt_install chromium
fi

# npm packages: only when node_modules is missing or older than the lock file.
if [ ! -d "$WEB/node_modules" ] || [ "$WEB/package-lock.json" -nt "$WEB/node_modules" ]; then
  echo "installing: npm packages of web/package-lock.json"
  # --ignore-scripts: no package needs an install script (swagger-ui-dist's
  # dependency @scarf/scarf would only send telemetry).
  (cd "$WEB" && SCARF_ANALYTICS=false npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  touch "$WEB/node_modules"
fi

# Vendored browser files, copied when missing or older than their source.
copy() { # copy SRC DESTDIR
  local src="$1" dest="$2/$(basename "$1")"
  if [ ! -f "$src" ]; then
    echo "error: $src missing (web/node_modules incomplete? remove it and rerun)" >&2
    exit 1
  fi
  mkdir -p "$2"
  if [ ! -f "$dest" ] || [ "$src" -nt "$dest" ]; then
    cp -p "$src" "$dest"
  fi
}
NM="$WEB/node_modules"
copy "$NM/ol/dist/ol.js" "$WEB/vendor/ol"
[ -f "$NM/ol/dist/ol.js.map" ] && copy "$NM/ol/dist/ol.js.map" "$WEB/vendor/ol"
copy "$NM/ol/ol.css" "$WEB/vendor/ol"
copy "$NM/ol/LICENSE.md" "$WEB/vendor/ol"
copy "$NM/swagger-ui-dist/swagger-ui-bundle.js" "$WEB/vendor/swagger-ui"
copy "$NM/swagger-ui-dist/swagger-ui.css" "$WEB/vendor/swagger-ui"
copy "$NM/swagger-ui-dist/LICENSE" "$WEB/vendor/swagger-ui"
