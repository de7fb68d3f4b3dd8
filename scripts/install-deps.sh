#!/usr/bin/env bash
# Installs the Debian packages XPlanServer needs to build, test and run.
# Idempotent and quick when everything is present.
set -euo pipefail

PACKAGES=(
  postgresql-15 postgresql-15-postgis-3   # managed PostGIS cluster
  libproj-dev proj-bin                    # PROJ (coordinate transformations)
  libxml2-dev libxml2-utils               # libxml2 (XSD validation), xmllint
  clang libclang-dev pkg-config           # bindgen for the -sys crates
  gdal-bin                                # ogr2ogr/ogrinfo (benchmark peer, client tests)
  time                                    # /usr/bin/time for peak memory in benchmarks
)

missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$p" == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

install_python_packages() {
  # OWSLib: a real WMS/WFS client for the test suite (from PyPI)
  if ! python3 -c "import owslib" 2>/dev/null; then
    echo "installing: OWSLib (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore OWSLib >/dev/null
  fi
  # openapi-spec-validator: checks our OpenAPI document in the API tests
  if ! python3 -c "import openapi_spec_validator" 2>/dev/null; then
    echo "installing: openapi-spec-validator (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore openapi-spec-validator >/dev/null
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_python_packages
  exit 0
fi

echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "error: missing packages ${missing[*]}; run this script as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian package creates and starts a default cluster on port 5432; we
# do not use it (xplanserver runs its own), so stop it to save memory.
if command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q "^15 *main .* online"; then
  $SUDO pg_ctlcluster 15 main stop || true
fi
install_python_packages
