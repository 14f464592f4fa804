/*
 * OceanBase 2.0 toward clients (ODP-REFERENCE 9.3, 10.1): a client asks
 * with the connect attribute __proxy_capability_flag (a decimal set of
 * OceanBase capability bits) carrying OB_CAP_OB_PROTOCOL_V2; when
 * enable_ob_protocol_v2_with_client is on, the login OK grants it in
 * its session-track system variable ob_capability_flag, as OceanBase's
 * own client expects, and the client leg switches to OB 2.0 frames
 * behind that OK (xob20.c).  The server leg is not touched.
 */
#ifndef OBP_WORKER_COB20_H
#define OBP_WORKER_COB20_H

#include <stddef.h>
#include <stdint.h>

struct obp_session;
struct obp_ok;
struct obp_hs_response;

/* OceanBase capability bits (obconnector-c's ObCapabilityFlagShift). */
#define OBP_OB_CAP_OB_PROTOCOL_V2       (1ull << 8)
#define OBP_OB_CAP_PROXY_SESSION_SYNC   (1ull << 13)
#define OBP_OB_CAP_PROXY_NEW_EXTRA_INFO (1ull << 15)
#define OBP_OB_CAP_OB_PROTOCOL_V2_COMPRESS (1ull << 22)

#define OBP_OB_CAP_ATTR  "__proxy_capability_flag"
#define OBP_OB_CAP_TRACK "ob_capability_flag"

/*
 * The OceanBase capabilities granted to the client of handshake
 * response <r>: 0 (MySQL framing) unless the parameter is on, the
 * client tracks session state and its attribute asks for OB 2.0.
 */
uint64_t obp_cob20_granted(const struct obp_session *s,
                           const struct obp_hs_response *r);

/*
 * Writes the login OK <ok> to the client, granting s->ob_caps when set,
 * then starts the framing agreed (OB 2.0, compression or none) behind
 * it.  OBP_ERROR when out of memory.
 */
int obp_cob20_login_ok(struct obp_session *s, const struct obp_ok *ok);

#endif
