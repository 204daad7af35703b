#!/usr/bin/env node
// Journeys through a running Robinet demo server (`serve --demo`, with its
// stand-in payment page) in Debian's Chromium with JavaScript OFF, as the
// demo subscriber: the pages that only a form reaches, which the link crawl
// (crawl.mjs) cannot see, and the card payment end to end.
//
// usage: node flows.mjs [--timeout S] [--no-vnu] [--fresh-server CMD]
//                       --login-email E --login-password W BASE_URL
//
// --fresh-server CMD: a command (words separated by spaces) that starts a
// demo server of its own and prints its base URL as its first line
// (fresh_demo.sh); TERM stops it. The creation of a space attaches the
// contract, so each proof of identity after the first runs on such a
// server; without it those journeys are not run (said in the output).
//
// Two kinds of test lines, in the TAP-like output of crawl.mjs:
//   page, axe, width, vnu LABEL
//                          the same checks as the crawl, on every page
//                          the journeys pass through (portal and sandbox);
//                          a page is checked from the bytes the JS-off
//                          browser got: axe runs in a second, JS-on
//                          context that is served those bytes, vnu on
//                          them at the end
//   flow NAME              what the journey must find (bill paid, refusal
//                          message, ...)
// The journeys, in order: paperless billing on and back off; the mandate
// signing form, its errors and its code step (the code itself comes by
// e-mail and is not entered); the monthly plan on and off; a payment
// cancelled on the payment page; a refused card (4970 1000 0000 0097) on a
// bill that is owed; then the accepted card (4970 1000 0000 0000) on the
// same bill; then the newest bill, its PDF and braille versions, the
// archive and an archived bill's PDF and braille versions; consumption in each view; a request through the contact
// form; the 2023 subscriber 1234567A moving to the new space (old id and
// password, identity, new password, the activation link from the demo
// mailbox /_dev/courriels, sign-in); the creation of a space for contract
// 1000000004 by each proof (e-mail on file, invoice number, meter number),
// activation and sign-in included. Keyboard only: every control is
// reached with Tab and used with Enter or the arrow keys. Every page is
// also checked at 320 and 640 px wide ("width", no sideways scrolling,
// see reflow.mjs) and axe runs again at 320 px ("axe LABEL @320px").
// They change the demo data: run them after the crawl, or on a database
// of their own.
// Exit status: 0 all passed, 1 a check failed, 2 setup error (browser,
// Java or server missing, sign-in refused, global timeout).

import { chromium } from 'playwright-core';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NARROW_WIDTHS, DESKTOP, widthProblems } from './reflow.mjs';
import { brailleProblems } from './braille_check.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const AXE_PATH = join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const VNU_JAR = join(HERE, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync',
];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'RGAAv4'];
const NAV_TIMEOUT_MS = 20000;
const STEP_TIMEOUT_MS = 5000;
// A form refused for its input: the page again, with its errors.
const FORM_ERROR = [200, 400, 422];
const CARD_OK = '4970 1000 0000 0000';
const CARD_REFUSED = '4970 1000 0000 0097';
// The demo's identities (README "Demo identities", src/demo/identities.c).
const NEW_PASSWORD = 'Nouveau-mot-de-passe-2026';
const DEMO = {
	legacy: {
		id: '1234567A', password: 'ancien-mdp-2023', email: 'legacy@robinet.test', contract: '1000000003',
		identity: { Nom: 'Vandenbussche', 'Prénom': 'Gérard' },
	},
	creation: {
		contract: '1000000004',
		identity: { Nom: 'Benali', 'Prénom': 'Karim' },
		// proof, value, e-mail for the space, names shown at step 2 (a
		// meter number proves little: nothing is shown after it, the
		// subscriber types them; src/app/auth_claim.c)
		proofs: [
			['Adresse e-mail', 'arrivant@robinet.test', 'arrivant@robinet.test', true],
			['Numéro de facture', 'FA2024-000042', 'arrivant.facture@robinet.test', true],
			['Numéro de compteur', 'I21BA012345', 'arrivant.compteur@robinet.test', false],
		],
	},
};

const USAGE = `usage: node flows.mjs [--timeout S] [--no-vnu] [--fresh-server CMD] --login-email E --login-password W BASE_URL`;

// ---------------------------------------------------------------- output

let testNo = 0;
let passed = 0;
let failed = 0;

function out(line) {
	process.stdout.write(line + '\n');
}

function oneLine(s) {
	return String(s).replace(/\s+/g, ' ').trim();
}

function errText(e) {
	const msg = String((e && e.message) || e).replace(/\x1b\[[0-9;]*m/g, '');
	return oneLine(msg.split('\n')[0]).slice(0, 300);
}

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

class InfraError extends Error {}

// A journey step that did not find what it needed: the journey stops,
// its test fails, the next journey runs.
class StepError extends Error {}

const cleanups = [];

async function cleanup() {
	while (cleanups.length > 0) {
		try {
			await cleanups.pop()();
		} catch {
			// leaving anyway
		}
	}
}

let bailing = false;

async function bail(message) {
	if (bailing)
		return new Promise(() => {});
	bailing = true;
	out(`Bail out! ${oneLine(message)}`);
	process.stderr.write(`flows: ${message}\n`);
	await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 5000))]);
	process.exit(2);
}

function usage(message) {
	process.stderr.write(`flows: ${message}\n${USAGE}\n`);
	process.exit(2);
}

