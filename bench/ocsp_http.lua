-- wrk script of bench/ocsp_http: each connection sends GET requests rotating over the OCSP GET paths listed
-- one per line in the file named after `--` (RFC 6960 App. A.1: /ocsp/ + the DER request, base64,
-- percent-encoded), each thread starting at another offset. At the end it prints one line that bench/ocsp_http
-- parses: requests, responses/s, latency percentiles (µs) and wrk's error counters (status counts every
-- response that is not 2xx or 3xx).
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(paths, line) end
  end
  if #paths == 0 then error("no paths in " .. tostring(args[1])) end
  n = offset or 0
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_s=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f " ..
    "non2xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.status, e.connect, e.read, e.write, e.timeout))
end
