/*
 * The worker's client sessions in the shared segment (struct
 * obp_shm_sess, OBP_SHM_SESS_PER_WORKER per slot), so a KILL received by
 * any worker finds the session by its id (its user, its server and the
 * server's connection id) and the admin's SHOW PROXYSESSION lists them
 * all.  session.c and session_pump.c keep the entries current; kill.c
 * looks them up and sets their kill word; a 100 ms timer here closes the
 * sessions whose kill word names them.  loop.c starts and stops it.
 */
#ifndef OBP_WORKER_REGISTRY_H
#define OBP_WORKER_REGISTRY_H

#include <stdint.h>

#include "shm.h"

#define OBP_REG_POLL 0.1    /* seconds between looks at the kill words */

struct obp_session;
struct obp_worker;

/* Frees the slot's entries left by a predecessor and starts the poll. */
void obp_reg_start(struct obp_worker *w);

/* Stops the poll (worker exit). */
void obp_reg_stop(struct obp_worker *w);

/* Publishes <s> (user, server, server connection id); takes an entry. */
void obp_reg_update(struct obp_session *s);

/* Frees <s>'s entry (session end). */
void obp_reg_clear(struct obp_session *s);

/*
 * The live entry of client session <id> of this proxy, copied into
 * <snap>; NULL when no running worker holds such a session.
 */
struct obp_shm_sess *obp_reg_find(struct obp_worker *w, uint32_t id,
                                  struct obp_shm_sess *snap);

/* One live entry (a copy); OBP_ERROR stops the walk. */
typedef int (*obp_reg_fn)(const struct obp_shm_sess *e, void *arg);

/*
 * Calls <fn> for every session of every running worker (SHOW
 * PROXYSESSION, SHOW PROCESSLIST); returns how many were seen.
 */
unsigned obp_reg_each(struct obp_worker *w, obp_reg_fn fn, void *arg);

#endif
