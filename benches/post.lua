-- wrk script of the API benchmark: one POST /places per request, each a new resource.
-- Arguments: the file of place documents (one JSON-LD document per line), the token and a
-- name for the run.
-- Each request takes the next document and renames its resource (and the nodes it owns) with
-- the run's name, the thread's number and a counter, so that every POST creates a resource of its own.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  documents = {}
  for line in io.lines(args[1]) do
    table.insert(documents, line)
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/ld+json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  wrk.headers["Prefer"] = "return=minimal"
  run = args[3]
  counter = 0
  created = 0
  failed = 0
end

function request()
  counter = counter + 1
  local document = documents[(counter - 1) % #documents + 1]
  local renamed = string.gsub(document, "/places/synthetic%-place%-",
    "/places/load-" .. run .. "-" .. id .. "-" .. counter .. "-")
  return wrk.format(nil, "/places", nil, renamed)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    failed = failed + 1
    if failed <= 3 then
      io.stderr:write("POST answered " .. status .. ": " .. body .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local created_all, failed_all = 0, 0
  for _, thread in ipairs(threads) do
    created_all = created_all + thread:get("created")
    failed_all = failed_all + thread:get("failed")
  end
  io.write(string.format("created %d\nfailed %d\n", created_all, failed_all))
end