function parseOptions() {
	let parsed;
	try {
		parsed = parseArgs({
			allowPositionals: true,
			options: {
				timeout: { type: 'string', default: '900' },
				'no-vnu': { type: 'boolean', default: false },
				'login-email': { type: 'string' },
				'login-password': { type: 'string' },
				'fresh-server': { type: 'string' },
			},
		});
	} catch (e) {
		usage(e.message);
	}
	const v = parsed.values;
	if (parsed.positionals.length !== 1)
		usage('exactly one BASE_URL is needed');
	if (v['login-email'] === undefined || v['login-password'] === undefined)
		usage('--login-email and --login-password are needed');
	let base;
	try {
		base = new URL(parsed.positionals[0]);
	} catch {
		usage(`not a URL: ${parsed.positionals[0]}`);
	}
	const h = base.hostname.replace(/^\[|\]$/g, '');
	if (!(h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h)))
		usage(`${base.hostname} is not a loopback address: the journeys change the data`);
	const timeout = Number(v.timeout);
	if (!Number.isFinite(timeout) || timeout <= 0)
		usage('--timeout must be a positive number of seconds');
	return {
		base: new URL(base.origin),
		timeoutMs: timeout * 1000,
		vnu: !v['no-vnu'],
		email: v['login-email'],
		password: v['login-password'],
		freshServer: v['fresh-server'] ? v['fresh-server'].trim().split(/\s+/) : null,
		...DEMO,
	};
}

// ------------------------------------------------------------ page checks

const state = {
	pages: [], // { label, body } for vnu
	checker: null, // the JS-on page that runs axe
};

// The label of a URL: its path, and the query without long values (the
// return from the payment page carries every signed vads_ field).
function labelOf(u) {
	const url = new URL(u);
	const q = [...url.searchParams.keys()].filter((k) => !k.startsWith('vads_') && k !== 'signature');
	const kept = q.map((k) => `${k}=${url.searchParams.get(k)}`).join('&');
	const port = url.port ? `:${url.port}` : '';
	return `${url.hostname}${port}${url.pathname}${kept ? '?' + kept : ''}`;
}

// Checks the page the JS-off browser shows after a navigation whose last
// answer is resp: page (status, lang, one h1), axe, and vnu later.
// expectStatus: a status or a list of the statuses allowed.
async function checkPage(page, resp, name, expectStatus = 200) {
	const label = `${name} ${labelOf(page.url())}`;
	const problems = [];
	if (!resp) {
		report('page', label, ['no answer']);
		return;
	}
	const want = [expectStatus].flat();
	if (!want.includes(resp.status()))
		problems.push(`status ${resp.status()}, expected ${want.join(' or ')}`);
	const type = resp.headers()['content-type'] || '';
	if (!/^\s*text\/html\s*(;|$)/i.test(type)) {
		report('page', label, [`content type ${type || 'none'}, expected text/html`]);
		return;
	}
	const body = await resp.body();
	const facts = await page.evaluate(() => ({
		lang: document.documentElement.getAttribute('lang'),
		h1: document.querySelectorAll('h1').length,
	}));
	if (facts.lang !== 'fr')
		problems.push(`<html lang="${facts.lang}">, expected lang="fr"`);
	if (facts.h1 !== 1)
		problems.push(`${facts.h1} <h1> elements, expected exactly one`);
	report('page', label, problems);
	// The JS-off page itself, laid out again at each narrow width.
	try {
		for (const w of NARROW_WIDTHS)
			report('width', `${label} @${w}px`, await widthProblems(page, w));
	} finally {
		await page.setViewportSize(DESKTOP);
	}
	const axe = await runAxe(page.url(), body, type);
	report('axe', label, axe[0]);
	report('axe', `${label} @${NARROW_WIDTHS[0]}px`, axe[1]);
	state.pages.push({ label, body });
}

// Serves body at url to the JS-on checker page and runs axe there, at
// 1280 px and at 320 px: [problems at 1280, problems at 320].
async function runAxe(url, body, type) {
	const p = state.checker;
	const target = url.split('#')[0];
	const handler = (route) => route.fulfill({ status: 200, contentType: type, body });
	await p.route((u) => u.href === target, handler);
	try {
		await p.goto(target, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
		const results = [];
		for (const width of [DESKTOP.width, NARROW_WIDTHS[0]]) {
		await p.setViewportSize({ width, height: DESKTOP.height });
		const violations = await p.evaluate(async (tags) => {
			const r = await window.axe.run(document, {
				runOnly: { type: 'tag', values: tags },
				resultTypes: ['violations'],
			});
			return r.violations.map((v) => ({
				id: v.id,
				impact: v.impact,
				nodes: v.nodes.map((n) => n.target.join(' ')),
			}));
		}, AXE_TAGS);
		const problems = [];
		for (const v of violations)
			for (const n of v.nodes)
				problems.push(`${v.id} (${v.impact || 'unknown'}) ${n}`);
		results.push(problems);
		}
		return results;
	} catch (e) {
		return [[`axe could not run: ${errText(e)}`], [`axe could not run: ${errText(e)}`]];
	} finally {
		await p.setViewportSize(DESKTOP).catch(() => {});
		await p.unroute((u) => u.href === target, handler).catch(() => {});
	}
}

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
		writeFileSync(join(dir, name), p.body);
		byFile.set(name, { label: p.label, problems: [] });
		return join(dir, name);
	});
	let child = null;
	cleanups.push(() => child && child.kill('SIGKILL'));
	const r = await execFileP((c) => { child = c; }, 'java',
		['-Xss2m', '-jar', VNU_JAR, '--format', 'json', '--stdout', '--errors-only', ...files],
		{ timeout: 180000, maxBuffer: 64 * 1024 * 1024 });
	let result;
	try {
		result = JSON.parse(r.stdout);
	} catch {
		throw new InfraError(`the Nu Html Checker gave no JSON report: ${oneLine(r.stderr || r.error?.message || '').slice(0, 300)}`);
	}
	for (const m of result.messages || []) {
		const entry = byFile.get(basename(String(m.url || '').replace(/^file:/, '')));
		if (m.type === 'non-document-error' || !entry)
			throw new InfraError(`the Nu Html Checker could not check a page: ${oneLine(m.message)}`);
		if (m.type === 'error')
			entry.problems.push(`${m.firstLine ?? m.lastLine ?? '?'}: ${m.message}`);
	}
	for (const e of byFile.values())
		report('vnu', e.label, e.problems);
}

