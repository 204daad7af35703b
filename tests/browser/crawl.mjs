#!/usr/bin/env node
// Accessibility and HTML-conformance crawl of a running Robinet server.
//
// usage: node crawl.mjs [options] BASE_URL
//
// Starting from BASE_URL's "/", follows every same-origin <a href> link
// (GET only; /static/ assets, mailto:, tel:, fragments and sign-out links
// are never followed, links whose target is not text/html are fetched once
// but not checked) and checks each HTML page three ways:
//   page  the answer was 200, <html lang="fr">, exactly one <h1>
//   axe   axe-core, rules tagged wcag2a, wcag2aa, wcag21a, wcag21aa,
//         wcag22aa, RGAAv4, at 1280 px wide and again at 320 px ("@320px")
//   width no sideways scrolling at 320 px and 640 px (400 % and 200 % zoom
//         on a 1280 px screen): "width /path @320px" (see reflow.mjs)
//   vnu   the Nu Html Checker on the bytes as served (errors only), run once
//         for all pages in a single JVM at the end
// Output is TAP-like: "ok N - CHECKER /path" or
// "not ok N - CHECKER /path: PROBLEM", further problems of the same test on
// "#   PROBLEM" lines, and a last line "N passed, M failed".
// Exit status: 0 all passed, 1 a check failed, 2 usage or infrastructure
// error (browser, Java or server unreachable, global timeout).
//
// Options:
//   --max-pages N       pages checked at most (default 200)
//   --timeout S         global time limit in seconds (default 300)
//   --no-vnu            skip the Nu Html Checker
//   --login-path P      sign in first at path P (e.g. /connexion) by filling
//   --login-email E       the fields labelled "Adresse e-mail" and
//   --login-password W    "Mot de passe" and pressing "Se connecter", then
//   --start S             crawl again, signed in, from S (default "/")
//   --contact-request   signed in, first send one request to customer
//                       service through /contact (subject "Autre"), so
//                       that a request page exists in "Mes demandes" and
//                       in the back office's queue (the demo holds none)
//   --agent-email E     then sign in to the back office at /agent/connexion
//   --agent-password W    (fields "Adresse e-mail", "Mot de passe" and
//   --agent-totp-secret S "Code à 6 chiffres", the code computed here from
//                         the Base32 TOTP secret S, RFC 6238) and crawl it
//                         from /agent, and from the search for the
//                         --login-email when given (its customer file);
//                         its sign-in page is checked first
// Only loopback servers are crawled unless ROBINET_CRAWL_ALLOW_REMOTE=1.
// The browser is Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH).

import { chromium } from 'playwright-core';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createHmac } from 'node:crypto';
import { NARROW_WIDTHS, DESKTOP, widthProblems } from './reflow.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const AXE_PATH = join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const AXE_PKG = join(HERE, 'node_modules', 'axe-core', 'package.json');
const VNU_JAR = join(HERE, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync',
];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'RGAAv4'];
const NAV_TIMEOUT_MS = 20000;
const VNU_TIMEOUT_MS = 180000;
// Paths or link texts that sign the user out: never followed.
const SIGN_OUT_RE = /d[ée]connexion|d[ée]connecter|logout|log-out|sign-?out/i;

const USAGE = `usage: node crawl.mjs [--max-pages N] [--timeout S] [--no-vnu]
       [--login-path P --login-email E --login-password W [--start S] [--contact-request]]
       [--agent-email E --agent-password W --agent-totp-secret S] BASE_URL`;

// ---------------------------------------------------------------- output

let testNo = 0;
let passed = 0;
let failed = 0;

function out(line) {
	process.stdout.write(line + '\n');
}

// One test line; problems is a list of one-line strings, empty when ok.
function report(checker, label, problems) {
	testNo++;
	if (problems.length === 0) {
		passed++;
		out(`ok ${testNo} - ${checker} ${label}`);
		return;
	}
	failed++;
	const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
	out(`not ok ${testNo} - ${checker} ${label}: ${oneLine(problems[0])}${more}`);
	for (const p of problems.slice(1))
		out(`#   ${oneLine(p)}`);
}

function oneLine(s) {
	return String(s).replace(/\s+/g, ' ').trim();
}

