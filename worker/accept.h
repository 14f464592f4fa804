/*
 * Accepting clients on the slot's listening sockets: bounded batches,
 * a pause when the process runs out of descriptors, and the
 * client_max_connections check against every worker's client_active.
 * loop.c starts and stops it; accepted clients go to session.c.
 */
#ifndef OBP_WORKER_ACCEPT_H
#define OBP_WORKER_ACCEPT_H

#include <ev.h>

#include "proc.h"

#define OBP_ACCEPT_BATCH     64     /* connections per readable event */
#define OBP_ACCEPT_PAUSE     0.1    /* seconds without accepting on EMFILE */

struct obp_accept {
    struct obp_worker *w;
    ev_io              io[OBP_MAX_LISTEN_PER_SLOT];
    int                n;           /* listening sockets in io[] */
    ev_timer           pause;       /* resumes accepting after EMFILE */
    ev_tstamp          fd_warn_at;  /* last "out of descriptors" line */
    ev_tstamp          max_warn_at; /* last client_max_connections line */
    unsigned           enabled:1;   /* false once told to stop */
    unsigned           closed:1;    /* the fds were closed */
};

/* Starts watching <fds>; the worker owns them from now on. */
void obp_accept_init(struct obp_accept *a, struct obp_worker *w,
                     const int *fds, int n);

/*
 * Sets the client TCP options of the configuration on the listening
 * sockets, which accepted clients inherit: at the start and on reload.
 */
void obp_accept_sockopt(struct obp_accept *a);

/* Stops accepting but keeps the sockets open (hot upgrade). */
void obp_accept_stop(struct obp_accept *a);

/* Accepts again after obp_accept_stop() (a rolled back upgrade). */
void obp_accept_resume(struct obp_accept *a);

/* Stops accepting and closes the sockets. */
void obp_accept_close(struct obp_accept *a);

#endif
