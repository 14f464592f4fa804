/*
 * The client listening sockets: one SO_REUSEPORT socket per worker slot
 * and address family, opened by the master before any worker exists, so
 * the kernel spreads connections over the workers.  Called by main.c,
 * process.c (a child keeps only its slot's) and stop.c.
 */
#ifndef OBP_MASTER_LISTEN_H
#define OBP_MASTER_LISTEN_H

#include "addr.h"
#include "proc.h"

struct obp_conf;
struct obp_errs;

#define OBP_LISTEN_BACKLOG 511

struct obp_listen_slot {
    int fd[OBP_MAX_LISTEN_PER_SLOT];
    int n;
};

struct obp_listeners {
    struct obp_listen_slot *slots;
    int                     nslots;
    char                    text[2 * OBP_ADDR_STRLEN + 4]; /* for logs */
};

/* Checks the bind addresses without opening anything (also for -t). */
int obp_listen_check(const struct obp_conf *conf, struct obp_errs *errs);

/* Opens every socket of <nslots> slots; all or nothing. */
int obp_listen_open(struct obp_listeners *ls, const struct obp_conf *conf,
                    int nslots, struct obp_errs *errs);

/*
 * Takes <nslots> x <per> sockets inherited across a hot upgrade (slot by
 * slot, in the order of <conf>'s addresses); OBP_ERROR when <conf> asks
 * for another number of addresses.
 */
int obp_listen_adopt(struct obp_listeners *ls, const struct obp_conf *conf,
                     int nslots, int per, const int *fds,
                     struct obp_errs *errs);

/* Closes every socket (kept: the address text for status). */
void obp_listen_close(struct obp_listeners *ls);

/* In a worker child: closes every socket but those of <slot>. */
void obp_listen_close_except(struct obp_listeners *ls, int slot);

void obp_listen_free(struct obp_listeners *ls);

#endif
