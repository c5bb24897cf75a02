-- wrk script: every request is a hand-out from a pool, POST /v1/lookup from
-- a station never seen before (tools/bench/pool.sh).
--
--   wrk -t2 -c50 -d5s -s tools/bench/handout.lua http://127.0.0.1:PORT/v1/lookup
--
-- Thread N asks as MACs 02:bN:XX:XX:XX:XX (locally administered), XX a
-- counter, so no MAC is asked twice. Each answer is sorted by its status:
-- "ready" (a VM was handed out) or anything else ("starting" once the pool is
-- empty). done() prints, one "key value" a line:
--   ready N          answers "ready"
--   other N          other answers
--   other_before_last_ready N   of those, the ones each thread had before its
--                    own last "ready" answer
--   handout_ms MS    from the first request to the last "ready" answer
--   handouts_per_s   ready / handout_ms
-- Every MAC is new, so "ready" is also the number of distinct stations that
-- got a VM: tools/bench/pool.sh compares it with the broker's own list.

local ffi = require("ffi")
ffi.cdef [[
struct bench_ts { long sec; long nsec; };
int clock_gettime(int clk, struct bench_ts *ts);
]]
local ts = ffi.new("struct bench_ts")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.sec) * 1000 + tonumber(ts.nsec) / 1e6
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local n = 0
local t_first = nil
local t_last = nil
local readies = 0
local others = 0
other_before_last_ready = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local function mac_of(k)
  return string.format("02:%02x:%02x:%02x:%02x:%02x", 0xb0 + id,
    math.floor(k / 16777216) % 256, math.floor(k / 65536) % 256,
    math.floor(k / 256) % 256, k % 256)
end

function request()
  n = n + 1
  if not t_first then t_first = now_ms() end
  local mac = mac_of(n)
  return wrk.format(nil, nil, nil, '{"mac":"' .. mac .. '","version":"bench"}')
end

function response(status, headers, body)
  if status == 200 and string.find(body, '"status":"ready"', 1, true) then
    readies = readies + 1
    t_last = now_ms()
    other_before_last_ready = others
  else
    others = others + 1
  end
  -- done() reads these globals of the thread's own state (thread:get)
  ready_count = readies
  other_count = others
  first_ms = t_first
  last_ms = t_last or t_first
end

function done(summary, latency, requests)
  local ready, other, early, t0, t1 = 0, 0, 0, nil, nil
  for _, t in ipairs(threads) do
    ready = ready + (t:get("ready_count") or 0)
    other = other + (t:get("other_count") or 0)
    early = early + (t:get("other_before_last_ready") or 0)
    local a, b = t:get("first_ms"), t:get("last_ms")
    if a and (not t0 or a < t0) then t0 = a end
    if b and (not t1 or b > t1) then t1 = b end
  end
  io.write(string.format("ready %d\nother %d\nother_before_last_ready %d\n", ready, other, early))
  if t0 and t1 and t1 > t0 then
    io.write(string.format("handout_ms %.1f\nhandouts_per_s %.0f\n", t1 - t0, ready * 1000 / (t1 - t0)))
  end
end
