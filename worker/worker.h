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

#include "accept.h"
#include "connect.h"
#include "relay.h"
#include "loop.h"

#endif
