#!/usr/bin/env bash
# Rebuild the committed front-end files from the versions pinned in package.json:
#   GOV.UK Frontend JS + images  -> src/localtrace/static/vendor/govuk-frontend/
#   our compiled stylesheet      -> src/localtrace/static/localtrace/localtrace.css
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

mkdir -p tests/vendor
cp node_modules/axe-core/axe.min.js tests/vendor/axe.min.js
node -p "require('axe-core/package.json').version" > tests/vendor/AXE_VERSION

echo "GOV.UK Frontend $version and axe-core $(cat tests/vendor/AXE_VERSION) built."
