#!/usr/bin/env bash
# Rebuild the committed front-end files from the versions pinned in package.json:
#   GOV.UK Frontend JS + images  -> src/localtrace/static/vendor/govuk-frontend/
#   our compiled stylesheet      -> src/localtrace/static/localtrace/localtrace.css
#   Vega, Vega-Lite, Vega-Embed  -> src/localtrace/static/vendor/vega/        (charts; loaded only on chart pages)
#   Cytoscape                    -> src/localtrace/static/vendor/cytoscape/   (transmission chain graphs)
#   htmx                         -> src/localtrace/static/vendor/htmx/        (progressive enhancement)
#   axe-core for browser tests   -> tests/vendor/axe.min.js
# Run it after changing package.json; commit what it writes. Needs node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund
version=$(node -p "require('govuk-frontend/package.json').version")
src=node_modules/govuk-frontend/dist/govuk
dest=src/localtrace/static/vendor/govuk-frontend

rm -rf "$dest"
mkdir -p "$dest/assets"
cp "$src/govuk-frontend.min.js" "$dest/"
cp -r "$src/assets/images" "$dest/assets/"
echo "$version" > "$dest/VERSION"

mkdir -p src/localtrace/static/localtrace
npx sass --no-source-map --style=compressed --quiet-deps --load-path=node_modules \
  frontend/localtrace.scss src/localtrace/static/localtrace/localtrace.css

# Minified browser builds only, each folder with the version it came from.
vendor() {  # vendor PACKAGE FOLDER FILE...
  local package=$1 folder=src/localtrace/static/vendor/$2
  shift 2
  mkdir -p "$folder"
  for file in "$@"; do cp "node_modules/$package/$file" "$folder/"; done
  echo "$package $(node -p "JSON.parse(require('fs').readFileSync('node_modules/$package/package.json')).version")" >> "$folder/VERSION"
}
rm -rf src/localtrace/static/vendor/{vega,cytoscape,htmx}
vendor vega vega build/vega.min.js
vendor vega-lite vega build/vega-lite.min.js
vendor vega-embed vega build/vega-embed.min.js
vendor cytoscape cytoscape dist/cytoscape.min.js
vendor htmx.org htmx dist/htmx.min.js

mkdir -p tests/vendor
cp node_modules/axe-core/axe.min.js tests/vendor/axe.min.js
node -p "require('axe-core/package.json').version" > tests/vendor/AXE_VERSION

echo "GOV.UK Frontend $version and axe-core $(cat tests/vendor/AXE_VERSION) built."
