-- Load for the hot upgrade test of run.sh (BENCH_TESTS=upgrade).  Each
-- sysbench thread runs transactions on one connection: BEGIN, four point
-- SELECTs, an UPDATE, COMMIT.  It counts the statements it completes per
-- 100 ms window of wall-clock time, so run.sh can find the longest stall.
-- It reconnects only when BEGIN finds its connection closed (a draining
-- proxy closes a session after its COMMIT); any other error is a failure.
-- At the end each thread prints
--   windows: FIRST N N N ...     (FIRST: wall-clock ms / 100)
--   failures: F reconnects: R

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]

sysbench.cmdline.options = {
   tables = {"Number of tables", 1},
   table_size = {"Number of rows per table", 10000},
}

local ts = ffi.new("bench_timespec")
local counts = {}
local first, last
local failures, reconnects = 0, 0

local function window()
   ffi.C.clock_gettime(0, ts)     -- CLOCK_REALTIME, as date(1) in run.sh
   return math.floor((tonumber(ts.tv_sec) * 1000
                      + tonumber(ts.tv_nsec) / 1e6) / 100)
end

local function done()
   local w = window()
   first = first or w
   last = w
   counts[w] = (counts[w] or 0) + 1
end

function thread_init()
   drv = sysbench.sql.driver()
   con = drv:connect()
end

local function run(sql)
   con:query(sql)
   done()
end

local function row(sql)
   con:query_row(sql)
   done()
end

local function begin()
   if pcall(run, "BEGIN") then
      return true
   end
   reconnects = reconnects + 1
   pcall(con.disconnect, con)
   local ok, c = pcall(drv.connect, drv)
   if not ok then
      return false
   end
   con = c
   return pcall(run, "BEGIN")
end

local function body()
   local t = "sbtest" .. sysbench.rand.uniform(1, sysbench.opt.tables)
   for _ = 1, 4 do
      row("SELECT c FROM " .. t .. " WHERE id = "
          .. sysbench.rand.uniform(1, sysbench.opt.table_size))
   end
   run("UPDATE " .. t .. " SET k = k + 1 WHERE id = "
       .. sysbench.rand.uniform(1, sysbench.opt.table_size))
   run("COMMIT")
end

function event()
   if not begin() or not pcall(body) then
      failures = failures + 1
      pcall(con.query, con, "ROLLBACK")
   end
end

function thread_done()
   local out = {}
   for w = first or 0, last or -1 do
      out[#out + 1] = tostring(counts[w] or 0)
   end
   print(string.format("windows: %d %s", first or 0, table.concat(out, " ")))
   print(string.format("failures: %d reconnects: %d", failures, reconnects))
end
