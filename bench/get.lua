-- wrk script: GET the URL given on the command line. With "cold" as the first
-- argument (after --) every request adds a unique parameter, so none is a cache hit.
local cold, counter = false, 0

function setup(thread)
  thread:set("id", math.random(1, 1000000000))
end

function init(args)
  cold = args[1] == "cold"
end

function request()
  counter = counter + 1
  local path = wrk.path
  if cold then
    local sep = string.find(path, "?", 1, true) and "&" or "?"
    path = string.format("%s%scold=%d-%d", path, sep, id, counter)
  end
  return wrk.format("GET", path)
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")
