/*
 * Umbrella header of the shared library (libobpshared): return codes,
 * forward declarations of the central structs and every shared module.
 * A .c file includes its component's umbrella first, then the system
 * headers it alone needs.  Nothing in shared/ forks, handles signals or
 * runs an event loop.
 */
#ifndef OBP_SHARED_OBP_H
#define OBP_SHARED_OBP_H

/* config.h first: it defines _GNU_SOURCE before any system header. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define OBP_OK     0
#define OBP_ERROR  (-1)
#define OBP_AGAIN  (-2)     /* would block, or an incomplete packet */
#define OBP_DONE   (-4)

#define OBP_NELEMS(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define OBP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define OBP_NORETURN     __attribute__((noreturn))
#else
#define OBP_PRINTF(f, a)
#define OBP_NORETURN
#endif

struct obp_conf;
struct obp_param;
struct obp_shm;
struct obp_shm_hdr;
struct obp_addr;

#include "util.h"
#include "log.h"
#include "params.h"
#include "conf.h"
#include "addr.h"
#include "topo.h"
#include "stats.h"
#include "sqltype.h"
#include "sqlstat.h"
#include "shm.h"
#include "route.h"
#include "topo_route.h"
#include "channel.h"
#include "mysql.h"
#include "pkt.h"
#include "auth.h"
#include "login.h"
#include "sessid.h"
#include "json.h"
#include "httpresp.h"
#include "jsonobj.h"
#include "url.h"
#include "cfgjson.h"
#include "transport.h"
#include "crc.h"
#include "ob20.h"
#include "level_tls.h"
#include "whitelist.h"
#include "blocklist.h"
#include "gtid.h"
#include "srvstate.h"
#include "sqllex.h"
#include "sqlclass.h"
#include "sqltext.h"
#include "srvinfo.h"
#include "router.h"
#include "ctlarg.h"
#include "proc.h"

#endif
