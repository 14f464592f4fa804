/*
 * Fetching one user's rows of mysql.user through the service account:
 * a server connection logged in as proxyro with observer_sys_password
 * (the SHA1 of its password: the proxy never holds a plaintext), one
 * SELECT, rows converted for the cache.  acct.c starts a lookup and is
 * told the outcome through obp_acct_fetched().  The same SELECT reads
 * the server's max_allowed_packet into w->max_packet, the bound
 * request.c puts on client packets, and its wait_timeout and
 * interactive_timeout, idle.c's idle limits.
 */
#ifndef OBP_WORKER_LOOKUP_H
#define OBP_WORKER_LOOKUP_H

#include "mquery.h"

struct obp_acct;
struct obp_acct_row;

struct obp_lookup {
    struct obp_worker   *w;
    struct obp_acct     *acct;      /* the entry being filled */
    struct obp_srv      *srv;       /* the service account's connection */
    struct obp_mquery    q;
    struct obp_acct_row *rows;      /* malloc'd, handed to the cache */
    unsigned             nrows;
    unsigned             cap;
    uint32_t             max_packet;    /* the server's, 0 until a row */
    uint32_t             wait_timeout;  /* its globals, seconds, 0 until */
    uint32_t             interactive_timeout;   /* a row */
    bool                 old_pw;    /* logged in with observer_sys_password1 */
};

/* Starts the fetch of <a>; OBP_ERROR (logged) when it cannot start. */
int obp_lookup_start(struct obp_worker *w, struct obp_acct *a);

/* Stops a fetch and frees it without telling the cache. */
void obp_lookup_free(struct obp_lookup *l);

/*
 * Until some worker has read a server's handshake (srvinfo.h), logs in
 * as the service account once and quits, so the first clients already
 * see the servers' version and capabilities.
 */
void obp_lookup_probe(struct obp_worker *w);

#endif
