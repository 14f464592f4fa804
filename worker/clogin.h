/*
 * A client's login: the proxy's own handshake (its scramble, its client
 * session id), the client's answer, an auth switch to
 * mysql_native_password when the client chose another method, the check
 * of the token against the account's hash (acct.c), and the server
 * session opened with the recovered stage1.  Only when the server has
 * accepted that login does the client get its OK.  session.c calls in.
 */
#ifndef OBP_WORKER_CLOGIN_H
#define OBP_WORKER_CLOGIN_H

struct obp_session;

/* Queues the handshake for a new client; OBP_ERROR when it cannot. */
int obp_clogin_start(struct obp_session *s);

/* The client sent bytes while logging in. */
void obp_clogin_read(struct obp_session *s);

/*
 * A handshake response, or a COM_CHANGE_USER read as one (chuser.c):
 * names, schema, attributes, then the token check or an auth switch.
 */
struct obp_hs_response;
void obp_clogin_answer(struct obp_session *s,
                       const struct obp_hs_response *r);

/* The login's server session ended its login (rc OBP_OK: accepted). */
void obp_clogin_server_done(struct obp_session *s, int rc);

#endif
