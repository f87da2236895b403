-- wrk script of bench/ocsp_http, after `--`: MODE FILE.
--   get FILE:  GET requests rotating over the paths listed one per line in FILE (RFC 6960 App. A.1: /ocsp/ +
--              the DER request, base64, percent-encoded);
--   post FILE: POST /ocsp requests rotating over the DER requests in the files listed one per line in FILE.
-- Each thread starts at another offset. At the end it prints one line that bench/ocsp_http parses: requests,
-- responses/s, latency percentiles (µs) and wrk's error counters (status counts every response that is not
-- 2xx or 3xx).
local threads = {}

function setup(thread)
  thread:set("offset", #threads * 7)
  table.insert(threads, thread)
end

function init(args)
  local mode, list = args[1], args[2]
  requests_ = {}
  for line in io.lines(list) do
    if #line > 0 then
      if mode == "get" then
        table.insert(requests_, wrk.format("GET", line))
      elseif mode == "post" then
        local f = assert(io.open(line, "rb"))
        local body = f:read("*a")
        f:close()
        local headers = {["Content-Type"] = "application/ocsp-request"}
        table.insert(requests_, wrk.format("POST", "/ocsp", headers, body))
      else
        error("unknown mode " .. tostring(mode))
      end
    end
  end
  if #requests_ == 0 then error("no requests in " .. tostring(list)) end
  n = offset or 0
end

function request()
  n = n + 1
  return requests_[(n % #requests_) + 1]
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
