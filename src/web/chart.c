/*
 * chart.c: server-drawn SVG bar charts (see chart.h). The drawing is a
 * fixed 720 x 340 view box scaled by CSS; all positions are integers.
 */
#include <string.h>

#include "web/chart.h"

#define VIEW_W		720
#define VIEW_H		340
#define PLOT_X		72	/* left of the plot, after the tick labels */
#define PLOT_Y		48	/* top of the plot, under the legend */
#define PLOT_W		636
#define PLOT_H		228
#define LABEL_Y		(PLOT_Y + PLOT_H + 20)
#define MAX_LABELS	12	/* group labels that fit under the plot */

void
rb_chart_axis(int64_t max, int64_t unit, int64_t *step, int64_t *top)
{
	static const int64_t mult[] = { 1, 2, 5 };
	int64_t pow10 = 1, s = unit;
	int i, found = 0;

	if (max < 0)
		max = 0;
	while (!found) {
		for (i = 0; i < 3 && !found; i++) {
			s = mult[i] * pow10 * unit;
			if (s * 5 >= max)
				found = 1;
		}
		pow10 *= 10;
	}
	*step = s;
	*top = max <= 0 ? s : (max + s - 1) / s * s;
}

/*
 * Every <text> starts on a line of its own: a text browser, which draws
 * no SVG, prints the labels as inline text, and the line break keeps
 * them apart ("100 m³ juin 2024", not "100m³juin 2024").
 */
#define TEXT	"\n<text"

