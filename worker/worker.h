/*
 * Umbrella header of the worker (libobpworker): the shared library, libev
 * and every worker module.  Each worker .c file includes this first, then
 * the system headers it alone needs.  Nothing here includes a master/
 * header: the two sides meet only in shared/proc.h.
 */
#ifndef OBP_WORKER_WORKER_H
#define OBP_WORKER_WORKER_H

#include "obp.h"

#include <ev.h>

struct obp_worker;
struct obp_session;

#include "iobuf.h"
#include "conn.h"
#include "accept.h"
#include "connect.h"
#include "srvstmt.h"
#include "sessinfo.h"
#include "srvlogin.h"
#include "mquery.h"
#include "acct.h"
#include "lookup.h"
#include "answer.h"
#include "cmd.h"
#include "relay.h"
#include "adm.h"
#include "ctlcall.h"
#include "request.h"
#include "response.h"
#include "trace.h"
#include "reqlog.h"
#include "mwait.h"
#include "session.h"
#include "idle.h"
#include "qtimeout.h"
#include "retry.h"
#include "sockopt.h"
#include "pool.h"
#include "chuser.h"
#include "registry.h"
#include "kill.h"
#include "sqlfix.h"
#include "tenantstat.h"
#include "plist.h"
#include "sqlset.h"
#include "sstate.h"
#include "owncmd.h"
#include "ssync.h"
#include "srvcheck.h"
#include "stmtid.h"
#include "proxyvar.h"
#include "sroute.h"
#include "sexport.h"
#include "clogin.h"
#include "cob20.h"
#include "sob20.h"
#include "oblogin.h"
#include "tenant.h"
#include "warnlog.h"
#include "loop.h"

#endif
