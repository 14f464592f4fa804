/*
 * A client session as bytes, for a hot upgrade that hands an idle
 * session to the next generation (handoff.h): who it is (id, user,
 * tenant, cluster, the password's stage1 the server logins need, the
 * account row it was verified against (the pool key),
 * capabilities, character set, schema, connect attributes), its state
 * (variables with their values, prepared statements with their ids,
 * schemas, texts and types, a held BEGIN, the proxy's variables) and
 * the server status the client last saw.  Not its server sessions: the
 * new generation opens them as after a server loss, brought to that
 * state.  Only an exportable session is exported: logged in, between
 * commands, outside a transaction, without TLS or compression, its
 * state kept (sstate.h), nothing buffered either way.
 *
 * The format is the proxy's own and versioned (OBP_SEXPORT_VERSION): a
 * generation refuses another version, and the session then drains.
 */
#ifndef OBP_WORKER_SEXPORT_H
#define OBP_WORKER_SEXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_SEXPORT_VERSION 2
#define OBP_SEXPORT_MAX     (200 * 1024)    /* bytes of one session */

struct obp_session;

/* The session can be exported as it is now. */
bool obp_sexport_ok(const struct obp_session *s);

/*
 * Writes <s> into <buf> (<cap> bytes).  The length, or 0 when it does
 * not fit.
 */
size_t obp_sexport_write(const struct obp_session *s, uint8_t *buf,
                         size_t cap);

/*
 * Fills the fresh session <s> (its worker and store initialised) from
 * <buf>.  OBP_ERROR for another version, a malformed or truncated
 * export, or a state the store refuses.
 */
int obp_sexport_read(struct obp_session *s, const uint8_t *buf, size_t len);

#endif
