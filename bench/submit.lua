-- wrk script: POST /api/v1/applications/{id}/submit once for every id in IDS_FILE (see
-- once_per_id.lua). bench/run.sh passes the innovator's token and the drafts' If-Match with -H.
--
--   wrk -t2 -c16 -d600s -H "authorization: Bearer $TOKEN" -H 'if-match: "1"' \
--       -s bench/submit.lua http://127.0.0.1:18181 -- ids.txt 2 done-dir
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "once_per_id.lua")

function path_for(id)
   return "/api/v1/applications/" .. id .. "/submit"
end