/* Appends n with a no-break space between groups of three digits. */
static void
put_number(rb_buf *out, int64_t n)
{
	char digits[24];
	size_t len, i;

	if (n < 0) {
		rb_buf_putc(out, '-');
		n = -n;
	}
	len = 0;
	do {
		digits[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0 && len < sizeof(digits));
	for (i = len; i > 0; i--) {
		rb_buf_putc(out, digits[i - 1]);
		if (i > 1 && (i - 1) % 3 == 0)
			rb_buf_puts(out, "\xc2\xa0");
	}
}

static void
put_text(rb_buf *out, const char *s)
{
	if (s != NULL)
		rb_buf_html(out, s, strlen(s));
}

/* Appends the text s, then the number v. */
static void
put_attr(rb_buf *out, const char *s, int64_t v)
{
	rb_buf_puts(out, s);
	rb_buf_put_int(out, v);
}

/* Height in view units of value litres on an axis up to top litres. */
static int64_t
bar_height(int64_t value, int64_t top)
{
	int64_t h;

	if (value <= 0 || top <= 0)
		return 0;
	h = value * PLOT_H / top;
	return h < 1 ? 1 : h > PLOT_H ? PLOT_H : h;
}

static void
put_rect(rb_buf *out, const char *cls, int64_t x, int64_t w, int64_t h)
{
	rb_buf_puts(out, "<rect class=\"");
	rb_buf_puts(out, cls);
	put_attr(out, "\" x=\"", x);
	put_attr(out, "\" y=\"", PLOT_Y + PLOT_H - h);
	put_attr(out, "\" width=\"", w);
	put_attr(out, "\" height=\"", h);
	rb_buf_puts(out, "\"/>");
}

static void
put_legend(rb_buf *out, const struct rb_chart *c, int any_alert)
{
	int x = PLOT_X;

	put_attr(out, "<g class=\"chart-legend\"><rect class=\"bar\" x=\"", x);
	put_attr(out, "\" y=\"8\" width=\"14\" height=\"14\"/>" TEXT " x=\"",
	    x + 20);
	rb_buf_puts(out, "\" y=\"20\">");
	put_text(out, c->ch_series);
	rb_buf_puts(out, "</text>");
	x += 240;
	if (c->ch_previous != NULL) {
		put_attr(out, "<rect class=\"bar-prev\" x=\"", x);
		put_attr(out, "\" y=\"8\" width=\"14\" height=\"14\"/>" TEXT
		    " x=\"", x + 20);
		rb_buf_puts(out, "\" y=\"20\">");
		put_text(out, c->ch_previous);
		rb_buf_puts(out, "</text>");
		x += 240;
	}
	if (any_alert) {
		put_attr(out, "<rect class=\"bar bar-alert\" x=\"", x);
		put_attr(out, "\" y=\"8\" width=\"14\" height=\"14\"/>" TEXT
		    " x=\"", x + 20);
		rb_buf_puts(out, "\" y=\"20\">Anormale</text>");
	}
	rb_buf_puts(out, "</g>");
}

void
rb_chart_svg(rb_buf *out, const struct rb_chart *c)
{
	const struct rb_chart_bar *b;
	int64_t unit = c->ch_m3 ? 1000 : 1, max = 0, step, top, v, y;
	int64_t gw, bw, gx, x;
	int i, n = c->ch_n, every = c->ch_label_every, any_alert = 0;

	if (n < 0)
		n = 0;
	if (n > RB_CHART_MAX_BARS)
		n = RB_CHART_MAX_BARS;
	for (i = 0; i < n; i++) {
		b = &c->ch_bars[i];
		if (b->cb_value > max)
			max = b->cb_value;
		if (c->ch_previous != NULL && b->cb_previous > max)
			max = b->cb_previous;
		any_alert |= b->cb_alert != 0;
	}
	rb_chart_axis(max, unit, &step, &top);
	if (every <= 0)
		every = n > MAX_LABELS ? (n + MAX_LABELS - 1) / MAX_LABELS : 1;

	/* Decorative for assistive technology: the table that follows
	   carries the figures. */
	put_attr(out, "<svg class=\"chart\" xmlns=\"http://www.w3.org/"
	    "2000/svg\" aria-hidden=\"true\" focusable=\"false\" "
	    "viewBox=\"0 0 ", VIEW_W);
	put_attr(out, " ", VIEW_H);
	rb_buf_puts(out, "\">");

	put_legend(out, c, any_alert);

	/* Horizontal grid with its tick labels, then the axis unit. */
	rb_buf_puts(out, "<g class=\"chart-grid\">");
	for (v = 0; v <= top; v += step) {
		y = PLOT_Y + PLOT_H - v * PLOT_H / top;
		put_attr(out, "<line x1=\"", PLOT_X);
		put_attr(out, "\" y1=\"", y);
		put_attr(out, "\" x2=\"", PLOT_X + PLOT_W);
		put_attr(out, "\" y2=\"", y);
		put_attr(out, "\"/>" TEXT " class=\"tick\" x=\"", PLOT_X - 8);
		put_attr(out, "\" y=\"", y + 4);
		rb_buf_puts(out, "\">");
		put_number(out, v / unit);
		rb_buf_puts(out, "</text>");
	}
	put_attr(out, TEXT " class=\"unit\" x=\"", PLOT_X - 8);
	put_attr(out, "\" y=\"", PLOT_Y - 10);
	rb_buf_puts(out, c->ch_m3 ? "\">m³</text>" : "\">litres</text>");
	rb_buf_puts(out, "</g>");

	/* The bars, one group per value, each with its figures. */
	rb_buf_puts(out, "<g class=\"chart-bars\">");
	gw = n > 0 ? PLOT_W / n : PLOT_W;
	bw = c->ch_previous != NULL ? gw * 2 / 5 : gw * 3 / 5;
	if (bw < 1)
		bw = 1;
	for (i = 0; i < n; i++) {
		b = &c->ch_bars[i];
		gx = PLOT_X + (int64_t)i * gw;
		rb_buf_puts(out, "<g><title>");
		put_text(out, b->cb_title);
		rb_buf_puts(out, "</title>");
		x = gx + (gw - (c->ch_previous != NULL ? 2 * bw : bw)) / 2;
		if (c->ch_previous != NULL) {
			if (b->cb_previous >= 0)
				put_rect(out, "bar-prev", x, bw,
				    bar_height(b->cb_previous, top));
			x += bw;
		}
		put_rect(out, b->cb_alert ? "bar bar-alert" : "bar", x, bw,
		    bar_height(b->cb_value, top));
		rb_buf_puts(out, "</g>");
	}
	rb_buf_puts(out, "</g>");

	/* Group labels and the base line. */
	rb_buf_puts(out, "<g class=\"chart-labels\">");
	for (i = 0; i < n; i += every) {
		put_attr(out, TEXT " x=\"", PLOT_X + (int64_t)i * gw + gw / 2);
		put_attr(out, "\" y=\"", LABEL_Y);
		rb_buf_puts(out, "\">");
		put_text(out, c->ch_bars[i].cb_label);
		rb_buf_puts(out, "</text>");
	}
	put_attr(out, "<line class=\"axis\" x1=\"", PLOT_X);
	put_attr(out, "\" y1=\"", PLOT_Y + PLOT_H);
	put_attr(out, "\" x2=\"", PLOT_X + PLOT_W);
	put_attr(out, "\" y2=\"", PLOT_Y + PLOT_H);
	rb_buf_puts(out, "\"/>");
	rb_buf_puts(out, "</g></svg>");
}
