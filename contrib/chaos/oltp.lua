-- sysbench's oltp_read_write for the chaos soak (run.pl), surviving lost
-- connections.  sysbench 1.0.20 reconnects by reusing the closed handle,
-- which libmariadb does not survive (the thread hangs or crashes), so the
-- lost-connection errors stay out of --mysql-ignore-errors: the driver
-- reports them as fatal, and this script prints "chaos-error CODE", drops
-- the connection (the transaction dies with it) and opens a new one, as
-- an application would.  Other errors are printed and handled the same.

require("oltp_read_write")

local ffi = require("ffi")
ffi.cdef("int usleep(unsigned int usec);")

local oltp_event = event

-- A new connection and its statements (thread_init of oltp_common), at
-- most one try every 100 ms for a minute.
local function reconnect()
   pcall(con.disconnect, con)
   for _ = 1, 600 do
      if pcall(thread_init) then
         return
      end
      print("chaos-error connect")
      ffi.C.usleep(100000)
   end
   error("chaos: no connection for a minute")
end

function event()
   local ok, err = pcall(oltp_event)
   if ok then
      return
   end
   local code = type(err) == "string" and err:match("errno = (%d+)")
   if not code then
      error(err, 0)
   end
   print("chaos-error " .. code)
   reconnect()
end
