#!/usr/bin/env bash
# Build the vendored GOV.UK Frontend assets into static/govuk/.
#
# Compiles static/scss/app.scss (which sets the Arial font, disables the
# GDS Transport @font-face and sets the assets path before importing
# govuk-frontend) into static/govuk/govuk-frontend.min.css, and copies the
# govuk-frontend ES module and licence. No fonts and no images are copied:
# GDS Transport and the crown/crest (including the default favicons and
# manifest icons) must not be used by this service.
set -euo pipefail

GOVUK_FRONTEND_VERSION="5.14.0"
SASS_VERSION="1.108.2"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENTRY="$ROOT/static/scss/app.scss"
OUT="$ROOT/static/govuk"

[[ -f "$ENTRY" ]] || { echo "missing $ENTRY" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
echo '{"private": true}' > package.json
npm install --no-audit --no-fund --silent \
  "govuk-frontend@${GOVUK_FRONTEND_VERSION}" "sass@${SASS_VERSION}"

DIST="$WORK/node_modules/govuk-frontend/dist/govuk"
installed="$(node -p 'require("./node_modules/govuk-frontend/package.json").version')"
[[ "$installed" == "$GOVUK_FRONTEND_VERSION" ]] || { echo "got govuk-frontend $installed" >&2; exit 1; }

mkdir -p "$OUT.tmp"
trap 'rm -rf "$WORK" "$OUT.tmp"' EXIT

# govuk-frontend 5.x still uses @import internally; silence dependency
# deprecation noise.
"$WORK/node_modules/.bin/sass" \
  --load-path="$WORK/node_modules" \
  --style=compressed --no-source-map \
  --quiet-deps --silence-deprecation=import \
  "$ENTRY" "$OUT.tmp/govuk-frontend.min.css"

# The source map is not shipped, so drop its sourceMappingURL comment (a
# dangling reference makes Django's ManifestStaticFilesStorage fail).
sed -e 's|//# sourceMappingURL=[^ ]*\.map[[:space:]]*$||' \
  "$DIST/govuk-frontend.min.js" > "$OUT.tmp/govuk-frontend.min.js"
# The npm package declares "license": "MIT" but does not ship LICENSE.txt,
# so use the package's copy if a future release includes one, otherwise
# write the upstream repository's LICENSE.txt (alphagov/govuk-frontend).
if [[ -f "$WORK/node_modules/govuk-frontend/LICENSE.txt" ]]; then
  cp "$WORK/node_modules/govuk-frontend/LICENSE.txt" "$OUT.tmp/LICENSE.txt"
else
  license="$(node -p 'require("./node_modules/govuk-frontend/package.json").license')"
  [[ "$license" == "MIT" ]] || { echo "govuk-frontend licence is now $license" >&2; exit 1; }
  cat > "$OUT.tmp/LICENSE.txt" <<'TXT'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
TXT
fi

# Guard: no GDS Transport font may be referenced or shipped.
if grep -qiE 'gds[ -]?transport|\.woff2?|@font-face' "$OUT.tmp/govuk-frontend.min.css"; then
  echo "compiled CSS references GDS Transport / web fonts" >&2
  exit 1
fi
if ! grep -q 'font-family:arial,sans-serif' "$OUT.tmp/govuk-frontend.min.css"; then
  echo "compiled CSS does not use arial" >&2
  exit 1
fi

cat > "$OUT.tmp/VERSION.txt" <<TXT
govuk-frontend ${GOVUK_FRONTEND_VERSION} (npm)
sass ${SASS_VERSION} (npm, dart-sass)
Built by scripts/build_govuk_assets.sh from static/scss/app.scss.

GOV.UK Frontend is MIT-licensed, (c) Crown copyright: see LICENSE.txt.
Not included: the GDS Transport font, the crown/crest images, the default
GOV.UK favicons and manifest.json (this is not a GOV.UK-domain service).
TXT

# Replace the output directory in one step.
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo "Built $(ls "$OUT" | tr '\n' ' ')in $OUT"
