/*
 * The session's own row of a process list (SHOW PROCESSLIST, SELECT ...
 * FROM information_schema.PROCESSLIST) names the client's connection id,
 * the proxy's, as CONNECTION_ID() and the handshake do: in the columns
 * that are a PROCESSLIST's ID, the server session's thread id becomes
 * the client's id.  Only a query whose text says PROCESSLIST takes this
 * path (request.c marks it): its column definitions and rows are read
 * whole, and a row that changes is written anew to the client, in place
 * of the server's.  response.c calls in.
 */
#ifndef OBP_WORKER_PLIST_H
#define OBP_WORKER_PLIST_H

#include <stdint.h>

struct obp_iobuf;
struct obp_session;

#define OBP_PLIST_MAX_COLS 64   /* wider results are relayed as they are */

/*
 * A column definition or a row of a marked query, at b->parse, <len>
 * bytes of payload.  OBP_OK: relay it as it is (also when the row
 * written anew would not fit the client's buffer); OBP_AGAIN: not whole
 * yet; OBP_DONE: the row was written anew and skipped (the response
 * waits for it to go out).
 */
int obp_plist_packet(struct obp_session *s, struct obp_iobuf *b,
                     uint32_t len);

#endif
