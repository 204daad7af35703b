#!/bin/sh
# Tests the accessibility crawler (crawl.mjs) itself on fixture sites:
#  - fixtures/site/, served by `python3 -m http.server`: a valid, accessible
#    French home page, a second page with an image without alt, a
#    duplicated id and no lang, and a third one, valid, whose preformatted
#    line scrolls the page sideways at 320 and 640 px (the width check); the home page also links to things the
#    crawler must not follow or check (fragment, mailto:, tel:, /static/,
#    sign-out, another origin, a text file);
#  - fixtures/login_server.py: a sign-in form, for the signed-in crawl;
#  - the checks of the braille downloads (braille_check.mjs) on made-up
#    files, good and faulty;
#  - usage and infrastructure errors, for the crawl and the journeys
#    (flows.mjs): a missing chromium or node_modules stops them loudly.
# Prints "ok N - ..." / "not ok N - ..." lines and a last line
# "N passed, M failed"; exits 1 if a check failed, 2 if it could not run.
#   tests/browser/selftest.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
crawl="$here/run.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/robinet-selftest.XXXXXX")
pids=""

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

n=0
passed=0
failed=0

# check DESCRIPTION COMMAND...: one test line from the command's status.
check() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		passed=$((passed + 1))
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
	fi
}

# Shows a file as TAP comments, for the reader of a failure.
show() {
	sed 's/^/#   | /' "$1"
}

# same FILE EXPECTED-TEXT: the file's sorted lines are exactly these.
same() {
	printf '%s\n' "$2" | sort >"$tmp/expected"
	sort "$1" >"$tmp/actual"
	if diff -u "$tmp/expected" "$tmp/actual" >"$tmp/diff"; then
		return 0
	fi
	show "$tmp/diff"
	return 1
}

