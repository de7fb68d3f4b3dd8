-- wrk script for benches/wms_vs_mapserver.py.
--
--   wrk -t T -c C -d 15s -s wms.lua http://127.0.0.1:PORT -- URLFILE T
--
-- URLFILE holds one request path per line (/wms?SERVICE=WMS&...); each
-- wrk thread cycles through the list, thread k starting at k/T of it, so
-- that the threads do not send the same boxes in step. Every response must
-- have status 200 and a body starting with the PNG signature; the others
-- are counted as failures (the first few are printed to stderr). done()
-- prints one line "WRKJSON {...}" with the totals and latency percentiles
-- in microseconds, for the Python harness to parse.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  local nthreads = tonumber(args[2] or "1")
  paths = {}
  for line in io.lines(file) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  if #paths == 0 then
    error("no request paths in " .. file)
  end
  pos = math.floor(thread_id * #paths / nthreads)
  bad_status = 0
  bad_body = 0
  reported = 0
end

function request()
  pos = pos % #paths + 1
  return wrk.format("GET", paths[pos])
end

local PNG_SIGNATURE = "\137PNG\r\n\26\n"

function response(status, headers, body)
  local ok = true
  if status ~= 200 then
    bad_status = bad_status + 1
    ok = false
  elseif body == nil or body:sub(1, 8) ~= PNG_SIGNATURE then
    bad_body = bad_body + 1
    ok = false
  end
  if not ok and reported < 3 then
    reported = reported + 1
    local snippet = (body or ""):sub(1, 300):gsub("[%c]", " ")
    io.stderr:write(string.format("failed response: status %d, content-type %s, body: %s\n",
      status, tostring(headers["Content-Type"] or headers["content-type"]), snippet))
  end
end

function done(summary, latency, requests)
  local status_failures, body_failures = 0, 0
  for _, t in ipairs(threads) do
    status_failures = status_failures + t:get("bad_status")
    body_failures = body_failures + t:get("bad_body")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"latency_mean_us": %.1f, "latency_max_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"bad_status": %d, "bad_body": %d, "err_connect": %d, "err_read": %d, "err_write": %d, ' ..
    '"err_status": %d, "err_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    status_failures, body_failures, e.connect, e.read, e.write, e.status, e.timeout))
end
