#!/bin/sh
# The browser tests against an already running server:
#   tests/browser/run.sh BASE_URL [crawl.mjs options]
#       the accessibility and HTML-conformance crawl (crawl.mjs)
#   tests/browser/run.sh --flows BASE_URL [flows.mjs options]
#       the journeys with JavaScript off, card payment included, through
#       the pages only a form reaches (flows.mjs; a `serve --demo` server)
# Prints TAP-like lines and a last line "N passed, M failed"; exits 0 when
# every check passed, 1 when one failed, 2 on a usage or setup error
# (node, node_modules or chromium missing: never a silent skip).
# See crawl.mjs and flows.mjs for the options.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
script=crawl.mjs
if [ "${1:-}" = "--flows" ]; then
	script=flows.mjs
	shift
fi

if [ ! -d "$here/node_modules/playwright-core" ] ||
   [ ! -d "$here/node_modules/axe-core" ] ||
   [ ! -d "$here/node_modules/vnu-jar" ]; then
	echo "Bail out! tests/browser/node_modules is missing or incomplete" >&2
	echo "  install it with: scripts/bootstrap --test" >&2
	echo "  (or: cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)" >&2
	exit 2
fi
if ! command -v node >/dev/null 2>&1; then
	echo "Bail out! node is not installed (scripts/bootstrap --test)" >&2
	exit 2
fi
exec node "$here/$script" "$@"
