-- wrk script: prints one machine-readable line when a run is done, so that
-- bench/http.sh needs not parse wrk's human-readable units.
--   RESULT requests=N seconds=S rps=R p50_us=A p99_us=B bytes=N
--          errors_connect=N errors_read=N errors_write=N
--          errors_status=N errors_timeout=N
-- (one line; errors_status counts answers with a status of 400 or more).
done = function(summary, latency, requests)
	local secs = summary.duration / 1e6
	local e = summary.errors
	io.write(string.format(
		"RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d bytes=%d " ..
		"errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
		summary.requests, secs, summary.requests / secs,
		math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
		summary.bytes, e.connect, e.read, e.write, e.status, e.timeout))
end
