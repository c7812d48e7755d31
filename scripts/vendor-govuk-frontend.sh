#!/usr/bin/env bash
# Vendors GOV.UK Frontend into src/web/static/govuk/, where the binary embeds it (no CDN, no build
# step at compile time). Run it to move to another version, then commit what it writes:
#
#   scripts/vendor-govuk-frontend.sh [VERSION]      (default: the version pinned below)
#
# It installs govuk-frontend and the Sass compiler from the npm registry into a temporary folder,
# compiles the stylesheet with the font set to Arial (the service does not use GDS Transport, which
# is only licensed for GOV.UK domains), and copies the images the stylesheet and the templates use.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${1:-6.6.0}"
SASS_VERSION="1.89.2"
OUT=src/web/static/govuk
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

npm install --prefix "$TMP" --no-audit --no-fund --silent "govuk-frontend@$VERSION" "sass@$SASS_VERSION"
cat >"$TMP/sandbox.scss" <<'SCSS'
@use "govuk-frontend/dist/govuk" with (
  $govuk-font-family: (arial, sans-serif),
  $govuk-include-default-font-face: false,
  $govuk-assets-path: "/static/govuk/assets/"
);
SCSS
rm -rf "$OUT"
mkdir -p "$OUT/assets/images"
"$TMP/node_modules/.bin/sass" --quiet --quiet-deps --no-source-map --style=compressed --load-path="$TMP/node_modules" \
  "$TMP/sandbox.scss" "$OUT/govuk-frontend.min.css"
SRC="$TMP/node_modules/govuk-frontend/dist/govuk/assets"
for f in favicon.ico favicon.svg govuk-icon-180.png govuk-crest.svg; do
  [ -f "$SRC/images/$f" ] && cp "$SRC/images/$f" "$OUT/assets/images/"
done
# The package states its licence (MIT) and authors in its package.json.
cp "$TMP/node_modules/govuk-frontend/package.json" "$OUT/package.json"
echo "$VERSION" >"$OUT/VERSION"
echo "GOV.UK Frontend $VERSION vendored into $OUT:"
ls -l "$OUT" "$OUT/assets/images"
