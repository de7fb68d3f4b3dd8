-- wrk script for benches/tiles_vs_mapcache.py: every URL of a list exactly
-- once (uncached vector tiles: a URL asked twice would be a cache hit).
--
--   wrk -t 1 -c C -d 3600s -s once.lua http://127.0.0.1:PORT -- URLFILE [gzip]
--
-- One wrk thread (-t 1) sends the paths of URLFILE in order over its C
-- connections. When the list is used up, delay() parks every connection
-- (no further requests); when the last response has arrived, the script
-- prints "WRKONCE {...}" (requests, the time from the first request to the
-- last response in microseconds, body sizes) and stops the thread. wrk
-- itself sleeps for its whole -d: the harness sends SIGINT on seeing
-- WRKONCE, upon which wrk prints its latency statistics and done() the
-- line "WRKJSON {...}" (as benches/mapserver/wms.lua).
--
-- Checks: status 200 (204 counts as an empty tile), a gzip body
-- (Content-Encoding: gzip) when the second argument is "gzip" and the body
-- is not empty. Other responses are failures (the first few printed).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } wrk_once_timespec;
  int clock_gettime(int clk_id, wrk_once_timespec *tp);
]]
local ts = ffi.new("wrk_once_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  if #paths == 0 then
    error("no request paths in " .. args[1])
  end
  want_gzip = args[2] == "gzip"
  if want_gzip then
    wrk.headers["Accept-Encoding"] = "gzip"
  end
  sent = 0
  received = 0
  bad_status = 0
  bad_body = 0
  empty = 0
  bytes_sum = 0
  bytes_max = 0
  reported = 0
  t_first = 0
  t_last = 0
  finished = false
  verified = false
end

function delay()
  if sent >= #paths then
    return 3600000 -- parked: the list is used up
  end
  return 0
end

function request()
  if not verified then
    -- wrk calls request() once after init() to count pipelined requests
    -- (script_verify_request): that request is never sent
    verified = true
    return wrk.format("GET", paths[1])
  end
  sent = sent + 1
  if sent == 1 then
    t_first = now_us()
  end
  local i = sent
  if i > #paths then
    i = #paths -- only if more connections than paths: a repeat
  end
  return wrk.format("GET", paths[i])
end

local function fail(status, headers, body, why)
  if reported < 3 then
    reported = reported + 1
    local snippet = (body or ""):sub(1, 200):gsub("[%c]", " ")
    io.stderr:write(string.format("failed response (%s): status %d, content-type %s, body: %s\n", why,
      status, tostring(headers["Content-Type"] or headers["content-type"]), snippet))
  end
end

function response(status, headers, body)
  received = received + 1
  local n = body and #body or 0
  if status == 204 or (status == 200 and n == 0) then
    empty = empty + 1
  elseif status ~= 200 then
    bad_status = bad_status + 1
    fail(status, headers, body, "status")
  else
    local enc = headers["Content-Encoding"] or headers["content-encoding"]
    if want_gzip and (enc ~= "gzip" or body:sub(1, 2) ~= "\31\139") then
      bad_body = bad_body + 1
      fail(status, headers, body, "not gzip")
    end
    bytes_sum = bytes_sum + n
    if n > bytes_max then
      bytes_max = n
    end
  end
  if received >= #paths and not finished then
    finished = true
    t_last = now_us()
    io.write(string.format('WRKONCE {"requests": %d, "elapsed_us": %d, "empty": %d, ' ..
      '"body_bytes_sum": %d, "body_bytes_max": %d, "bad_status": %d, "bad_body": %d}\n',
      received, t_last - t_first, empty, bytes_sum, bytes_max, bad_status, bad_body))
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"latency_mean_us": %.1f, "latency_max_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"err_connect": %d, "err_read": %d, "err_write": %d, "err_status": %d, "err_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
