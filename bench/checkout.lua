-- wrk script: POST /api/v1/orders, one unit, paid from the wallet.
-- Args (after --): tokens file, product ids file. A fresh Idempotency-Key per request.
local tokens, products = {}, {}
local counter = 0

function setup(thread)
  thread:set("id", math.random(1, 1000000000))
end

function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  for line in io.lines(args[2]) do products[#products + 1] = line end
  math.randomseed(os.time() + id)
end

function request()
  counter = counter + 1
  local token = tokens[math.random(#tokens)]
  local product = products[math.random(#products)]
  local body = '{"items":[{"product_id":"' .. product .. '","quantity":1}],"payment_method":"WALLET"}'
  return wrk.format("POST", "/api/v1/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", id, counter, math.random(1000000000)),
  }, body)
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")
