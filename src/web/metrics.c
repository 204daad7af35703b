/*
 * metrics.c: Prometheus counters (see metrics.h).
 */
#include <stdatomic.h>

#include "app/pagecache.h"
#include "app/sesscache.h"
#include "base/mem.h"
#include "metrics.h"
#include "routes.h"

#define STATUS_MIN	100
#define STATUS_MAX	599

static const uint64_t buckets_us[] = {
	250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000, 5000000,
};

static atomic_ullong requests[ROUTE__MAX][STATUS_MAX - STATUS_MIN + 1];
static atomic_ullong latency[RB_NELEM(buckets_us) + 1];	/* last: +Inf */
static atomic_ullong latency_sum_us;
static atomic_ullong latency_count;
static atomic_ullong direct_count;

void
rb_metrics_direct(void)
{
	atomic_fetch_add_explicit(&direct_count, 1, memory_order_relaxed);
}

void
rb_metrics_observe(int route, int status, uint64_t us)
{
	size_t b;

	if (route < 0 || route >= ROUTE__MAX)
		route = ROUTE_NOT_FOUND;
	if (status < STATUS_MIN || status > STATUS_MAX)
		status = 500;
	atomic_fetch_add_explicit(&requests[route][status - STATUS_MIN], 1,
	    memory_order_relaxed);
	for (b = 0; b < RB_NELEM(buckets_us); b++)
		if (us <= buckets_us[b])
			break;
	atomic_fetch_add_explicit(&latency[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&latency_sum_us, us, memory_order_relaxed);
	atomic_fetch_add_explicit(&latency_count, 1, memory_order_relaxed);
}

void
rb_metrics_render(rb_buf *out, uint64_t db_errors)
{
	struct rb_sesscache_stats sc;
	struct rb_pagecache_stats pc;
	unsigned long long n, cum = 0;
	size_t b;
	int r, s;

	rb_buf_puts(out, "# HELP robinet_http_requests_total HTTP requests "
	    "by route and status.\n# TYPE robinet_http_requests_total "
	    "counter\n");
	for (r = 0; r < ROUTE__MAX; r++)
		for (s = STATUS_MIN; s <= STATUS_MAX; s++) {
			n = atomic_load_explicit(&requests[r][s - STATUS_MIN],
			    memory_order_relaxed);
			if (n > 0)
				rb_buf_printf(out, "robinet_http_requests_total"
				    "{route=\"%s\",status=\"%d\"} %llu\n",
				    rb_routes[r].rt_name, s, n);
		}
	rb_buf_puts(out, "# HELP robinet_http_request_duration_seconds Time "
	    "from request headers to response.\n# TYPE "
	    "robinet_http_request_duration_seconds histogram\n");
	for (b = 0; b <= RB_NELEM(buckets_us); b++) {
		cum += atomic_load_explicit(&latency[b], memory_order_relaxed);
		if (b < RB_NELEM(buckets_us))
			rb_buf_printf(out, "robinet_http_request_duration_"
			    "seconds_bucket{le=\"%llu.%06llu\"} %llu\n",
			    (unsigned long long)buckets_us[b] / 1000000,
			    (unsigned long long)buckets_us[b] % 1000000, cum);
		else
			rb_buf_printf(out, "robinet_http_request_duration_"
			    "seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	}
	n = atomic_load_explicit(&latency_sum_us, memory_order_relaxed);
	rb_buf_printf(out, "robinet_http_request_duration_seconds_sum "
	    "%llu.%06llu\n", n / 1000000, n % 1000000);
	rb_buf_printf(out, "robinet_http_request_duration_seconds_count "
	    "%llu\n", (unsigned long long)atomic_load_explicit(&latency_count,
	    memory_order_relaxed));
	rb_buf_printf(out, "# HELP robinet_db_errors_total Database errors.\n"
	    "# TYPE robinet_db_errors_total counter\n"
	    "robinet_db_errors_total %llu\n", (unsigned long long)db_errors);
	rb_sesscache_stats(&sc);
	rb_buf_printf(out, "# HELP robinet_session_cache_hits_total Session "
	    "lookups served from memory.\n"
	    "# TYPE robinet_session_cache_hits_total counter\n"
	    "robinet_session_cache_hits_total %llu\n"
	    "# HELP robinet_session_cache_misses_total Session lookups that "
	    "read the database while the cache was on.\n"
	    "# TYPE robinet_session_cache_misses_total counter\n"
	    "robinet_session_cache_misses_total %llu\n"
	    "# HELP robinet_session_cache_on 1 while the session cache's "
	    "listener is linked and the setting allows it, else 0.\n"
	    "# TYPE robinet_session_cache_on gauge\n"
	    "robinet_session_cache_on %d\n"
	    "# HELP robinet_notices_mark The highest mark (a notice "
	    "rb_data 'mark:N') this server's listener has heard, or 0.\n"
	    "# TYPE robinet_notices_mark gauge\n"
	    "robinet_notices_mark %lld\n",
	    (unsigned long long)sc.ss_hits, (unsigned long long)sc.ss_misses,
	    sc.ss_on, (long long)sc.ss_mark);
	rb_pagecache_stats(&pc);
	rb_buf_printf(out, "# HELP robinet_data_cache_hits_total Reads of "
	    "the subscriber's pages served from memory.\n"
	    "# TYPE robinet_data_cache_hits_total counter\n"
	    "robinet_data_cache_hits_total %llu\n"
	    "# HELP robinet_data_cache_misses_total Reads of the "
	    "subscriber's pages that went to the database while the cache "
	    "was on.\n"
	    "# TYPE robinet_data_cache_misses_total counter\n"
	    "robinet_data_cache_misses_total %llu\n"
	    "# HELP robinet_data_cache_on 1 while the data cache's listener "
	    "is linked and the setting allows it, else 0.\n"
	    "# TYPE robinet_data_cache_on gauge\n"
	    "robinet_data_cache_on %d\n",
	    (unsigned long long)pc.ps_hits, (unsigned long long)pc.ps_misses,
	    pc.ps_on);
	rb_buf_printf(out, "# HELP robinet_http_direct_answers_total HTTP "
	    "requests answered by the front gate's thread, without "
	    "libmicrohttpd (counted in robinet_http_requests_total too).\n"
	    "# TYPE robinet_http_direct_answers_total counter\n"
	    "robinet_http_direct_answers_total %llu\n",
	    (unsigned long long)atomic_load_explicit(&direct_count,
	    memory_order_relaxed));
}