// ------------------------------------------------------------- journeys

// Goes to a path of the portal (or a full URL) and checks the page.
async function visit(page, opts, path, name, expectStatus = 200) {
	let resp;
	try {
		resp = await page.goto(new URL(path, opts.base).href, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
	} catch (e) {
		throw new StepError(`cannot open ${path}: ${errText(e)}`);
	}
	await checkPage(page, resp, name, expectStatus);
	return resp;
}

// Keyboard only: the focus moves with Tab from where it is until target
// (a locator) has it; a control that Tab never reaches fails the step.
const MAX_TABS = 250;

async function tabTo(page, target, what) {
	let handle;
	try {
		handle = await target.first().elementHandle({ timeout: STEP_TIMEOUT_MS });
	} catch (e) {
		throw new StepError(`no ${what} on ${labelOf(page.url())}: ${errText(e)}`);
	}
	for (let i = 0; i < MAX_TABS; i++) {
		if (await handle.evaluate((el) => el === document.activeElement))
			return handle;
		await page.keyboard.press('Tab');
	}
	throw new StepError(`${what} is not reachable with Tab on ${labelOf(page.url())}`);
}

// Presses Enter on a submit button (a locator) and checks the page it
// leads to.
async function submit(page, button, name, expectStatus = 200) {
	let resp;
	await tabTo(page, button, `button for "${name}"`);
	try {
		[resp] = await Promise.all([
			page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }),
			page.keyboard.press('Enter'),
		]);
	} catch (e) {
		throw new StepError(`${name}: ${errText(e)}`);
	}
	await checkPage(page, resp, name, expectStatus);
	return resp;
}

// Follows a link (a locator) with Tab and Enter, and checks the page.
async function follow(page, link, name, expectStatus = 200) {
	return submit(page, link, name, expectStatus);
}

// Types value into a field reached with Tab (what was there is replaced).
async function typeInto(page, field, what, value) {
	await tabTo(page, field, what);
	await page.keyboard.press('Control+A');
	await page.keyboard.press('Delete');
	await page.keyboard.type(value);
}

async function fill(page, label, value) {
	await typeInto(page, page.getByLabel(label, { exact: true }), `field "${label}"`, value);
}

// Checks the radio button labelled label: Tab into its group, then the
// arrow keys, as a keyboard user does.
async function choose(page, label) {
	const radio = page.getByLabel(label, { exact: true });
	const name = await radio.getAttribute('name', { timeout: STEP_TIMEOUT_MS }).catch(() => null);
	if (name === null)
		throw new StepError(`no radio button "${label}" on ${labelOf(page.url())}`);
	let inGroup = false;
	for (let i = 0; i < MAX_TABS && !inGroup; i++) {
		inGroup = await page.evaluate((n) => {
			const el = document.activeElement;
			return !!el && el.type === 'radio' && el.name === n;
		}, name);
		if (!inGroup)
			await page.keyboard.press('Tab');
	}
	if (!inGroup)
		throw new StepError(`the radio buttons "${name}" are not reachable with Tab`);
	for (let i = 0; i < 10; i++) {
		if (await radio.isChecked())
			return;
		await page.keyboard.press('ArrowDown');
	}
	throw new StepError(`radio button "${label}" cannot be checked with the arrow keys`);
}

async function h1(page) {
	return oneLine(await page.locator('h1').first().textContent({ timeout: STEP_TIMEOUT_MS }) ?? '');
}

async function mainText(page) {
	return oneLine(await page.locator('main').first().textContent({ timeout: STEP_TIMEOUT_MS }) ?? '');
}

// Runs one journey as one "flow" test: its checks push problems; a step
// that fails stops it.
async function journey(name, fn) {
	const problems = [];
	try {
		await fn(problems);
	} catch (e) {
		if (e instanceof InfraError)
			throw e;
		problems.push(e instanceof StepError ? e.message : `unexpected: ${errText(e)}`);
	}
	report('flow', name, problems);
}

async function signIn(page, opts) {
	await page.goto(new URL('/connexion', opts.base).href, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS })
		.catch((e) => { throw new InfraError(`cannot reach ${opts.base.href}: ${errText(e)}`); });
	try {
		await fill(page, 'Adresse e-mail', opts.email);
		await fill(page, 'Mot de passe', opts.password);
		await tabTo(page, page.getByRole('button', { name: 'Se connecter', exact: true }), 'the "Se connecter" button');
		await Promise.all([
			page.waitForNavigation({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS }),
			page.keyboard.press('Enter'),
		]);
	} catch (e) {
		throw new InfraError(`sign-in failed: ${errText(e)}`);
	}
	if (new URL(page.url()).pathname === '/connexion')
		throw new InfraError('sign-in failed: still on /connexion');
	out(`# signed in as ${opts.email} (JavaScript off), now on ${labelOf(page.url())}`);
}

