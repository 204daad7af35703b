// Checks of a bill's two braille downloads (docs/braille.md), used by the
// journeys (flows.mjs) and tested on made-up files by selftest.sh:
//   - the Unicode braille text: every character but line ends, form
//     feeds and spaces in U+2800..U+28FF, at least one cell that is not
//     blank, no line over BRAILLE_CELLS cells;
//   - the embosser file: CP1252 bytes (no control byte but CR, LF, FF,
//     none of the five bytes CP1252 leaves undefined), CR LF line ends,
//     a form feed between pages, no line over BRAILLE_CELLS cells, no
//     page over BRAILLE_LINES lines;
//   - both laid out alike: line for line, a blank cell where the other
//     has one.

// The server's default braille page (settings braille_cells and
// braille_lines).
export const BRAILLE_CELLS = 32;
export const BRAILLE_LINES = 27;
const CP1252_HOLES = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

// unicode, embosser: the downloaded bytes (Buffers); what names the bill
// in the messages. Returns { problems, lines, pages }.
export function brailleProblems(unicode, embosser, what) {
	const problems = [];
	const text = unicode.toString('utf8');
	const bad = [...text].filter((c) => !'\n\f '.includes(c) && (c < '\u2800' || c > '\u28ff'));
	if (bad.length > 0)
		problems.push(`the Unicode braille of ${what} holds ${bad.length} characters that are not braille, e.g. ${JSON.stringify(bad.slice(0, 5).join(''))}`);
	if (!/[\u2801-\u28ff]/.test(text))
		problems.push(`the Unicode braille of ${what} has no braille cell`);
	const uniLines = text.split('\n');
	const longU = uniLines.filter((l) => [...l.replace(/^\f/, '')].length > BRAILLE_CELLS);
	if (longU.length > 0)
		problems.push(`the Unicode braille of ${what} has ${longU.length} lines over ${BRAILLE_CELLS} cells`);

	const holes = [...embosser].filter((b) => CP1252_HOLES.has(b) || b === 0x7f ||
		(b < 0x20 && ![0x0a, 0x0c, 0x0d].includes(b)));
	if (holes.length > 0)
		problems.push(`the embosser file of ${what} has ${holes.length} bytes that are not CP1252 text`);
	const raw = embosser.toString('latin1');
	if (/\r(?!\n)|(?<!\r)\n/.test(raw))
		problems.push(`the embosser file of ${what} has line ends other than CR LF`);
	if (!raw.endsWith('\r\n'))
		problems.push(`the embosser file of ${what} does not end with CR LF`);
	const pages = raw.replace(/\r\n$/, '').split('\f');
	if (pages.length < 2)
		problems.push(`the embosser file of ${what} has no form feed (one page only)`);
	pages.forEach((p, i) => {
		const rows = p.replace(/\r\n$/, '').split('\r\n');
		if (rows.length > BRAILLE_LINES)
			problems.push(`page ${i + 1} of the embosser file of ${what} has ${rows.length} lines, over ${BRAILLE_LINES}`);
		const longE = rows.filter((r) => r.length > BRAILLE_CELLS);
		if (longE.length > 0)
			problems.push(`page ${i + 1} of the embosser file of ${what} has ${longE.length} lines over ${BRAILLE_CELLS} cells`);
	});
	const shape = (lines) => lines.map((l) => l.replace(/[^\f\u2800 ]/g, 'x').replace(/\u2800/g, ' ')).join('\n');
	if (shape(raw.split('\r\n')) !== shape(uniLines))
		problems.push(`the embosser file and the Unicode braille of ${what} are not laid out alike`);
	return { problems, lines: uniLines.length - 1, pages: pages.length };
}
