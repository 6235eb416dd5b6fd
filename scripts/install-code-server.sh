#!/usr/bin/env bash
# Installs the real VS Code that the integration and UI tests run in: code-server 4.100.3 (VS Code 1.100.3,
# server + web workbench) from the npm registry, plus Debian's Chromium to drive it. Nothing is fetched from
# GitHub or a CDN, so this works where only npm and Debian are reachable.
#
#   bash scripts/install-code-server.sh
#   -> progress on stderr; on stdout exactly two lines:
#      CODE_SERVER_ROOT=/abs/dir/of/the/code-server/package
#      CHROMIUM_PATH=/usr/bin/chromium
#
# GRADSCOPE_CODE_SERVER_DIR  install dir (default ~/.cache/gradscope/code-server-4.100.3: outside the repo)
# CHROMIUM_PATH              use this browser instead of searching for one
#
# Idempotent: a finished install (marker file) returns at once; an interrupted one is wiped and redone.
# Why the manual steps: code-server's postinstall runs `npm install` inside lib/vscode, where @vscode/ripgrep
# downloads its binary from GitHub (fails offline). So we install with --ignore-scripts, drop in Debian's
# ripgrep and build the native modules ourselves. 4.100.x is the last line that runs on Node 20.
set -euo pipefail
VERSION=4.100.3
DEST=${GRADSCOPE_CODE_SERVER_DIR:-$HOME/.cache/gradscope/code-server-$VERSION}
CS="$DEST/node_modules/code-server"
MARKER="$DEST/.complete"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "[install-code-server] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- system packages: a browser, ripgrep (VS Code's search), krb5 headers (the kerberos native module), python readers, torch ---
missing=""
command -v rg >/dev/null 2>&1 || missing="$missing ripgrep"
[ -f /usr/include/krb5.h ] || [ -f /usr/include/gssapi/gssapi.h ] || missing="$missing libkrb5-dev"
if [ -z "${CHROMIUM_PATH:-}" ] && ! node "$HERE/find-chromium.js" >/dev/null 2>&1; then missing="$missing chromium"; fi
# The export test's independent readers (test/unit/support/independent_readers.py): Debian's python protobuf and crc32c.
/usr/bin/python3 -c 'import google.protobuf' >/dev/null 2>&1 || missing="$missing python3-protobuf"
/usr/bin/python3 -c 'import crc32c' >/dev/null 2>&1 || missing="$missing python3-crc32c"
# The PyTorch monitor's tests (python/tests, run by test/unit/pytorchMonitor.test.ts): Debian's torch.
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || missing="$missing python3-torch"
# The PyTorch reference figures (npm run bench, bench:torch-monitor): Debian's torch links the reference BLAS unless
# OpenBLAS is there (test/unit/support/torchPython.ts preloads it), ~4x slower on the bench MLP: not a fair reference.
ls /usr/lib/*/openblas-pthread/libopenblas.so.0 >/dev/null 2>&1 ||
  missing="$missing libopenblas0-pthread"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "apt-get install:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends $missing >&2
  else
    die "missing system packages:$missing. Install them (Debian: sudo apt-get install$missing) and re-run."
  fi
fi
CHROMIUM=$(node "$HERE/find-chromium.js") || die "no Chromium found (set CHROMIUM_PATH)"
RG=$(command -v rg)

print_result() { echo "CODE_SERVER_ROOT=$CS"; echo "CHROMIUM_PATH=$CHROMIUM"; }

mkdir -p "$(dirname "$DEST")"
# Two test runs starting at once must not install into the same dir together: serialise on a lock file.
exec 9>"$DEST.lock"
flock 9

if [ -f "$MARKER" ] && [ -f "$CS/out/node/entry.js" ]; then print_result; exit 0; fi

start=$(date +%s)
log "installing code-server $VERSION into $DEST (1-2 minutes)"
rm -rf "$DEST"   # a half-finished install from an earlier, interrupted run
mkdir -p "$DEST" && cd "$DEST"
echo '{"name":"gradscope-code-server-host","private":true}' > package.json
# node-gyp needs Node's headers; use the local ones when the node install ships them (no download from nodejs.org).
if [ -z "${npm_config_nodedir:-}" ] && [ -z "$(npm config get nodedir 2>/dev/null | grep -v '^undefined$' || true)" ]; then
  prefix=$(dirname "$(dirname "$(command -v node)")")
  [ -f "$prefix/include/node/node.h" ] && export npm_config_nodedir="$prefix"
fi
NPM="npm --no-audit --no-fund --loglevel=error"
npm_config_unsafe_perm=true $NPM install --ignore-scripts "code-server@$VERSION" >&2

cd "$CS/lib/vscode"
$NPM install --omit=dev --ignore-scripts >&2
# ripgrep: Debian's binary where @vscode/ripgrep would download one; drop its downloading postinstall.
mkdir -p node_modules/@vscode/ripgrep/bin && cp "$RG" node_modules/@vscode/ripgrep/bin/rg
node -e 'const f="./node_modules/@vscode/ripgrep/package.json",p=require(f);delete (p.scripts||{}).postinstall;require("fs").writeFileSync(f,JSON.stringify(p,null,2))'
# node-pty's own post-install step errors, but its pty.node is built: check the binaries, not the exit code.
$NPM rebuild >/dev/null 2>&1 || true
for f in node_modules/node-pty/build/Release/pty.node node_modules/@vscode/spdlog/build/Release/spdlog.node; do
  [ -f "$f" ] || die "native module not built: $CS/lib/vscode/$f"
done
# what code-server's postinstall would have set up
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && $NPM install --omit=dev --ignore-scripts >&2)
cd "$DEST" && $NPM rebuild argon2 >&2

touch "$MARKER"
log "done in $(( $(date +%s) - start )) s"
print_result
