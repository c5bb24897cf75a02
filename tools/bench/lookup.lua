-- wrk script: every request is a station lookup, POST /v1/lookup with a JSON
-- body, as a station sends it at boot.
--
--   wrk -t2 -c1000 -d10s --latency -s tools/bench/lookup.lua \
--       http://127.0.0.1:PORT/v1/lookup -- 52:54:00:12:34:56 [HOSTNAME]
--
-- The MAC (and an optional host name) come after "--"; the default is the
-- benchmark station of tools/bench/gen-stations.sh. No response() callback:
-- defining one makes wrk parse every body, which would slow the client down
-- and blur the comparison with nginx. Non-2xx answers are still counted and
-- printed by wrk ("Non-2xx or 3xx responses"), and tools/bench/run.sh fails a
-- run that has any.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local function body(mac, hostname)
  local b = '{"mac":"' .. mac .. '"'
  if hostname and hostname ~= "" then
    b = b .. ',"hostname":"' .. hostname .. '"'
  end
  return b .. ',"version":"bench"}'
end

wrk.body = body("52:54:00:12:34:56")

function init(args)
  if args[1] then
    wrk.body = body(args[1], args[2])
  end
end
