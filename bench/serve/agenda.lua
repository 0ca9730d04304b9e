-- agenda.lua - wrk script for bench/serve.sh: GET /api/v1/agenda?owner=oNNNN, owners taken
-- in a scrambled turn (OWNERS, default 200), as admin (TOKEN). PAUSE_MS > 0 makes each
-- connection wait that long before its next request, so that C connections ask for at most
-- about C * 1000 / PAUSE_MS requests a second (wrk has no fixed rate; wrk2 is not in Debian).
local token = os.getenv("TOKEN")
local owners = tonumber(os.getenv("OWNERS") or "200")
local pause = tonumber(os.getenv("PAUSE_MS") or "0")
local count = 0
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

function request()
	count = count + 1
	local o = (count * 7919 + (tid or 0) * 104729) % owners + 1
	return wrk.format("GET", string.format("/api/v1/agenda?owner=o%04d", o),
		{ ["Authorization"] = "Bearer " .. token })
end

if pause > 0 then
	function delay()
		return pause
	end
end
