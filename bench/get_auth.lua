-- wrk script: GET the URL with the first bearer token of the file given after --
-- (the first bench buyer, the user the growth scenario gives 100,000 rows).
local token

function init(args)
  for line in io.lines(args[1]) do token = line; break end
end

function request()
  return wrk.format("GET", wrk.path, {["Authorization"] = "Bearer " .. token})
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")
