-- wrk script: POST /api/v1/applications/{id}/assign {"inspector_id": N} once for every id in
-- IDS_FILE (see once_per_id.lua). bench/run.sh passes an admin's token, the submitted cases'
-- If-Match, content-type and BENCH_INSPECTOR_ID (the inspector to assign).
--
--   BENCH_INSPECTOR_ID=7 wrk -t2 -c16 -d600s -H "authorization: Bearer $TOKEN" -H 'if-match: "2"' \
--       -H 'content-type: application/json' -s bench/assign.lua http://127.0.0.1:18181 -- ids.txt 2 done-dir
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "once_per_id.lua")

local inspector = assert(tonumber(os.getenv("BENCH_INSPECTOR_ID")), "set BENCH_INSPECTOR_ID")
local body = string.format('{"inspector_id":%d}', inspector)

function path_for(id)
   return "/api/v1/applications/" .. id .. "/assign"
end

function body_for(id)
   return body
end