// The first line of an error message, without terminal colours, shortened.
function errText(e) {
	const msg = String((e && e.message) || e).replace(/\x1b\[[0-9;]*m/g, '');
	return oneLine(msg.split('\n')[0]).slice(0, 300);
}

// --------------------------------------------------------- cleanup, bail

const cleanups = [];

async function cleanup() {
	while (cleanups.length > 0) {
		const fn = cleanups.pop();
		try {
			await fn();
		} catch {
			// best effort: we are leaving anyway
		}
	}
}

class InfraError extends Error {}

let bailing = false;

async function bail(message) {
	// Only the first reason counts: what fails after it (the crawl losing
	// its browser while we close it) is a consequence.
	if (bailing)
		return new Promise(() => {});
	bailing = true;
	out(`Bail out! ${oneLine(message)}`);
	process.stderr.write(`crawl: ${message}\n`);
	// Closing the browser must not outlast the bail itself.
	await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 5000))]);
	process.exit(2);
}

// --------------------------------------------------------------- options

function parseOptions() {
	let parsed;
	try {
		parsed = parseArgs({
			allowPositionals: true,
			options: {
				'max-pages': { type: 'string', default: '200' },
				timeout: { type: 'string', default: '300' },
				'no-vnu': { type: 'boolean', default: false },
				'login-path': { type: 'string' },
				'login-email': { type: 'string' },
				'login-password': { type: 'string' },
				start: { type: 'string' },
				'contact-request': { type: 'boolean', default: false },
				'agent-email': { type: 'string' },
				'agent-password': { type: 'string' },
				'agent-totp-secret': { type: 'string' },
				help: { type: 'boolean', short: 'h', default: false },
			},
		});
	} catch (e) {
		usage(e.message);
	}
	const v = parsed.values;
	if (v.help) {
		out(USAGE);
		process.exit(0);
	}
	if (parsed.positionals.length !== 1)
		usage('exactly one BASE_URL is needed');
	let base;
	try {
		base = new URL(parsed.positionals[0]);
	} catch {
		usage(`not a URL: ${parsed.positionals[0]}`);
	}
	if (base.protocol !== 'http:' && base.protocol !== 'https:')
		usage(`not an http(s) URL: ${base.href}`);
	if (!isLoopback(base.hostname) && process.env.ROBINET_CRAWL_ALLOW_REMOTE !== '1')
		usage(`${base.hostname} is not a loopback address (set ROBINET_CRAWL_ALLOW_REMOTE=1 to allow)`);
	const maxPages = Number(v['max-pages']);
	const timeout = Number(v.timeout);
	if (!Number.isInteger(maxPages) || maxPages < 1)
		usage('--max-pages must be a positive integer');
	if (!Number.isFinite(timeout) || timeout <= 0)
		usage('--timeout must be a positive number of seconds');
	const login = [v['login-path'], v['login-email'], v['login-password']];
	const nLogin = login.filter((x) => x !== undefined).length;
	if (nLogin !== 0 && nLogin !== 3)
		usage('--login-path, --login-email and --login-password go together');
	if (v.start !== undefined && nLogin === 0)
		usage('--start needs the --login-* options');
	if (v['contact-request'] && nLogin === 0)
		usage('--contact-request needs the --login-* options');
	for (const p of [v['login-path'], v.start])
		if (p !== undefined && !p.startsWith('/'))
			usage(`not an absolute path: ${p}`);
	const agent = [v['agent-email'], v['agent-password'], v['agent-totp-secret']];
	const nAgent = agent.filter((x) => x !== undefined).length;
	if (nAgent !== 0 && nAgent !== 3)
		usage('--agent-email, --agent-password and --agent-totp-secret go together');
	if (nAgent === 3 && !/^[A-Z2-7 ]+=*$/i.test(v['agent-totp-secret']))
		usage('--agent-totp-secret must be Base32');
	return {
		agent: nAgent === 3 ? {
			email: v['agent-email'],
			password: v['agent-password'],
			secret: v['agent-totp-secret'],
		} : null,
		base: new URL(base.origin),
		maxPages,
		timeoutMs: timeout * 1000,
		vnu: !v['no-vnu'],
		login: nLogin === 3 ? {
			path: v['login-path'],
			email: v['login-email'],
			password: v['login-password'],
			start: v.start ?? '/',
			contact: v['contact-request'],
		} : null,
	};
}

