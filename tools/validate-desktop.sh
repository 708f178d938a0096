#!/usr/bin/env bash
# Validates the desktop entry and the AppStream metainfo (meson test
# 'desktop-files'); fails when the validators are missing (tools/dev.sh
# installs them: desktop-file-utils, appstream).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
for tool in desktop-file-validate appstreamcli; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install desktop-file-utils appstream)" >&2; exit 1; }
done
desktop-file-validate "$src/resources/desktop/org.foldlight.Foldlight.desktop"
appstreamcli validate --no-net --pedantic "$src/resources/desktop/org.foldlight.Foldlight.metainfo.xml"
# the icon the entry names is the one installed
grep -q '^Icon=org.foldlight.Foldlight$' "$src/resources/desktop/org.foldlight.Foldlight.desktop"
test -s "$src/resources/icons/hicolor/scalable/apps/org.foldlight.Foldlight.svg"
echo "desktop entry, metainfo and icon: valid"