// The paperless switch of the first contract on /mon-espace, and back.
async function paperless(page, opts, problems) {
	await visit(page, opts, '/mon-espace', 'paperless');
	const button = page.getByRole('button', { name: /^(Activer la facture électronique|Revenir à la facture papier)/ }).first();
	const before = oneLine(await button.textContent({ timeout: STEP_TIMEOUT_MS }).catch(() => {
		throw new StepError('no paperless button on /mon-espace');
	}));
	const on = before.startsWith('Activer');
	await submit(page, button, on ? 'paperless on' : 'paperless off');
	const after = page.getByRole('button', { name: on ? /^Revenir à la facture papier/ : /^Activer la facture électronique/ });
	if (await after.count() === 0)
		problems.push(`after "${before}" the page offers no way back (${labelOf(page.url())})`);
	else
		await submit(page, after.first(), on ? 'paperless off' : 'paperless on');
	const again = page.getByRole('button', { name: on ? /^Activer la facture électronique/ : /^Revenir à la facture papier/ });
	if (await again.count() === 0)
		problems.push('switching back did not restore the first state');
}

// The mandate signing form: its pages, its errors and its code step.
async function mandate(page, opts, problems) {
	await visit(page, opts, '/mes-moyens-de-paiement', 'mandate');
	const other = page.locator('nav[aria-label="Mes contrats"] a').first();
	if (await other.count() > 0) {
		const href = await other.getAttribute('href');
		await visit(page, opts, href, 'mandate');
		await visit(page, opts, '/mes-moyens-de-paiement', 'mandate');
	}
	const send = page.getByRole('button', { name: 'Recevoir mon code de signature', exact: true });
	if (await send.count() === 0)
		throw new StepError('no mandate signing form on /mes-moyens-de-paiement (a mandate signed already?)');
	// Empty form: the errors.
	await submit(page, send, 'mandate errors', FORM_ERROR);
	if (await page.locator('#iban[aria-invalid="true"], [aria-invalid="true"]').count() === 0 &&
	    !/IBAN/.test(await mainText(page)))
		problems.push('an empty mandate form is not refused with a message');
	await fill(page, 'Titulaire du compte', 'Camille Martin');
	await fill(page, 'IBAN', 'FR76 3000 6000 0112 3456 7890 189');
	await fill(page, 'Mot de passe de votre espace client', opts.password);
	await submit(page, page.getByRole('button', { name: 'Recevoir mon code de signature', exact: true }), 'mandate code');
	const sign = page.getByRole('button', { name: 'Signer le mandat', exact: true });
	if (await sign.count() === 0)
		throw new StepError(`no code step after the mandate form: ${(await mainText(page)).slice(0, 200)}`);
	// A wrong code: refused with a message, the code step again.
	const code = page.locator('form[action="/mes-moyens-de-paiement/code"] input:not([type=hidden])').first();
	await typeInto(page, code, 'code field', '000000');
	await submit(page, sign, 'mandate wrong code', FORM_ERROR);
	if (await page.getByRole('button', { name: 'Signer le mandat', exact: true }).count() === 0)
		problems.push('a wrong code does not show the code step again');
}

