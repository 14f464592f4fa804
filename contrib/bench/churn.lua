-- Connection churn for run.sh: each sysbench event opens a new connection,
-- runs SELECT 1 and quits, so events per second are connections per
-- second.  sysbench 1.0.20 has no --reconnect, hence this script.
--
-- A failed cycle does not end the run (one refused connection would lose
-- every number of it): it is counted, and each thread prints its count at
-- the end as "churn failures: N" for run.sh to subtract.

local ffi = require("ffi")
ffi.cdef("int usleep(unsigned int usec);")

local failures = 0

function thread_init()
   drv = sysbench.sql.driver()
end

local function select_one(con)
   local one = con:query_row("SELECT 1")
   if tonumber(one) ~= 1 then
      error("SELECT 1 returned " .. tostring(one))
   end
end

function event()
   local ok, con = pcall(drv.connect, drv)
   if ok then
      ok = pcall(select_one, con)
      pcall(con.disconnect, con)
   end
   if not ok then
      failures = failures + 1
      -- A target that refuses must not turn the run into a busy loop.
      ffi.C.usleep(10000)
   end
end

function thread_done()
   print(string.format("churn failures: %d", failures))
end
