-- contact.lua - wrk script for bench/serve.sh: GET /api/v1/contacts/{key} of a random one of
-- the CONTACTS synthetic contacts (keys "C" and WIDTH digits), as admin (TOKEN).
local token = os.getenv("TOKEN")
local contacts = tonumber(os.getenv("CONTACTS") or "100000")
local width = tonumber(os.getenv("WIDTH") or "6")
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

function init(args)
	math.randomseed(1000 + (tid or 0))
end

function request()
	local key = string.format("C%0" .. width .. "d", math.random(1, contacts))
	return wrk.format("GET", "/api/v1/contacts/" .. key, { ["Authorization"] = "Bearer " .. token })
end
