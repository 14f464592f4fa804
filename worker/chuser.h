/*
 * COM_CHANGE_USER: the packet is parsed here and the new user is then
 * logged in exactly like a client login (clogin.c): the account's rows,
 * the session's own scramble, an auth switch when the client used another
 * plugin, then a server session for the new user (a new or a pooled one,
 * never the old user's).  request.c hands the command over.
 */
#ifndef OBP_WORKER_CHUSER_H
#define OBP_WORKER_CHUSER_H

#include <stddef.h>
#include <stdint.h>

struct obp_hs_response;
struct obp_iobuf;
struct obp_session;

/*
 * A COM_CHANGE_USER at b->parse.  OBP_AGAIN while it is not whole;
 * OBP_DONE once it was taken: the login flow owns the session from then
 * on (it may even be closed), so the caller must not touch it.
 */
int obp_chuser_start(struct obp_session *s, struct obp_iobuf *b);

/*
 * Fills <r> from the COM_CHANGE_USER payload <p> as a handshake response
 * would, with <s>'s capabilities, maximum packet and character set;
 * pointers point into <p>.  OBP_ERROR when malformed.  Exported for the
 * fuzz target t/fuzz/packet_fuzz.c.
 */
int obp_chuser_parse(const struct obp_session *s, const uint8_t *p,
                     size_t len, struct obp_hs_response *r);

#endif