function usage(message) {
	process.stderr.write(`crawl: ${message}\n${USAGE}\n`);
	process.exit(2);
}

function isLoopback(host) {
	const h = host.replace(/^\[|\]$/g, '');
	return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

// ------------------------------------------------------------------ links

// The crawl key of a link, or null when the link is not to be followed.
function linkTarget(href, base) {
	let u;
	try {
		u = new URL(href, base);
	} catch {
		return null;
	}
	if (u.protocol !== 'http:' && u.protocol !== 'https:')
		return null; // mailto:, tel:, javascript:, data:
	if (u.origin !== base.origin)
		return null;
	if (u.pathname.startsWith('/static/'))
		return null;
	let path = u.pathname;
	try {
		path = decodeURIComponent(path);
	} catch {
		// a malformed escape: test the path as it is
	}
	if (SIGN_OUT_RE.test(path))
		return null;
	u.hash = '';
	return u;
}

function pathOf(u) {
	return u.pathname + u.search;
}

function isHtml(contentType) {
	return /^\s*text\/html\s*(;|$)/i.test(contentType || '');
}

// ------------------------------------------------------------------ crawl

// State shared by the anonymous and the signed-in crawls.
const state = {
	pages: [], // { label, body } of every checked HTML page, for vnu
	fetches: 0, // requests made, capped to bound the run
	capNoted: false,
	axeTags: null, // tags axe knows, decided on the first page
};

// Visits startPaths and the links found, breadth first; with within, only
// the paths under that prefix (the back office, whose pages also link to
// the public site, checked already).
async function crawl(ctx, page, opts, startPaths, suffix, within) {
	const queue = [];
	const seen = new Set();
	const enqueue = (u) => {
		const key = pathOf(u);
		if (seen.has(key) || (within && !u.pathname.startsWith(within)))
			return;
		seen.add(key);
		queue.push(u);
	};
	for (const p of startPaths)
		enqueue(new URL(p, opts.base));

	while (queue.length > 0) {
		if (state.pages.length >= opts.maxPages || state.fetches >= opts.maxPages * 3) {
			if (!state.capNoted)
				out(`# cap of ${opts.maxPages} pages reached: ${queue.length} link(s) not visited`);
			state.capNoted = true;
			return;
		}
		const url = queue.shift();
		const label = pathOf(url) + suffix;

		// First the raw answer, without following redirects: the status,
		// the type and the bytes as served (for vnu).
		let resp;
		state.fetches++;
		try {
			resp = await ctx.request.get(url.href, {
				maxRedirects: 0, failOnStatusCode: false, timeout: NAV_TIMEOUT_MS,
			});
		} catch (e) {
			if (state.fetches === 1)
				throw new InfraError(`cannot reach ${url.href}: ${errText(e)}`);
			report('page', label, [`request failed: ${errText(e)}`]);
			continue;
		}
		const status = resp.status();
		const headers = resp.headers();
		if (status >= 300 && status < 400 && headers.location) {
			const next = linkTarget(headers.location, url);
			out(`# ${label}: ${status} to ${headers.location}${next ? '' : ' (not followed)'}`);
			if (next)
				enqueue(next);
			await resp.dispose();
			continue;
		}
		const type = headers['content-type'] || '';
		if (status !== 200) {
			report('page', label, [`status ${status}, expected 200`]);
			await resp.dispose();
			continue;
		}
		if (!isHtml(type)) {
			out(`# ${label}: ${type || 'no content type'}, not checked`);
			await resp.dispose();
			continue;
		}
		const body = await resp.body();
		await resp.dispose();
		state.pages.push({ label, body });

		// Then the page in the browser.
		let nav;
		try {
			nav = await page.goto(url.href, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
		} catch (e) {
			report('page', label, [`browser could not load it: ${errText(e)}`]);
			continue;
		}
		const problems = [];
		if (!nav || nav.status() !== 200)
			problems.push(`status ${nav ? nav.status() : 'none'} in the browser, expected 200`);
		if (nav && pathOf(new URL(nav.url())) !== pathOf(url))
			problems.push(`browser ended on ${pathOf(new URL(nav.url()))}`);
		const facts = await page.evaluate(() => ({
			lang: document.documentElement.getAttribute('lang'),
			h1: document.querySelectorAll('h1').length,
			links: Array.from(document.querySelectorAll('a[href]'), (a) => ({
				href: a.href,
				text: (a.textContent || '').trim(),
			})),
		}));
		if (facts.lang !== 'fr')
			problems.push(facts.lang === null ? '<html> has no lang attribute, expected lang="fr"'
				: `<html lang="${facts.lang}">, expected lang="fr"`);
		if (facts.h1 !== 1)
			problems.push(`${facts.h1} <h1> elements, expected exactly one`);
		report('page', label, problems);

		report('axe', label, await runAxe(page));
		await narrowChecks(page, label);

		for (const link of facts.links) {
			if (SIGN_OUT_RE.test(link.text))
				continue;
			const next = linkTarget(link.href, url);
			if (next)
				enqueue(next);
		}
	}
}

// axe-core is given to every document as an init script (see main): V8
// then caches its compiled code, where a script tag added to each page
// costs a second of parsing per page on this kind of machine.
async function runAxe(page) {
	if (!await page.evaluate(() => typeof window.axe === 'object'))
		await page.addScriptTag({ content: axeSource() });
	if (state.axeTags === null) {
		const known = await page.evaluate((tags) =>
			tags.filter((t) => window.axe.getRules([t]).length > 0), AXE_TAGS);
		for (const t of AXE_TAGS)
			if (!known.includes(t))
				out(`# axe-core ${axeVersion()} has no rule tagged ${t}: tag left out`);
		state.axeTags = known;
	}
	const violations = await page.evaluate(async (tags) => {
		const r = await window.axe.run(document, {
			runOnly: { type: 'tag', values: tags },
			resultTypes: ['violations'],
		});
		return r.violations.map((v) => ({
			id: v.id,
			impact: v.impact,
			nodes: v.nodes.map((n) => ({ target: n.target, impact: n.impact })),
		}));
	}, state.axeTags);
	const problems = [];
	for (const v of violations)
		for (const n of v.nodes) {
			const sel = n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' ');
			problems.push(`${v.id} (${n.impact || v.impact || 'unknown'}) ${sel}`);
		}
	return problems;
}

// The same page, laid out again at each narrow width (no new request):
// the width check at each, axe again at the first; back to 1280 px.
async function narrowChecks(page, label) {
	try {
		for (const w of NARROW_WIDTHS) {
			report('width', `${label} @${w}px`, await widthProblems(page, w));
			if (w === NARROW_WIDTHS[0])
				report('axe', `${label} @${w}px`, await runAxe(page));
		}
	} finally {
		await page.setViewportSize(DESKTOP);
	}
}

let axeText = null;

function axeSource() {
	if (axeText === null)
		axeText = readFileSync(AXE_PATH, 'utf8');
	return axeText;
}

function axeVersion() {
	try {
		return JSON.parse(readFileSync(AXE_PKG, 'utf8')).version;
	} catch {
		return '?';
	}
}

// ----------------------------------------------------------------- signing in

async function signIn(page, opts) {
	const { path, email, password } = opts.login;
	const url = new URL(path, opts.base);
	await page.goto(url.href, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
	try {
		await page.getByLabel('Adresse e-mail', { exact: true }).fill(email, { timeout: 5000 });
		await page.getByLabel('Mot de passe', { exact: true }).fill(password, { timeout: 5000 });
		await Promise.all([
			page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }),
			page.getByRole('button', { name: 'Se connecter', exact: true }).click({ timeout: 5000 }),
		]);
	} catch (e) {
		throw new InfraError(`sign-in at ${path} failed: ${errText(e)}`);
	}
	const landed = new URL(page.url());
	if (landed.pathname === url.pathname)
		throw new InfraError(`sign-in at ${path} failed: still on ${landed.pathname} after "Se connecter"`);
	out(`# signed in as ${email}, now on ${pathOf(landed)}`);
}

