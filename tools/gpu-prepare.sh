#!/usr/bin/env bash
# Run HERE (the development machine, Debian 12) before a call to the GPU
# machine: fetches what tools/gpu-run.sh needs there and cannot download.
#   .device/debs/  GLib, json-glib and the -dev packages pkg-config needs
#                  (the GPU machine runs Ubuntu 24.04 without GLib)
#   golden/        the golden cases the gpu tests read: tiny and
#                  tmpl in full; realdim and single only params, features, config, outputs,
#                  recycles (no debug.npz) — the carry limit is 64 MiB.
# Both folders are ignored by git (.gitignore: /.device/, /golden/).
# Usage: tools/gpu-prepare.sh [golden-source-dir]   (default ../shared/golden)
set -euo pipefail
cd "$(dirname "$0")/.."

SRC=${1:-${FL_GOLDEN_DIR:-../shared/golden}}
DEBS=".device/debs"
PACKAGES="libglib2.0-0 libglib2.0-dev libjson-glib-1.0-0 libjson-glib-dev
          libpcre2-dev libffi-dev libmount-dev libblkid-dev libselinux1-dev
          libsepol-dev zlib1g-dev"
# Runtime libraries GLib needs; gpu-run.sh uses them only where the GPU
# machine lacks its own.
RUNTIME="libffi8 libpcre2-8-0 libmount1 libblkid1 libselinux1 zlib1g"

mkdir -p "$DEBS"
missing=""
for p in $PACKAGES; do
  ls "$DEBS/${p}_"*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "gpu-prepare: downloading$missing"
  (cd "$DEBS" && apt-get download $missing)
fi
mkdir -p "$DEBS/runtime"
for p in $RUNTIME; do
  ls "$DEBS/runtime/${p}_"*.deb >/dev/null 2>&1 || (cd "$DEBS/runtime" && apt-get download "$p")
done

copy() {   # copy CASE FILE if it exists in SRC
  if [ -f "$SRC/$1/$2" ]; then
    mkdir -p "golden/$1"
    cmp -s "$SRC/$1/$2" "golden/$1/$2" 2>/dev/null || cp -f "$SRC/$1/$2" "golden/$1/$2"
    chmod u+w "golden/$1/$2"
  fi
}
if [ -d "$SRC/tiny" ]; then
  for f in "$SRC"/tiny/*; do copy tiny "$(basename "$f")"; done
  for c in realdim single; do
    for f in config.json features.npz input.a3m meta.json outputs.npz recycles.npz; do
      copy "$c" "$f"
    done
  done
  copy realdim params_realdim.npz
  # tmpl (templates): small, carried whole
  if [ -d "$SRC/tmpl" ]; then
    for f in "$SRC"/tmpl/*; do copy tmpl "$(basename "$f")"; done
  fi
  [ -f "$SRC/README.md" ] && cp -f "$SRC/README.md" golden/README.md
else
  echo "gpu-prepare: no golden folder at $SRC; gpu golden tests will skip" >&2
fi

echo "gpu-prepare: $(du -sh "$DEBS" | cut -f1) of packages in $DEBS, $(du -sh golden 2>/dev/null | cut -f1) in golden/"
echo "carry: [\".device\", \"golden\"]"
