-- Shared by bench/submit.lua and bench/assign.lua: send exactly one request per case id, then stop.
--
--   wrk -t T -c C -d <upper bound> -s bench/submit.lua URL -- IDS_FILE T DONE_DIR
--
-- IDS_FILE has one id per line. Thread k (0-based) takes the ids on lines k+1, k+1+T, k+1+2T, ...
-- A connection whose thread has no ids left is parked (delay() of an hour) instead of sending a
-- request that could only answer 404 or 409. When a thread has had its last response it stops
-- (wrk.thread:stop()). wrk's main thread, however, sleeps for the whole -d and then divides by it,
-- so the last thread to finish wakes it with SIGINT: "N requests in S s" and Requests/sec are then
-- those of the real run, and -d is only a safety net for a lost response.
--
-- The including script defines path_for(id) and may define body_for(id); the token, If-Match and
-- content-type come from wrk's -H options.

wrk.method = "POST"

local threads_set_up = 0

function setup(thread)
   thread:set("tid", threads_set_up)
   threads_set_up = threads_set_up + 1
end

-- Records that this thread is done; the last one sends wrk SIGINT. io.popen, not os.execute:
-- system() ignores SIGINT in the whole process while its command runs, so the signal would be lost.
local function mark_done()
   -- The shell is a child of wrk, so $PPID is wrk's process id.
   local sh = io.popen(string.format("touch '%s/%d'; [ \"$(ls '%s' | wc -l)\" -ge %d ] && kill -INT $PPID",
      done_dir, tid, done_dir, nthreads))
   sh:close()
end

-- wrk passes the arguments after "--" as args[1], args[2], ... (args[0] is the URL).
function init(args)
   local file = args[1]
   nthreads, done_dir = tonumber(args[2]), args[3]
   assert(file and nthreads and done_dir, "usage: wrk ... -s SCRIPT URL -- IDS_FILE THREADS DONE_DIR")
   ids, reserved, next_i, answered = {}, 0, 1, 0
   -- wrk calls request() once in thread 0 before the run, only to check the request's syntax.
   verifying = (tid == 0)
   local n = 0
   for line in io.lines(file) do
      local id = tonumber(line)
      if id then
         if n % nthreads == tid then ids[#ids + 1] = id end
         n = n + 1
      end
   end
   if #ids == 0 then mark_done() end
end

-- wrk asks delay() before every request of a connection, and the request follows once the delay
-- is over, so a connection reserves its id here: several may be waiting at the same time.
function delay()
   if reserved >= #ids then return 3600 * 1000 end
   reserved = reserved + 1
   return 0
end

function request()
   if verifying then
      verifying = false
      return wrk.format(nil, path_for(ids[1] or 0), nil, body_for and body_for(ids[1] or 0) or nil)
   end
   local id = ids[next_i]
   next_i = next_i + 1
   return wrk.format(nil, path_for(id), nil, body_for and body_for(id) or nil)
end

function response(status, headers, body)
   answered = answered + 1
   if status >= 300 then
      -- What went wrong, for bench/run.sh to show: DONE_DIR.errors, a line per failure (wrk does
      -- not say which request a response answers, so the line has the status and the problem).
      local log = io.open(done_dir .. ".errors", "a")
      log:write(status, " ", (body:gsub("%s+", " "):sub(1, 400)), "\n")
      log:close()
   end
   if answered == #ids then
      wrk.thread:stop()
      mark_done()
   end
end
