-- wrk script of the API benchmark: one POST per request, each creating a resource of its own.
-- Arguments: a file of documents (one per line: the collection, a tab, the JSON-LD document
-- in which "@@" marks where the resource's IRI is renamed), the network's token and a name
-- for the run. Each request takes the next document and puts the run's name, the thread's
-- number and a counter in its IRI, so that no two POSTs name the same resource.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  documents = {}
  for line in io.lines(args[1]) do
    local tab = string.find(line, "\t", 1, true)
    if tab then
      table.insert(documents, { "/" .. string.sub(line, 1, tab - 1), string.sub(line, tab + 1) })
    end
  end
  assert(#documents > 0, "no document in " .. args[1])
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
  local renamed = string.gsub(document[2], "@@", "load-" .. run .. "-" .. id .. "-" .. counter .. "-")
  return wrk.format(nil, document[1], nil, renamed)
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
