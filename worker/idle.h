/*
 * A client's idle limit, as the server would apply it: the wait_timeout
 * the client set, else the servers' interactive_timeout for an
 * interactive client and their wait_timeout for others (read by the
 * account lookups).  A client idle that long gets the server's ERR 4031
 * and is disconnected.  The session's timer serves it while the session
 * is logged in; session.c arms it and hands its expiry over.
 */
#ifndef OBP_WORKER_IDLE_H
#define OBP_WORKER_IDLE_H

struct obp_session;

/* Sets the timer for the limit now in force, from the last activity. */
void obp_idle_arm(struct obp_session *s);

/* The timer ran out: the limit is checked again, or the client goes. */
void obp_idle_expired(struct obp_session *s);

#endif
