-- bench/http/wrk.lua: GET <BENCH_PATH>?contact_id=c_<random> with an API key
-- (and an Accept-Profile header where BENCH_PROFILE is set); at the end one
-- line "RESULT ..." with the request count, duration, mean latency and errors.
local path = os.getenv("BENCH_PATH")
local contacts = tonumber(os.getenv("BENCH_CONTACTS") or "20000")
local headers = { ["X-Api-Key"] = os.getenv("BENCH_API_KEY") }
if (os.getenv("BENCH_PROFILE") or "") ~= "" then
	headers["Accept-Profile"] = os.getenv("BENCH_PROFILE")
end

local counter = 1
function setup(thread)
	thread:set("seed", counter)
	counter = counter + 1
end

function init(args)
	math.randomseed(seed * 7919 + os.time())
end

function request()
	return wrk.format("GET", path .. "?contact_id=c_" .. math.random(1, contacts), headers)
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("RESULT requests=%d duration_us=%d mean_us=%.1f non2xx=%d errors=%d\n",
		summary.requests, summary.duration, latency.mean, e.status,
		e.connect + e.read + e.write + e.timeout))
end
