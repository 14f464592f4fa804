/*
 * Prepared statement ids.  The proxy gives each statement an id of its
 * own, so that a statement prepared again on a new server session keeps
 * the id its client knows: the id in a COM_STMT_PREPARE answer becomes
 * the client's, and the id in COM_STMT_EXECUTE, COM_STMT_BULK_EXECUTE,
 * COM_STMT_SEND_LONG_DATA, COM_STMT_RESET, COM_STMT_CLOSE and
 * COM_STMT_FETCH becomes the current server session's, rewritten in
 * place in the buffers.  An execute's parameter types are recorded;
 * the first execute on a new server session that does not send them
 * (new-params-bound 0) gets them inserted, as that session never saw
 * them.  An unknown id is answered as the server would (1243), or
 * dropped for the commands that have no answer.  The statements live in
 * the session's store (sstate.h); request.c and response.c call here.
 */
#ifndef OBP_WORKER_STMTID_H
#define OBP_WORKER_STMTID_H

#include <stddef.h>
#include <stdint.h>

#define OBP_STMT_LAST_PREPARED UINT32_MAX  /* MariaDB's id for "the last
                                             statement prepared" */

struct obp_iobuf;
struct obp_session;

/*
 * A COM_STMT_* command (<len>: its payload length) at b->parse, about to
 * be relayed.  OBP_OK: go on (it may have been refused: s->req.drop);
 * OBP_AGAIN: more of it must be buffered first; OBP_ERROR: out of memory.
 */
int obp_stmtid_request(struct obp_session *s, struct obp_iobuf *b,
                       uint32_t len);

/*
 * A COM_STMT_PREPARE OK (<p>, whole, still in the server's buffer): the
 * statement is recorded and the answer carries the client's id.
 * OBP_ERROR when out of memory or malformed.
 */
int obp_stmtid_prepared(struct obp_session *s, uint8_t *p, size_t len);

#endif
