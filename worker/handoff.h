/*
 * Hot upgrade, beyond draining: an idle client session of the old
 * generation is handed to the new one with its socket and its state
 * (sexport.h), so a pool's long-lived connection survives the upgrade
 * without an error.  The new generation serves it as a session whose
 * server sessions were lost while idle: its next statement opens one,
 * brought to the state.
 *
 * Every worker listens on an abstract unix socket named after its
 * master's pid and its slot ("obproxy-handoff-PID-SLOT"), SOCK_SEQPACKET:
 * one message is one session, the client's socket travelling with it
 * (SCM_RIGHTS).  Only a process of the same user may connect
 * (SO_PEERCRED).  The old master's DRAIN carries the new
 * master's pid; each old worker connects to the new worker of its slot
 * and hands a session over whenever it is exportable: when the drain
 * begins, after each response, on each drain tick.  A session that never
 * is (TLS, compression, a transaction left open) drains as before.
 */
#ifndef OBP_WORKER_HANDOFF_H
#define OBP_WORKER_HANDOFF_H

#include <ev.h>
#include <stdint.h>
#include <sys/types.h>

#define OBP_HANDOFF_PEERS 4     /* connections a worker takes at once */

struct obp_session;
struct obp_worker;

struct obp_handoff {
    int      listen_fd;                 /* -1 when not listening */
    ev_io    lw;
    int      in_fd[OBP_HANDOFF_PEERS];  /* from old workers, -1: free */
    ev_io    in_w[OBP_HANDOFF_PEERS];
    pid_t    peer;                      /* the next generation's master */
    int      out_fd;                    /* to its worker, -1 */
    uint8_t *buf;                       /* one export, malloc'd */
};

/* No socket yet (the worker's first step). */
void obp_handoff_init(struct obp_handoff *h);

/* Listens for sessions from a generation before (worker start). */
void obp_handoff_listen(struct obp_worker *w);

/* Closes every socket and frees the buffer (worker exit). */
void obp_handoff_stop(struct obp_worker *w);

/*
 * Drain of a hot upgrade: sessions go to the workers of master <peer>
 * (0: nowhere, a graceful stop or a rollback).
 */
void obp_handoff_peer(struct obp_worker *w, pid_t peer);

/*
 * Hands <s> to the next generation when it can go now.  OBP_OK: it went
 * and <s> is freed; OBP_ERROR: it stays.
 */
int obp_handoff_give(struct obp_session *s);

#endif
