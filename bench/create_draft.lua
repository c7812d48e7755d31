-- wrk script: POST /api/v1/applications, one draft per request, the same body every time: a draft
-- complete enough to be submitted (bench/draft.json, with a zone, provision, duration, start date
-- and community ownership filled in by bench/run.sh from GET /api/v1/zones and /api/v1/provisions).
--
--   wrk -t2 -c16 -d10s -H "authorization: Bearer $INNOVATOR_TOKEN" -s bench/create_draft.lua \
--       http://127.0.0.1:18181/api/v1/applications -- draft.json [errors.txt]
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

-- wrk passes the arguments after "--" as args[1], args[2] (args[0] is the URL).
function init(args)
   local file = assert(io.open(assert(args[1], "usage: ... -- BODY_FILE"), "rb"))
   wrk.body = file:read("*a")
   file:close()
   errors_file = args[2]
end

-- A failure is written to ERRORS_FILE (the second argument, if given): its status and problem.
function response(status, headers, body)
   if status >= 300 and errors_file then
      local log = io.open(errors_file, "a")
      log:write(status, " ", (body:gsub("%s+", " "):sub(1, 400)), "\n")
      log:close()
   end
end
