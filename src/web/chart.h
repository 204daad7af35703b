/*
 * chart.h: bar charts drawn by the server as inline SVG, for pages that
 * must work without JavaScript and under a CSP that forbids inline
 * styles: every coordinate is an integer computed in integer arithmetic,
 * every colour comes from a class of site.css (.chart …). The chart is
 * decorative for assistive technology (aria-hidden, focusable=false, no
 * title or description): the page must show the same figures in a
 * table, which is the accessible source. Each bar's <title> with its
 * figures is a tooltip for the mouse only; text browsers, which draw
 * no SVG, show the labels as one line of words.
 */
#ifndef RB_WEB_CHART_H
#define RB_WEB_CHART_H

#include <stdint.h>

#include "base/buf.h"

/* One group of bars: a value and, optionally, the value a year earlier. */
struct rb_chart_bar {
	const char	*cb_label;	/* under the bar ("juin 2024") */
	const char	*cb_title;	/* the figures, in words, for the
					   bar's <title> (a tooltip) */
	int64_t		 cb_value;	/* litres, >= 0 */
	int64_t		 cb_previous;	/* litres, or -1 when none */
	int		 cb_alert;	/* drawn as abnormal */
};

struct rb_chart {
	int		 ch_m3;		/* axis in m³ (else in litres) */
	const char	*ch_series;	/* legend of the values */
	const char	*ch_previous;	/* legend of the previous values, or
					   NULL: one bar per group */
	const struct rb_chart_bar *ch_bars;
	int		 ch_n;		/* bars, 0 to RB_CHART_MAX_BARS */
	int		 ch_label_every; /* label one group in this many
					   (1: all; 0 chooses) */
};

#define RB_CHART_MAX_BARS	400

/*
 * Appends the SVG of c to out (text is escaped), hidden from assistive
 * technology: the caller shows the figures in a table. A chart with no
 * bar is drawn with its axes only. Never fails (allocation aborts).
 */
void	rb_chart_svg(rb_buf *out, const struct rb_chart *c);

/*
 * The axis of a chart whose largest value is max (>= 0) in units of
 * unit litres (1 or 1000): *step, a 1, 2 or 5 times a power of ten
 * units, the smallest that covers max in at most 5 steps, and *top, the
 * smallest multiple of *step >= max (at least one step), both in litres.
 */
void	rb_chart_axis(int64_t max, int64_t unit, int64_t *step, int64_t *top);

#endif
