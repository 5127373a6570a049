-- wrk script for bench/search_load.py: send the paths listed in a file, one after another,
-- count responses whose status is not the expected one, and print the run as one JSON line.
--   wrk -t1 -cN -dS -H 'Authorization: Token T' -s bench/search_load.lua URL -- PATHS STATUS SKIP
-- SKIP: how many paths to skip, those sent by the runs before this one.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  expected = tonumber(args[2])
  sent, unexpected = tonumber(args[3]), 0
end

function request()
  sent = sent + 1
  return wrk.format("GET", paths[(sent - 1) % #paths + 1])
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local unexpected_total = 0
  for _, thread in ipairs(threads) do
    unexpected_total = unexpected_total + thread:get("unexpected")
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3,
    unexpected_total + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
  ))
end
