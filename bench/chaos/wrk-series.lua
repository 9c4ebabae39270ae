-- wrk script for the chaos soak: per second of wall time, the requests started, answered 2xx and answered otherwise
-- (with their status codes), appended to $WRK_SERIES ("SECOND STARTED OK OTHER [STATUS:COUNT,...]"). A request
-- started and never answered is a socket error, so the soak can tell in which seconds requests failed and match them
-- to its chaos events.
local started, ok, other, second = 0, 0, 0, os.time()
local statuses = {}
local out

local function roll(now)
  if now == second then return end
  out = out or io.open(os.getenv("WRK_SERIES"), "a")
  local codes = {}
  for code, n in pairs(statuses) do codes[#codes + 1] = code .. ":" .. n end
  out:write(string.format("%d %d %d %d %s\n", second, started, ok, other, table.concat(codes, ",")))
  out:flush()
  started, ok, other, second = 0, 0, 0, now
  statuses = {}
end

request = function()
  roll(os.time())
  started = started + 1
  return wrk.format(nil, "/")
end

response = function(status, headers, body)
  roll(os.time())
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    other = other + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

