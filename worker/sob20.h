/*
 * OceanBase 2.0 toward servers (ODP-REFERENCE 9.3, 10.1): with
 * enable_ob_protocol_v2 the server login carries the connect attribute
 * __proxy_capability_flag asking for OB_CAP_OB_PROTOCOL_V2 (the client's
 * own attributes pass on, but a __proxy_capability_flag of its), and a
 * server whose login OK grants it in the session-track variable
 * ob_capability_flag is spoken to in OB 2.0 frames from then on
 * (xob20.c).  A server that does not (MariaDB, MySQL) stays MySQL.
 */
#ifndef OBP_WORKER_SOB20_H
#define OBP_WORKER_SOB20_H

#include <stddef.h>
#include <stdint.h>

struct obp_conf;
struct obp_srv;
struct obp_ok;

/*
 * The OceanBase capabilities a server login asks for: none without
 * enable_ob_protocol_v2, else OB_CAP_OB_PROTOCOL_V2 with
 * OB_CAP_PROXY_SESSION_SYNC and OB_CAP_PROXY_NEW_EXTRA_INFO (sessinfo.h),
 * and OB_CAP_OB_PROTOCOL_V2_COMPRESS when obp_sob20_zlevel() is not 0.
 */
uint64_t obp_sob20_offer(const struct obp_conf *conf);

/*
 * The zlib level of OB 2.0 frames toward servers, as ODP reads
 * compression_algorithm for them: zlib:1 to zlib:9; 0 (not compressed)
 * for "", zlib:0 or anything else.
 */
int obp_sob20_zlevel(const struct obp_conf *conf);

/*
 * The attributes the login to a server presents, in srv->own_attrs
 * (srv->lg.attrs then points at them; freed when the login is done).
 * OBP_ERROR when out of memory.
 */
int obp_sob20_attrs(struct obp_srv *srv);

/*
 * After the login OK <ok>: the server leg switches to OB 2.0 when it was
 * asked and granted (its zlib variant when that was granted too, at the
 * level of the moment), else to the compressed protocol when agreed.
 * OBP_ERROR when out of memory.
 */
int obp_sob20_start(struct obp_srv *srv, const struct obp_ok *ok);

/*
 * The OceanBase capabilities a session-track block grants in its
 * system variable ob_capability_flag (0: none, or not a number).
 */
uint64_t obp_sob20_track_caps(const uint8_t *track, size_t len);

#endif
