-- One wrk script for every scenario, configured through the environment by bench/run.py:
--   BENCH_METHOD   GET or POST
--   BENCH_PATHS    file: request paths, one a line (taken in turn)
--   BENCH_COOKIES  file: Cookie header values, one a line (taken in turn), optional
--   BENCH_BODIES   file: form bodies, one a line (taken in turn), optional
--   BENCH_EXPECT   the status every response should have (others are counted as bad)
-- done() prints one JSON line: requests, seconds, latency percentiles (ms), bad responses.

local function lines(name)
  local out = {}
  if name == nil or name == "" then return out end
  for line in io.lines(name) do
    if line ~= "" then table.insert(out, line) end
  end
  return out
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  method = os.getenv("BENCH_METHOD") or "GET"
  paths = lines(os.getenv("BENCH_PATHS"))
  cookies = lines(os.getenv("BENCH_COOKIES"))
  bodies = lines(os.getenv("BENCH_BODIES"))
  expect = tonumber(os.getenv("BENCH_EXPECT") or "200")
  counter = 0
  bad = 0
  last_bad = 0
end

function request()
  counter = counter + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(counter % #cookies) + 1] end
  local body = nil
  if #bodies > 0 then
    body = bodies[(counter % #bodies) + 1]
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  return wrk.format(method, paths[(counter % #paths) + 1], headers, body)
end

function response(status, headers, body)
  if status ~= expect then
    bad = bad + 1
    last_bad = status
  end
end

function done(summary, latency, requests)
  local bad_total, last = 0, 0
  for _, t in ipairs(threads) do
    bad_total = bad_total + (t:get("bad") or 0)
    local lb = t:get("last_bad") or 0
    if lb ~= 0 then last = lb end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.4f, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "bad": %d, "last_bad_status": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, bad_total, last,
    e.connect + e.read + e.write + e.timeout))
end
