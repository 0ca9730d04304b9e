-- events.lua - wrk script for bench/serve.sh: POST /api/v1/events with BATCH new events a
-- request (1: a single event object), each with an id of its own (RUN, the wrk thread and a
-- count), on random synthetic contacts, as admin (TOKEN): purchases, clicks and replies
-- on the clock's day (DAY, YYYY-MM-DD).
local token = os.getenv("TOKEN")
local contacts = tonumber(os.getenv("CONTACTS") or "100000")
local width = tonumber(os.getenv("WIDTH") or "6")
local batch = tonumber(os.getenv("BATCH") or "1")
local run = os.getenv("RUN") or "r"
local day = os.getenv("DAY") or "2026-11-27"
local types = { "purchase", "email_click", "reply" }
local count = 0
local threads = 0
local headers

function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end

function init(args)
	math.randomseed(2000 + (tid or 0))
	headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
end

local function event()
	count = count + 1
	local t = types[count % 3 + 1]
	local amount = t == "purchase" and string.format(',"amount":"%d.50"', 10 + count % 90) or ""
	return string.format('{"id":"bench-%s-%d-%d","type":"%s","contact":"C%0' .. width ..
		'd","time":"%sT%02d:%02d:00Z"%s}', run, tid or 0, count, t, math.random(1, contacts),
		day, 8 + count % 10, count % 60, amount)
end

function request()
	local body
	if batch == 1 then
		body = event()
	else
		local parts = {}
		for i = 1, batch do
			parts[i] = event()
		end
		body = "[" .. table.concat(parts, ",") .. "]"
	end
	return wrk.format("POST", "/api/v1/events", headers, body)
end