// Sends one request to customer service as the signed-in subscriber, in
// the browser, after the human fill time the form wants (contact_min_fill,
// 3 s by default). A refusal is a failed test, not an infrastructure error.
const CONTACT_FILL_MS = 4000;

async function sendRequest(page, opts) {
	const url = new URL('/contact', opts.base);
	const problems = [];
	try {
		await page.goto(url.href, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
		await page.getByLabel('Objet de votre demande', { exact: true }).selectOption('other', { timeout: 5000 });
		await page.getByLabel('Votre message', { exact: true }).fill(
			'Demande envoyée par le parcours d\'accessibilité.', { timeout: 5000 });
		await page.waitForTimeout(CONTACT_FILL_MS);
		await Promise.all([
			page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }),
			page.getByRole('button', { name: 'Envoyer ma demande', exact: true }).click({ timeout: 5000 }),
		]);
		const landed = new URL(page.url());
		if (!landed.searchParams.get('envoyee'))
			problems.push(`the request was not sent: still on ${pathOf(landed)}`);
		else
			out(`# request ${landed.searchParams.get('envoyee')} sent through /contact`);
	} catch (e) {
		problems.push(`the contact form failed: ${errText(e)}`);
	}
	report('page', 'POST /contact [signed-in]', problems);
}

// The RFC 6238 code (HMAC-SHA-1, 6 digits, 30 s) of a Base32 secret at
// step: written here, independently of the server's C code.
function totpCode(secretB32, step) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0, acc = 0;
	const bytes = [];
	for (const ch of secretB32.toUpperCase().replace(/[ =]/g, '')) {
		acc = (acc << 5) | alphabet.indexOf(ch);
		bits += 5;
		if (bits >= 8) {
			bytes.push((acc >> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(step));
	const mac = createHmac('sha1', Buffer.from(bytes)).update(msg).digest();
	const off = mac[mac.length - 1] & 0x0f;
	const v = (mac.readUInt32BE(off) & 0x7fffffff) % 1000000;
	return String(v).padStart(6, '0');
}

// Signs in to the back office. A code works once per agent: the code of
// the next step (accepted too) is tried when the current one is refused.
async function agentSignIn(page, opts) {
	const { email, password, secret } = opts.agent;
	const url = new URL('/agent/connexion', opts.base);
	const now = Math.floor(Date.now() / 30000);
	for (const step of [now, now + 1]) {
		await page.goto(url.href, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
		try {
			await page.getByLabel('Adresse e-mail', { exact: true }).fill(email, { timeout: 5000 });
			await page.getByLabel('Mot de passe', { exact: true }).fill(password, { timeout: 5000 });
			await page.getByLabel('Code à 6 chiffres', { exact: true }).fill(totpCode(secret, step),
				{ timeout: 5000 });
			await Promise.all([
				page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }),
				page.getByRole('button', { name: 'Se connecter', exact: true }).click({ timeout: 5000 }),
			]);
		} catch (e) {
			throw new InfraError(`agent sign-in failed: ${errText(e)}`);
		}
		const landed = new URL(page.url());
		if (landed.pathname !== url.pathname) {
			out(`# signed in to the back office as ${email}, now on ${pathOf(landed)}`);
			return;
		}
	}
	throw new InfraError(`agent sign-in failed: still on /agent/connexion after "Se connecter"`);
}

// ------------------------------------------------------------------ vnu

// Runs a program to its end; started(child), when given, gets its handle.
function execFileP(started, cmd, args, options) {
	return new Promise((resolve) => {
		const c = execFile(cmd, args, options, (error, stdout, stderr) => resolve({ error, stdout, stderr }));
		if (started)
			started(c);
	});
}

async function runVnu(pages) {
	if (pages.length === 0)
		return;
	const dir = mkdtempSync(join(tmpdir(), 'robinet-vnu-'));
	cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
	const byFile = new Map();
	const files = pages.map((p, i) => {
		const name = `page-${String(i + 1).padStart(4, '0')}.html`;
		const file = join(dir, name);
		writeFileSync(file, p.body);
		byFile.set(name, { label: p.label, problems: [] });
		return file;
	});
	let child = null;
	cleanups.push(() => child && child.kill('SIGKILL'));
	const r = await execFileP((c) => { child = c; }, 'java',
		['-Xss2m', '-jar', VNU_JAR, '--format', 'json', '--stdout', '--errors-only', ...files],
		{ timeout: VNU_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
	let result;
	try {
		result = JSON.parse(r.stdout);
	} catch {
		const why = r.error && r.error.killed ? 'timed out' : oneLine(r.stderr || r.error?.message || '').slice(0, 300);
		throw new InfraError(`the Nu Html Checker gave no JSON report: ${why}`);
	}
	for (const m of result.messages || []) {
		const name = basename(String(m.url || '').replace(/^file:/, ''));
		const entry = byFile.get(name);
		if (m.type === 'non-document-error' || !entry)
			throw new InfraError(`the Nu Html Checker could not check ${name}: ${oneLine(m.message)}`);
		if (m.type !== 'error')
			continue;
		const line = m.firstLine ?? m.lastLine;
		entry.problems.push(`${line !== undefined ? `line ${line}: ` : ''}${m.message}`);
	}
	for (const e of byFile.values())
		report('vnu', e.label, e.problems);
}

// ------------------------------------------------------------------ main

async function main() {
	const opts = parseOptions();
	const timer = setTimeout(() => {
		bail(`global timeout of ${opts.timeoutMs / 1000} s exceeded`);
	}, opts.timeoutMs);

	if (!existsSync(AXE_PATH) || !existsSync(VNU_JAR))
		throw new InfraError(`node_modules incomplete in ${HERE}: run "npm ci" there (scripts/bootstrap --test does)`);
	if (!existsSync(CHROMIUM))
		throw new InfraError(`no browser at ${CHROMIUM}: apt-get install chromium (scripts/bootstrap --test does)`);
	if (opts.vnu) {
		const j = await execFileP(null, 'java', ['-version'], { timeout: 30000 });
		if (j.error)
			throw new InfraError('java not found: apt-get install default-jre-headless (scripts/bootstrap --test does)');
	}

	const profile = mkdtempSync(join(tmpdir(), 'robinet-chromium-'));
	cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
	let ctx;
	try {
		ctx = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			headless: true,
			args: CHROMIUM_ARGS,
			bypassCSP: true, // axe is a script of ours; the CSP forbids that
			locale: 'fr-FR',
			viewport: DESKTOP,
			timeout: 60000,
		});
	} catch (e) {
		throw new InfraError(`cannot start ${CHROMIUM}: ${errText(e)}`);
	}
	cleanups.push(() => ctx.close());
	await ctx.addInitScript({ content: axeSource() });
	// The pages may only reach the server under test: anything else (a font
	// or script from elsewhere) is refused and noted.
	const blocked = new Set();
	await ctx.route((u) => u.origin !== opts.base.origin, (route) => {
		const u = route.request().url();
		if (!u.startsWith('data:') && !u.startsWith('blob:') && !blocked.has(u)) {
			blocked.add(u);
			out(`# blocked a request to another origin: ${u.slice(0, 200)}`);
		}
		return u.startsWith('data:') || u.startsWith('blob:') ? route.continue() : route.abort();
	});
	const page = ctx.pages()[0] ?? await ctx.newPage();

	await crawl(ctx, page, opts, ['/'], '');
	if (opts.login) {
		await signIn(page, opts);
		if (opts.login.contact)
			await sendRequest(page, opts);
		await crawl(ctx, page, opts, [opts.login.start], ' [signed-in]');
	}
	if (opts.agent) {
		await crawl(ctx, page, opts, ['/agent/connexion'], ' [back office]', '/agent');
		await agentSignIn(page, opts);
		// The customer file of the signed-in subscriber, through the
		// search (its hits link to the file).
		const starts = ['/agent'];
		if (opts.login)
			starts.push(`/agent/clients?q=${encodeURIComponent(opts.login.email)}`);
		await crawl(ctx, page, opts, starts, ' [agent]', '/agent');
	}
	out(`# ${state.pages.length} page(s) checked, ${state.fetches} request(s)`);
	await ctx.close();
	if (state.pages.length === 0)
		throw new InfraError(`no HTML page found at ${opts.base.href}`);
	if (opts.vnu)
		await runVnu(state.pages);

	clearTimeout(timer);
	await cleanup();
	out(`1..${testNo}`);
	out(`${passed} passed, ${failed} failed`);
	process.exit(failed > 0 ? 1 : 0);
}

main().catch((e) => bail(e instanceof InfraError ? e.message : (e && e.stack) || String(e)));
