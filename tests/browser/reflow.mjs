// Reflow checks shared by the crawl (crawl.mjs) and the journeys
// (flows.mjs): WCAG 1.4.10 / RGAA 10.11, content readable without
// scrolling sideways at 320 CSS px (a phone, or 400 % zoom on a 1280 px
// screen) and at 640 CSS px (200 % zoom).
//
// A page passes at a width when document.documentElement.scrollWidth is
// no more than the viewport's width: a table may still scroll inside its
// own region (overflow-x: auto), which axe's scrollable-region-focusable
// rule then wants reachable by keyboard.

// The widths checked besides the desktop's 1280 px; axe runs again at
// the first one.
export const NARROW_WIDTHS = [320, 640];
export const DESKTOP = { width: 1280, height: 800 };

// Runs in the page: null when nothing sticks out, else the document's
// width, the viewport's, and the outermost elements that stick out.
function measure() {
	const vw = document.documentElement.clientWidth || window.innerWidth;
	const sw = document.documentElement.scrollWidth;
	if (sw <= window.innerWidth)
		return null;
	const name = (el) => {
		let s = el.tagName.toLowerCase();
		if (el.id)
			s += `#${el.id}`;
		else if (el.classList.length > 0)
			s += `.${[...el.classList].join('.')}`;
		const text = (el.textContent || '').replace(/\s+/g, ' ').trim();
		return text ? `${s} "${text.slice(0, 40)}"` : s;
	};
	// Content wider than its own box, shown outside it (a <pre> line).
	const spills = (el) => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 &&
		getComputedStyle(el).overflowX === 'visible' &&
		el.getBoundingClientRect().left + el.scrollWidth > vw + 0.5;
	const out = (el) => el.getBoundingClientRect().right > vw + 0.5;
	const culprits = [];
	for (const el of document.body.querySelectorAll('*')) {
		const r = el.getBoundingClientRect();
		if (r.width === 0)
			continue;
		const p = el.parentElement;
		if (out(el)) {
			// The outermost box that sticks out.
			if (p && p !== document.body && out(p))
				continue;
			culprits.push(`${name(el)} ends at ${Math.round(r.right)} px`);
		} else if (spills(el) && ![...el.children].some((c) => out(c) || spills(c))) {
			// The innermost box whose content spills out.
			culprits.push(`${name(el)} ends at ${Math.round(r.left + el.scrollWidth)} px`);
		}
		if (culprits.length === 4)
			break;
	}
	return { sw, vw: window.innerWidth, culprits };
}

// Resizes page to width, lets it lay out again and returns the problems
// (none when the page reflows). The caller restores the viewport.
export async function widthProblems(page, width) {
	await page.setViewportSize({ width, height: 800 });
	const m = await page.evaluate(measure);
	if (m === null)
		return [];
	return [`the page is ${m.sw} px wide in a ${m.vw} px viewport (scrolls sideways)`,
		...m.culprits.map((c) => `sticks out: ${c}`)];
}
