-- Appended to every wrk script of bench/: counts each answer that is not a 200 (or the
-- scenario's `wanted_status`), and prints one CHECK line that the shell scripts read to fail a run that measured refusals.
-- Each wrk thread has its own Lua state, so `response` counts per thread and `done` (in
-- the main state) adds the threads' counters up through the thread objects `setup` kept.
-- (The `response` hook makes wrk parse every answer; it costs the same in every scenario.)
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  -- For scripts that start each thread at its own place (paths.lua).
  thread:set("thread_number", #threads)
end
non200, first_bad = 0, ""
-- A scenario whose answer is not a 200 (a create's 201) sets `wanted_status` before this.
function response(status, headers, body)
  if status ~= (wanted_status or 200) then
    non200 = non200 + 1
    -- The first refusal of each thread, so that a failed run says what went wrong.
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 200) end
  end
end
function done(summary, latency, requests)
  local bad, sample = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non200")
    if sample == "" then sample = thread:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format("CHECK requests=%d non200=%d socket_errors=%d\n",
    summary.requests, bad, e.connect + e.read + e.write + e.timeout))
  if bad > 0 then io.write("FIRST_REFUSAL " .. sample .. "\n") end
end