# Runs a command in the background with its stdout to FILE, its stderr to
# FILE.err, and waits until the first stdout line names its port.
# Sets $port. start_server FILE COMMAND...
start_server() {
	log=$1
	shift
	timeout 600 "$@" >"$log" 2>"$log.err" &
	pids="$pids $!"
	port=""
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
		[ -n "$port" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "Bail out! fixture server did not start: $*"
	show "$log.err"
	exit 2
}

# Keeps "STATUS CHECKER PATH" of each test line of a crawl output.
verdicts() {
	sed -n 's/^\(ok\|not ok\) [0-9][0-9]* - \([a-z]*\) \([^:]*\).*/\1 \2 \3/p' "$1"
}

# Lists "CHECKER PATH: PROBLEM" for every problem of a crawl output: the
# one on the "not ok" line and those on the "#   " lines after it.
problems() {
	awk '
	/^not ok / {
		sub(/^not ok [0-9]+ - /, "")
		i = index($0, ": ")
		cur = substr($0, 1, i - 1)
		p = substr($0, i + 2)
		sub(/ \(\+[0-9]+ more\)$/, "", p)
		print cur ": " p
		next
	}
	/^#   / && cur != "" { print cur ": " substr($0, 5); next }
	{ cur = "" }
	' "$1"
}

if [ ! -d "$here/node_modules/playwright-core" ]; then
	echo "Bail out! tests/browser/node_modules is missing: run scripts/bootstrap --test"
	exit 2
fi

# ---- 1. the static fixture site: one good page, one bad page

start_server "$tmp/site.log" python3 -u -m http.server 0 --bind 127.0.0.1 \
	--directory "$here/fixtures/site"
base="http://127.0.0.1:$port"
timeout 300 "$crawl" --timeout 240 "$base/" >"$tmp/site.out" 2>"$tmp/site.err"
rc=$?
verdicts "$tmp/site.out" >"$tmp/site.verdicts"
problems "$tmp/site.out" >"$tmp/site.problems"
grep '"GET ' "$tmp/site.log.err" | sed 's/.*"GET \([^ ]*\) .*/\1/' >"$tmp/site.requests"

check "static site: crawler exits 1 (a check failed)" test "$rc" = 1
check "static site: good page passes, bad page fails page, axe and vnu, wide page fails width, nothing else checked" \
	same "$tmp/site.verdicts" "ok page /
ok axe /
ok width / @320px
ok axe / @320px
ok width / @640px
ok vnu /
not ok page /deuxieme.html
not ok axe /deuxieme.html
ok width /deuxieme.html @320px
not ok axe /deuxieme.html @320px
ok width /deuxieme.html @640px
not ok vnu /deuxieme.html
ok page /large.html
ok axe /large.html
not ok width /large.html @320px
ok axe /large.html @320px
not ok width /large.html @640px
ok vnu /large.html"
grep '^page ' "$tmp/site.problems" >"$tmp/p.page"
check "static site: page check reports exactly the missing lang" \
	same "$tmp/p.page" 'page /deuxieme.html: <html> has no lang attribute, expected lang="fr"'
grep '^axe ' "$tmp/site.problems" >"$tmp/p.axe"
check "static site: axe reports exactly html-has-lang and image-alt, at 1280 and at 320 px" \
	same "$tmp/p.axe" "axe /deuxieme.html: html-has-lang (serious) html
axe /deuxieme.html: image-alt (critical) img
axe /deuxieme.html @320px: html-has-lang (serious) html
axe /deuxieme.html @320px: image-alt (critical) img"
grep '^vnu ' "$tmp/site.problems" | sed 's/: line [0-9]*: /: /' |
	sed 's/^\(vnu [^:]*: \)\(Duplicate ID\).*/\1\2/; s/^\(vnu [^:]*: An “img” element must have an “alt” attribute\).*/\1/' \
	>"$tmp/p.vnu"
check "static site: vnu reports exactly the duplicate id and the img without alt" \
	same "$tmp/p.vnu" "vnu /deuxieme.html: Duplicate ID
vnu /deuxieme.html: An “img” element must have an “alt” attribute"
grep '^width ' "$tmp/site.problems" | sed 's/ [0-9]* px wide in a/ N px wide in a/; s/ ends at [0-9]* px$/ ends at N px/' >"$tmp/p.width"
check "static site: the width check names the page's width and the <pre> that sticks out" \
	same "$tmp/p.width" "width /large.html @320px: the page is N px wide in a 320 px viewport (scrolls sideways)
width /large.html @320px: sticks out: pre \"Compteur I21BA012345 index 1 234 m³ rele\" ends at N px
width /large.html @640px: the page is N px wide in a 640 px viewport (scrolls sideways)
width /large.html @640px: sticks out: pre \"Compteur I21BA012345 index 1 234 m³ rele\" ends at N px"
check "static site: last line is exactly \"12 passed, 6 failed\"" \
	test "$(tail -n 1 "$tmp/site.out")" = "12 passed, 6 failed"
check "static site: the text file is fetched once and not checked" \
	test "$(grep -c '^/tarifs.txt$' "$tmp/site.requests")" = 1
check "static site: /static/, sign-out links and fragments are never requested" \
	test "$(grep -c -e '^/static/' -e '^/deconnexion' -e '^/quitter' -e '#' "$tmp/site.requests")" = 0

if [ "$failed" -gt 0 ]; then
	echo "# crawler output:"
	show "$tmp/site.out"
	show "$tmp/site.err"
fi

# ---- 2. the signed-in crawl

email=abonne@robinet.invalid
password=Eau-potable-2024
start_server "$tmp/login.log" python3 -u "$here/fixtures/login_server.py" "$email" "$password"
base="http://127.0.0.1:$port"
timeout 300 "$crawl" --timeout 240 --login-path /connexion --login-email "$email" \
	--login-password "$password" --start /mon-espace "$base/" \
	>"$tmp/login.out" 2>"$tmp/login.err"
rc=$?
verdicts "$tmp/login.out" >"$tmp/login.verdicts"
before=$failed
check "signed-in crawl: crawler exits 0" test "$rc" = 0
check "signed-in crawl: public pages, then the private ones once signed in" \
	same "$tmp/login.verdicts" "ok page /
ok axe /
ok width / @320px
ok axe / @320px
ok width / @640px
ok vnu /
ok page /connexion
ok axe /connexion
ok width /connexion @320px
ok axe /connexion @320px
ok width /connexion @640px
ok vnu /connexion
ok page /mon-espace [signed-in]
ok axe /mon-espace [signed-in]
ok width /mon-espace [signed-in] @320px
ok axe /mon-espace [signed-in] @320px
ok width /mon-espace [signed-in] @640px
ok vnu /mon-espace [signed-in]
ok page / [signed-in]
ok axe / [signed-in]
ok width / [signed-in] @320px
ok axe / [signed-in] @320px
ok width / [signed-in] @640px
ok vnu / [signed-in]
ok page /mes-factures [signed-in]
ok axe /mes-factures [signed-in]
ok width /mes-factures [signed-in] @320px
ok axe /mes-factures [signed-in] @320px
ok width /mes-factures [signed-in] @640px
ok vnu /mes-factures [signed-in]"
check "signed-in crawl: the form was posted once" \
	test "$(grep -c '^POST /connexion$' "$tmp/login.log.err")" = 1
check "signed-in crawl: the sign-out link is never followed" \
	test "$(grep -c '/deconnexion' "$tmp/login.log.err")" = 0
if [ "$failed" -gt "$before" ]; then
	echo "# crawler output:"
	show "$tmp/login.out"
	show "$tmp/login.err"
fi

timeout 300 "$crawl" --timeout 240 --no-vnu --login-path /connexion --login-email "$email" \
	--login-password wrong-password "$base/" >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
check "signed-in crawl: a refused sign-in is a setup error (exit 2)" test "$rc" = 2
check "signed-in crawl: a refused sign-in says so" grep -q '^Bail out! sign-in at /connexion failed' "$tmp/bad.out"

# ---- 3. usage and infrastructure errors

timeout 60 "$crawl" >/dev/null 2>&1
check "no base URL: exit 2" test $? = 2
timeout 60 "$crawl" http://192.0.2.1/ >/dev/null 2>&1
check "a base URL that is not loopback is refused: exit 2" test $? = 2
timeout 60 "$crawl" --max-pages zero "$base/" >/dev/null 2>&1
check "a bad option value: exit 2" test $? = 2
# A port that was just free: nothing listens there.
free_port=$(python3 "$here/../freeport.py")
timeout 120 "$crawl" "http://127.0.0.1:$free_port/" >"$tmp/down.out" 2>/dev/null
rc=$?
check "no server at the base URL: exit 2" test "$rc" = 2
check "no server at the base URL: says it cannot reach it" grep -q '^Bail out! cannot reach' "$tmp/down.out"

# Missing pieces stop the suite loudly, never a silent skip.
CHROMIUM_PATH=/nonexistent/chromium timeout 60 "$crawl" --no-vnu "$base/" >"$tmp/nochrome.out" 2>/dev/null
rc=$?
check "no chromium: the crawl exits 2" test "$rc" = 2
check "no chromium: the crawl says so" grep -q '^Bail out! no browser at /nonexistent/chromium' "$tmp/nochrome.out"
CHROMIUM_PATH=/nonexistent/chromium timeout 60 "$crawl" --flows --no-vnu --login-email "$email" \
	--login-password "$password" "$base/" >"$tmp/nochrome.out" 2>/dev/null
rc=$?
check "no chromium: the journeys exit 2" test "$rc" = 2
check "no chromium: the journeys say so" grep -q '^Bail out! no browser at /nonexistent/chromium' "$tmp/nochrome.out"
timeout 60 "$crawl" --flows "$base/" >/dev/null 2>&1
check "journeys without --login-email and --login-password: exit 2" test $? = 2
timeout 60 "$crawl" --flows --login-email "$email" --login-password "$password" http://192.0.2.1/ >/dev/null 2>&1
check "journeys on a server that is not loopback are refused: exit 2" test $? = 2
# run.sh alone, without node_modules beside it.
mkdir "$tmp/bare"
cp "$here/run.sh" "$here/crawl.mjs" "$here/flows.mjs" "$here/reflow.mjs" "$here/braille_check.mjs" "$tmp/bare/"
sh "$tmp/bare/run.sh" "$base/" >/dev/null 2>"$tmp/bare.err"
rc=$?
check "no node_modules: exit 2" test "$rc" = 2
check "no node_modules: says so" grep -q '^Bail out! tests/browser/node_modules is missing' "$tmp/bare.err"

# The checks of the braille downloads (braille_check.mjs) on made-up
# files: a good pair passes, and each fault is found with its message.
node --input-type=module - "$here/braille_check.mjs" >"$tmp/braille.out" 2>&1 <<'EOF'
const { brailleProblems } = await import(process.argv[2]);
// Two pages of 27 lines; cells of dots 1, 1-2, 1-2-3 and blanks.
const page = () => Array.from({ length: 27 }, (_, i) => (i === 26 ? '\u2801\u2800\u2807' : '\u2801\u2800\u2803'));
const good2 = [page(), page()];
const uni = (pages) => pages.map((p) => p.join('\n') + '\n').join('\f');
const emb = (pages) => pages.map((p) => p.map((l) => l.replace(/\u2801/g, 'a').replace(/\u2803/g, 'b')
	.replace(/\u2807/g, 'l').replace(/\u2800/g, ' ')).join('\r\n') + '\r\n').join('\f');
const B = (s, enc = 'utf8') => Buffer.from(s, enc);
const good = uni(good2), goodE = emb(good2);
const long = [good2[0].map((l, i) => (i === 3 ? l + '\u2801'.repeat(31) : l)), good2[1]];
const tall = [[...good2[0], '\u2801'], good2[1]];
const cases = [
	['a good pair', B(good), B(goodE, 'latin1'), null],
	['a letter in the Unicode text', B(good.replace('\u2803', 'b')), B(goodE, 'latin1'), 'not braille'],
	['blank cells only', B(good.replace(/[\u2801-\u28ff]/g, '\u2800')), B(goodE.replace(/[abl]/g, ' '), 'latin1'), 'has no braille cell'],
	['a Unicode line of 34 cells', B(uni(long)), B(goodE, 'latin1'), 'Unicode braille of the bill has 1 lines over 32'],
	['an embosser line of 34 cells', B(uni(long)), B(emb(long), 'latin1'), 'embosser file of the bill has 1 lines over 32'],
	['LF line ends in the embosser file', B(good), B(goodE.replace(/\r\n/g, '\n'), 'latin1'), 'line ends other than CR LF'],
	['no form feed in the embosser file', B(good), B(goodE.replace('\f', ''), 'latin1'), 'no form feed'],
	['an embosser page of 28 lines', B(uni(tall)), B(emb(tall), 'latin1'), 'has 28 lines, over 27'],
	['a byte CP1252 leaves undefined', B(good), B(goodE.replace('a', '\x81'), 'latin1'), 'not CP1252 text'],
	['a control byte', B(good), B(goodE.replace('a', '\x01'), 'latin1'), 'not CP1252 text'],
	['the two files laid out differently', B(good), B(goodE.replace('a b', 'ab '), 'latin1'), 'not laid out alike'],
];
for (const [name, u, e, want] of cases) {
	const { problems } = brailleProblems(u, e, 'the bill');
	const ok = want === null ? problems.length === 0 : problems.some((p) => p.includes(want));
	console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${ok ? '' : ': ' + JSON.stringify(problems)}`);
}
EOF
check "braille check: every case ran" test "$(grep -c '^PASS\|^FAIL' "$tmp/braille.out")" = 11
while read -r status desc; do
	check "braille check: $desc" test "$status" = PASS
done <"$tmp/braille.out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
