-- GET requests rotating over the paths of a file, one a line (`wrk ... -s x.lua URL -- FILE`):
-- many ids, filters or words, so that no single cached row or page is what is measured.
-- Each thread starts at its own place in the list, so the threads do not walk in step.
-- Headers set before this script (an Authorization line) go with every request.
local paths, index = {}, 0
function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  assert(#paths > 0, "no paths in " .. tostring(args[1]))
  index = math.floor(#paths * ((thread_number or 1) - 1) / 2) % #paths
end
function request()
  index = index % #paths + 1
  return wrk.format(nil, paths[index])
end