// The monthly plan of the first contract with a mandate that offers it:
// on, then off again.
async function monthlyPlan(page, opts, problems) {
	await visit(page, opts, '/mes-moyens-de-paiement', 'plan');
	const hrefs = await page.locator('nav[aria-label="Mes contrats"] a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
	for (const href of ['/mes-moyens-de-paiement', ...hrefs]) {
		await visit(page, opts, href, 'plan');
		const start = page.getByRole('button', { name: 'Mensualiser mes paiements', exact: true });
		if (await start.count() === 0)
			continue;
		await submit(page, start, 'plan on');
		const stop = page.getByRole('button', { name: 'Arrêter ma mensualisation', exact: true });
		if (await stop.count() === 0)
			throw new StepError(`no "Arrêter ma mensualisation" once the plan is on: ${(await mainText(page)).slice(0, 200)}`);
		if (!/10 prélèvements de/.test(await mainText(page)))
			problems.push('the plan page does not give the 10 instalments');
		await submit(page, stop, 'plan off');
		if (await page.getByRole('button', { name: 'Mensualiser mes paiements', exact: true }).count() === 0)
			problems.push('stopping the plan does not offer it again');
		return;
	}
	throw new StepError('no contract offers "Mensualiser mes paiements" (a demo contract with a mandate should)');
}

// The first owed bill of /mes-factures: { number, url } or a StepError.
async function owedBill(page, opts) {
	await visit(page, opts, '/mes-factures', 'bills');
	const row = page.locator('.bill-list > li', { has: page.getByRole('button', { name: /^Payer en ligne/ }) }).first();
	if (await row.count() === 0)
		throw new StepError('no owed bill with "Payer en ligne" on /mes-factures (card payment off? serve --demo starts the payment sandbox: see its log)');
	const link = row.locator('.bill-head a').first();
	return { number: oneLine(await link.textContent()).replace(/^Facture /, ''), url: await link.getAttribute('href') };
}

// Opens the bill, pays it online with card; returns the return page's h1.
async function payWithCard(page, opts, bill, card, name) {
	await visit(page, opts, bill.url, name);
	const pay = page.getByRole('button', { name: /^Payer en ligne/ });
	if (await pay.count() === 0)
		throw new StepError(`bill ${bill.number} offers no "Payer en ligne"`);
	await submit(page, pay.first(), name);
	if (new URL(page.url()).pathname !== '/paiement')
		throw new StepError(`"Payer en ligne" led to ${labelOf(page.url())}, not /paiement`);
	await submit(page, page.getByRole('button', { name: 'Continuer vers le paiement sécurisé', exact: true }), `${name} sandbox`);
	if (new URL(page.url()).origin === opts.base.origin)
		throw new StepError(`"Continuer vers le paiement sécurisé" stayed on the portal: ${labelOf(page.url())} "${await h1(page)}"`);
	if (!/^Paiement de /.test(await h1(page)))
		throw new StepError(`the payment page says "${await h1(page)}": ${(await mainText(page)).slice(0, 200)}`);
	// A number the sandbox does not know: the card page again, with an alert.
	await fill(page, 'Numéro de carte (essai)', '4970 1000 0000 0001');
	await submit(page, page.getByRole('button', { name: /^Payer \d/ }), `${name} sandbox unknown card`);
	if (await page.getByRole('alert').count() === 0)
		throw new StepError('an unknown card number gives no alert on the payment page');
	await fill(page, 'Numéro de carte (essai)', card);
	await submit(page, page.getByRole('button', { name: /^Payer \d/ }), `${name} return`);
	const back = new URL(page.url());
	if (back.origin !== opts.base.origin || back.pathname !== '/paiement/retour')
		throw new StepError(`after the card, the browser is on ${labelOf(page.url())}, not the portal's /paiement/retour`);
	return h1(page);
}

// "Annuler et retourner au site" on the payment page: nothing paid.
async function abandoned(page, opts, problems) {
	const bill = await owedBill(page, opts);
	await visit(page, opts, bill.url, 'abandoned');
	const pay = page.getByRole('button', { name: /^Payer en ligne/ });
	if (await pay.count() === 0)
		throw new StepError(`bill ${bill.number} offers no "Payer en ligne"`);
	await submit(page, pay.first(), 'abandoned');
	await submit(page, page.getByRole('button', { name: 'Continuer vers le paiement sécurisé', exact: true }), 'abandoned sandbox');
	await submit(page, page.getByRole('button', { name: 'Annuler et retourner au site', exact: true }), 'abandoned return');
	const title = await h1(page);
	if (title !== 'Paiement non effectué')
		problems.push(`return page after cancelling says "${title}", expected "Paiement non effectué"`);
	await visit(page, opts, bill.url, 'abandoned');
	if (await page.getByRole('button', { name: /^Payer en ligne/ }).count() === 0)
		problems.push(`bill ${bill.number} no longer offers "Payer en ligne" after a cancelled payment`);
}

async function refusedCard(page, opts, problems) {
	const bill = await owedBill(page, opts);
	out(`# owed bill: ${bill.number} (${bill.url})`);
	await visit(page, opts, bill.url, 'refused');
	const owedBefore = oneLine(await page.getByRole('button', { name: /^Payer en ligne/ }).first().textContent());
	const title = await payWithCard(page, opts, bill, CARD_REFUSED, 'refused');
	if (title !== 'Paiement refusé')
		problems.push(`return page after the refused card says "${title}", expected "Paiement refusé"`);
	const alert = oneLine(await page.getByRole('alert').first().textContent({ timeout: STEP_TIMEOUT_MS }).catch(() => ''));
	if (!alert.startsWith('Votre banque a refusé le paiement'))
		problems.push(`no French refusal message in an alert (got "${alert}")`);
	await visit(page, opts, bill.url, 'refused');
	const pay = page.getByRole('button', { name: /^Payer en ligne/ });
	if (await pay.count() === 0)
		problems.push(`bill ${bill.number} no longer offers "Payer en ligne" after a refused card`);
	else if (oneLine(await pay.first().textContent()) !== owedBefore)
		problems.push(`bill ${bill.number} owes "${oneLine(await pay.first().textContent())}" after a refusal, "${owedBefore}" before`);
	if (/Paiements reçus/.test(await mainText(page)) && await page.locator('#t-paiements').count() > 0 &&
	    await page.locator('section[aria-labelledby="t-paiements"] tbody tr').count() > 0)
		problems.push(`bill ${bill.number} lists a payment received after a refused card`);
	return bill;
}

async function acceptedCard(page, opts, problems) {
	const bill = await owedBill(page, opts);
	await visit(page, opts, bill.url, 'paid');
	const owed = oneLine(await page.getByRole('button', { name: /^Payer en ligne/ }).first().textContent())
		.replace(/^Payer en ligne\s*:\s*/, '');
	let title = await payWithCard(page, opts, bill, CARD_OK, 'paid');
	// The notification goes server to server: the return may come first.
	for (let i = 0; i < 10 && title === 'Paiement en attente de confirmation'; i++) {
		await new Promise((r) => setTimeout(r, 500));
		await page.reload({ waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
		title = await h1(page);
	}
	if (title !== 'Paiement reçu')
		problems.push(`return page after the accepted card says "${title}", expected "Paiement reçu"`);
	const text = await mainText(page);
	if (!text.includes(owed))
		problems.push(`return page does not show the amount paid ${owed}`);
	const ret = new URL(page.url());
	if (ret.searchParams.has('commande'))
		await visit(page, opts, `/paiement/retour?commande=${ret.searchParams.get('commande')}`, 'paid return again');
	await visit(page, opts, bill.url, 'paid');
	if (await page.getByRole('button', { name: /^Payer en ligne/ }).count() > 0)
		problems.push(`bill ${bill.number} still offers "Payer en ligne" once paid`);
	const rows = page.locator('section[aria-labelledby="t-paiements"] tbody tr');
	const rowTexts = (await rows.allTextContents()).map(oneLine);
	if (!rowTexts.some((t) => t.includes(owed) && /carte/i.test(t)))
		problems.push(`bill ${bill.number} lists no card payment of ${owed} (payments: ${JSON.stringify(rowTexts)})`);
	await visit(page, opts, '/mes-factures', 'paid');
	const stillOwed = page.locator('.bill-list > li', { has: page.locator('.bill-head a', { hasText: bill.number }) })
		.getByRole('button', { name: /^Payer en ligne/ });
	if (await stillOwed.count() > 0)
		problems.push(`/mes-factures still offers to pay ${bill.number}`);
}

// ------------------------------------------- reading: bills, PDF, archive

// From /mes-factures, keyboard only: the newest bill's page, its PDF,
// its two braille versions (brailleDownloads), the consumption page in
// both views, the archive list and an archived bill with its PDF and its
// braille versions.
async function readBills(page, opts, problems) {
	await visit(page, opts, '/mes-factures', 'bills');
	const first = page.locator('.bill-list > li .bill-head a').first();
	if (await first.count() === 0)
		throw new StepError('no bill on /mes-factures');
	const number = oneLine(await first.textContent()).replace(/^Facture /, '');
	await follow(page, first, 'bill');
	if (!(await h1(page)).includes(number))
		problems.push(`the bill page's heading "${await h1(page)}" does not name ${number}`);
	await downloadPdf(page, page.getByRole('link', { name: /^Télécharger la facture/ }), `bill ${number}`, problems);
	await brailleDownloads(page, `bill ${number}`, problems);
	await visit(page, opts, '/mes-factures?archives=1', 'archive');
	const old = page.locator('.bill-list > li .bill-head a').first();
	if (await old.count() === 0)
		throw new StepError('no bill in the archive list /mes-factures?archives=1');
	const oldNumber = oneLine(await old.textContent()).replace(/^Facture /, '');
	await follow(page, old, 'archived bill');
	await downloadPdf(page, page.getByRole('link', { name: /^Télécharger la facture/ }), `archived bill ${oldNumber}`, problems);
	await brailleDownloads(page, `archived bill ${oldNumber}`, problems);
}

// Enter on a link (reached with Tab) whose answer is a file: the browser
// downloads it; returns its bytes.
async function download(page, link, what) {
	await tabTo(page, link, `link to ${what}`);
	let dl;
	try {
		[dl] = await Promise.all([
			page.waitForEvent('download', { timeout: NAV_TIMEOUT_MS }),
			page.keyboard.press('Enter'),
		]);
	} catch (e) {
		throw new StepError(`${what} was not downloaded: ${errText(e)}`);
	}
	const file = await dl.path();
	return { data: file ? readFileSync(file) : Buffer.alloc(0), name: dl.suggestedFilename() };
}

// Enter on a link whose answer is a PDF: the browser downloads it.
async function downloadPdf(page, link, what, problems) {
	const { data, name } = await download(page, link, `the PDF of ${what}`);
	const head = data.subarray(0, 5).toString('latin1');
	if (head !== '%PDF-')
		problems.push(`the download of ${what} is not a PDF (starts with ${JSON.stringify(head)})`);
	else
		out(`# ${what}: ${name} downloaded`);
}

// The two "Version braille" links of the bill page shown, with Tab and
// Enter: both files downloaded and checked (braille_check.mjs).
async function brailleDownloads(page, what, problems) {
	const uni = await download(page, page.getByRole('link', { name: /^texte braille/ }),
		`the Unicode braille of ${what}`);
	const emb = await download(page, page.getByRole('link', { name: /^fichier pour embosseuse/ }),
		`the embosser file of ${what}`);
	const r = brailleProblems(uni.data, emb.data, what);
	problems.push(...r.problems);
	if (r.problems.length === 0)
		out(`# ${what}: ${uni.name} (${r.lines} lines) and ${emb.name} (${r.pages} pages) downloaded`);
}

async function readConsumption(page, opts, problems) {
	await visit(page, opts, '/ma-consommation', 'consumption');
	if (await page.locator('main table').count() === 0)
		problems.push('/ma-consommation shows no table');
	const views = await page.locator('#vue option').evaluateAll((os) => os.map((o) => o.value));
	for (const v of views) {
		// The select by keyboard: focus it, then the arrow keys.
		await tabTo(page, page.locator('#vue'), 'the "Affichage" list');
		await page.keyboard.press('Home');
		const idx = views.indexOf(v);
		for (let i = 0; i < idx; i++)
			await page.keyboard.press('ArrowDown');
		if (await page.locator('#vue').inputValue() !== v) {
			problems.push(`the "Affichage" list cannot be set to ${v} with the arrow keys`);
			continue;
		}
		// The form's dates are for the view it shows: the new view gets
		// its own defaults from the page with only vue= (see issue 11).
		await visit(page, opts, `/ma-consommation?vue=${encodeURIComponent(v)}`, `consumption ${v}`);
	}
}

// The contact form: a request to customer service, then it in "Mes demandes".
const CONTACT_FILL_MS = 4000;

async function contactRequest(page, opts, problems) {
	await visit(page, opts, '/contact', 'contact');
	const subject = page.getByLabel('Objet de votre demande', { exact: true });
	await tabTo(page, subject, 'the "Objet de votre demande" list');
	const values = await subject.locator('option').evaluateAll((os) => os.map((o) => o.value));
	await page.keyboard.press('End');
	if (await subject.inputValue() !== values[values.length - 1])
		problems.push('the subject list does not answer the End key');
	await fill(page, 'Votre message', 'Demande envoyée au clavier par le parcours de test.');
	await page.waitForTimeout(CONTACT_FILL_MS);
	await submit(page, page.getByRole('button', { name: 'Envoyer ma demande', exact: true }), 'contact sent');
	const sent = new URL(page.url()).searchParams.get('envoyee');
	if (!sent) {
		problems.push(`the request was not sent: ${(await mainText(page)).slice(0, 200)}`);
		return;
	}
	await visit(page, opts, '/mes-demandes', 'requests');
	if (!(await mainText(page)).includes(sent))
		problems.push(`request ${sent} is not listed in /mes-demandes`);
}

// --------------------------------------- new spaces: 2023 id, creation

// Starts the --fresh-server command; { base, stop } once it printed its URL.
async function freshServer(argv) {
	const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
	const stop = () => new Promise((resolve) => {
		if (child.exitCode !== null || child.signalCode !== null)
			return resolve();
		child.once('exit', resolve);
		child.kill('SIGTERM');
	});
	cleanups.push(stop);
	const url = await new Promise((resolve, reject) => {
		let buf = '';
		const timer = setTimeout(() => reject(new InfraError(`--fresh-server printed no URL in 60 s`)), 60000);
		child.stdout.on('data', (d) => {
			buf += d;
			const i = buf.indexOf('\n');
			if (i >= 0) {
				clearTimeout(timer);
				resolve(buf.slice(0, i).trim());
			}
		});
		child.once('error', (e) => { clearTimeout(timer); reject(new InfraError(`--fresh-server: ${errText(e)}`)); });
		child.once('exit', (code) => { clearTimeout(timer); reject(new InfraError(`--fresh-server exited (${code}) before printing a URL`)); });
	});
	let base;
	try {
		base = new URL(url);
	} catch {
		throw new InfraError(`--fresh-server printed ${JSON.stringify(url)}, not a URL`);
	}
	return { base: new URL(base.origin), stop };
}

// A page of its own (fresh cookies) for a journey of a visitor.
async function visitorPage(browser) {
	const ctx = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR', viewport: DESKTOP });
	await ctx.route((u) => !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) &&
		!u.protocol.startsWith('data') && !u.protocol.startsWith('blob'), (r) => r.abort());
	cleanups.push(() => ctx.close());
	return ctx.newPage();
}

// Step 2 of both ways in: the identity as filed (shown: checked; not
// shown: typed), the e-mail, a new password, then "Valider": the "check
// your mailbox" page.
async function identityStep(page, email, password, name, problems, want, shown = true) {
	if (!/^Vérifiez vos informations/.test(await h1(page)))
		throw new StepError(`${name}: step 2 not reached, the page says "${await h1(page)}": ${(await mainText(page)).slice(0, 200)}`);
	for (const [label, value] of Object.entries(want)) {
		const got = await page.getByLabel(label, { exact: true }).inputValue().catch(() => null);
		if (got !== (shown ? value : ''))
			problems.push(`${name}: "${label}" holds ${JSON.stringify(got)}, expected ${JSON.stringify(shown ? value : '')}`);
		if (!shown)
			await fill(page, label, value);
	}
	await fill(page, 'Adresse e-mail', email);
	await fill(page, 'Nouveau mot de passe', password);
	await fill(page, 'Confirmation du mot de passe', password);
	await submit(page, page.getByRole('button', { name: 'Valider', exact: true }), `${name} submitted`);
	if (/^Vérifiez vos informations/.test(await h1(page)))
		throw new StepError(`${name}: step 2 refused: ${(await mainText(page)).slice(0, 300)}`);
}

// The activation e-mail sent to email, from the demo's mailbox
// (/_dev/courriels, newest first): its link, followed by keyboard; then
// a sign-in with the new password lands in a space holding contract.
async function activateAndSignIn(page, opts, email, password, contract, name, problems) {
	await visit(page, opts, '/_dev/courriels', `${name} mailbox`);
	const mail = page.locator('article.mail', { hasText: `À ${email}` })
		.filter({ has: page.getByRole('heading', { name: /Activer votre espace client/ }) }).first();
	if (await mail.count() === 0)
		throw new StepError(`${name}: no "Activer votre espace client" e-mail to ${email} in /_dev/courriels`);
	const link = mail.getByRole('link').filter({ hasText: /\/activer/ }).first();
	if (await link.count() === 0)
		throw new StepError(`${name}: the activation e-mail holds no /activer link`);
	await follow(page, link, `${name} activation`);
	// An activation page may ask for a confirmation (a button): press it.
	const confirm = page.locator('main form button[type=submit]');
	if (new URL(page.url()).pathname.startsWith('/activer') && await confirm.count() === 1)
		await submit(page, confirm, `${name} activation confirmed`);
	const said = await mainText(page);
	if (!/activ/i.test(said))
		problems.push(`${name}: after the activation link the page says "${said.slice(0, 200)}"`);
	await visit(page, opts, '/connexion', `${name} sign-in`);
	await fill(page, 'Adresse e-mail', email);
	await fill(page, 'Mot de passe', password);
	await submit(page, page.getByRole('button', { name: 'Se connecter', exact: true }), `${name} signed in`);
	if (new URL(page.url()).pathname === '/connexion')
		throw new StepError(`${name}: the new password is refused at /connexion: ${(await mainText(page)).slice(0, 200)}`);
	await visit(page, opts, '/mon-espace', `${name} space`);
	if (!(await mainText(page)).includes(contract))
		problems.push(`${name}: /mon-espace does not show contract ${contract}`);
}

// The 2023 subscriber 1234567A: old id and old password, identity as
// filed, a new password, activation from the e-mail.
async function migrate(browser, opts, problems) {
	const page = await visitorPage(browser);
	await visit(page, opts, '/abonne-2023', 'migration');
	await fill(page, 'Ancien identifiant client', opts.legacy.id);
	await fill(page, 'Mot de passe', opts.legacy.password);
	await submit(page, page.getByRole('button', { name: 'Continuer', exact: true }), 'migration step 2');
	await identityStep(page, opts.legacy.email, NEW_PASSWORD, 'migration', problems, opts.legacy.identity);
	await activateAndSignIn(page, opts, opts.legacy.email, NEW_PASSWORD, opts.legacy.contract, 'migration', problems);
	await page.context().close();
}

// Creation of a space for contract 1000000004 with one proof, its
// activation from the e-mail and a sign-in.
async function create(browser, opts, proof, value, email, shown, problems) {
	const page = await visitorPage(browser);
	const name = `creation by ${proof}`;
	await visit(page, opts, '/creer-mon-espace', name);
	await fill(page, 'Numéro de contrat', opts.creation.contract);
	await choose(page, proof);
	await fill(page, 'Adresse e-mail, numéro de facture ou numéro de compteur', value);
	await submit(page, page.getByRole('button', { name: 'Continuer', exact: true }), `${name} step 2`);
	await identityStep(page, email, NEW_PASSWORD, name, problems, opts.creation.identity, shown);
	await activateAndSignIn(page, opts, email, NEW_PASSWORD, opts.creation.contract, name, problems);
	await page.context().close();
}

// The sandbox's own pages that a GET reaches.
async function sandboxPages(page, sandboxOrigin) {
	await visit(page, { base: new URL(sandboxOrigin) }, '/', 'sandbox');
	await visit(page, { base: new URL(sandboxOrigin) }, '/introuvable', 'sandbox', 404);
}

// ------------------------------------------------------------------ main

async function main() {
	const opts = parseOptions();
	const timer = setTimeout(() => bail(`global timeout of ${opts.timeoutMs / 1000} s exceeded`), opts.timeoutMs);
	if (!existsSync(AXE_PATH) || !existsSync(VNU_JAR))
		throw new InfraError(`node_modules incomplete in ${HERE}: run "npm ci" there (scripts/bootstrap --test does)`);
	if (!existsSync(CHROMIUM))
		throw new InfraError(`no browser at ${CHROMIUM}: apt-get install chromium (scripts/bootstrap --test does)`);
	if (opts.vnu && (await execFileP(null, 'java', ['-version'], { timeout: 30000 })).error)
		throw new InfraError('java not found: apt-get install default-jre-headless (scripts/bootstrap --test does)');

	let browser;
	try {
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000 });
	} catch (e) {
		throw new InfraError(`cannot start ${CHROMIUM}: ${errText(e)}`);
	}
	cleanups.push(() => browser.close());
	// The journeys: JavaScript off, as the users who never need it.
	const ctx = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR', viewport: { width: 1280, height: 800 } });
	const page = await ctx.newPage();
	// The checker: JavaScript on, for axe only, served the journeys' bytes.
	const checkCtx = await browser.newContext({ bypassCSP: true, locale: 'fr-FR', viewport: { width: 1280, height: 800 } });
	await checkCtx.addInitScript({ content: readFileSync(AXE_PATH, 'utf8') });
	state.checker = await checkCtx.newPage();
	// Only loopback servers (the portal and its sandbox) may be reached.
	for (const c of [ctx, checkCtx])
		await c.route((u) => !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) &&
			!u.protocol.startsWith('data') && !u.protocol.startsWith('blob'), (r) => r.abort());

	await signIn(page, opts);
	let sandboxOrigin = null;
	page.on('request', (r) => {
		const u = new URL(r.url());
		if (u.origin !== opts.base.origin && u.pathname.startsWith('/vads-payment/'))
			sandboxOrigin = u.origin;
	});
	await journey('paperless billing on and off from /mon-espace', (p) => paperless(page, opts, p));
	await journey('mandate signing form: errors, code step, wrong code', (p) => mandate(page, opts, p));
	await journey('monthly plan on and off', (p) => monthlyPlan(page, opts, p));
	await journey('cancelled on the payment page: nothing paid, bill still due', (p) => abandoned(page, opts, p));
	await journey('refused card 4970 1000 0000 0097: bill still due, French refusal message', (p) => refusedCard(page, opts, p));
	await journey('accepted card 4970 1000 0000 0000: paid, payment on the bill, nothing owed', (p) => acceptedCard(page, opts, p));
	if (sandboxOrigin)
		await journey('sandbox pages reached by GET', () => sandboxPages(page, sandboxOrigin));
	await journey('bills: newest bill, its PDF and braille, archive list, an archived bill, its PDF and braille', (p) => readBills(page, opts, p));
	await journey('consumption in each view', (p) => readConsumption(page, opts, p));
	await journey('contact form: a request sent, listed in "Mes demandes"', (p) => contactRequest(page, opts, p));
	await journey(`2023 subscriber ${DEMO.legacy.id}: old id, identity, new password, activation, sign-in`,
		(p) => migrate(browser, opts, p));
	for (const [i, [proof, value, email, shown]] of DEMO.creation.proofs.entries()) {
		const name = `creation for ${DEMO.creation.contract} by ${proof.toLowerCase()}: identity, password, activation, sign-in`;
		if (i === 0) {
			await journey(name, (p) => create(browser, opts, proof, value, email, shown, p));
			continue;
		}
		if (!opts.freshServer) {
			out(`# ${name}: not run, the contract has a space now (--fresh-server gives each proof a database of its own)`);
			continue;
		}
		const fresh = await freshServer(opts.freshServer);
		out(`# ${name}: on a fresh demo server at ${fresh.base.href}`);
		await journey(name, (p) => create(browser, { ...opts, base: fresh.base }, proof, value, email, shown, p));
		await fresh.stop();
	}
	await browser.close();
	if (opts.vnu)
		await runVnu(state.pages);
	clearTimeout(timer);
	await cleanup();
	out(`1..${testNo}`);
	out(`${passed} passed, ${failed} failed`);
	process.exit(failed > 0 ? 1 : 0);
}

main().catch((e) => bail(e instanceof InfraError ? e.message : (e && e.stack) || String(e)));
