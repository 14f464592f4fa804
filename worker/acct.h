/*
 * The worker's account cache: for each user the rows of mysql.user
 * (Host, plugin, authentication_string), fetched through the service
 * account (proxyro, password observer_sys_password) on a miss or after
 * auth_cache_expire_time, so the proxy can check a client's token
 * without ever holding a plaintext.  A user being fetched is marked
 * pending: later logins of the same user wait for that fetch instead of
 * starting another.  clogin.c is the caller.
 */
#ifndef OBP_WORKER_ACCT_H
#define OBP_WORKER_ACCT_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "login.h"

#define OBP_ACCT_MAX       512     /* users cached per worker */
#define OBP_ACCT_MAX_ROWS  64      /* host rows kept per user */
#define OBP_ACCT_HOST_MAX  256

enum obp_acct_kind {
    OBP_ACCT_NATIVE,        /* mysql_native_password with a hash */
    OBP_ACCT_EMPTY,         /* no password */
    OBP_ACCT_OTHER          /* a hash the proxy cannot verify */
};

struct obp_acct_row {
    char    host[OBP_ACCT_HOST_MAX];
    int     kind;                       /* enum obp_acct_kind */
    uint8_t stage2[OBP_SHA1_LEN];
};

struct obp_acct_wait;
struct obp_lookup;

struct obp_acct {
    struct obp_acct      *prev;         /* the cache's list, newest first */
    struct obp_acct      *next;
    char                  user[OBP_NAME_MAX];
    int64_t               expires_us;   /* monotonic; rows valid before */
    struct obp_acct_row  *rows;
    unsigned              nrows;
    unsigned              pins;         /* callbacks using it right now */
    unsigned              fetched:1;    /* rows hold an answer */
    struct obp_lookup    *lookup;       /* the fetch under way, or NULL */
    struct obp_acct_wait *waiters;
};

struct obp_acct_cache {
    struct obp_acct *head;
    unsigned         n;
};

/*
 * A login waiting for a user's rows.  cb gets OBP_OK with wt->acct
 * valid during the call, or OBP_ERROR with wt->code (1045: access
 * denied, or 1429 with wt->msg naming the servers).
 */
struct obp_acct_wait {
    struct obp_acct_wait *prev;
    struct obp_acct_wait *next;
    struct obp_acct      *acct;         /* while waiting and during cb */
    void                (*cb)(struct obp_acct_wait *wt, int rc);
    uint16_t              code;
    const char           *msg;
    unsigned              waiting:1;    /* on acct's list of waiters */
};

/*
 * The rows of <user> for <wt>.  OBP_OK when a fresh answer is cached
 * (wt->acct set, no callback), OBP_AGAIN when wt->cb will be called,
 * OBP_ERROR when out of memory.  <refetch> ignores the cached answer.
 */
int obp_acct_get(struct obp_worker *w, const char *user, bool refetch,
                 struct obp_acct_wait *wt);

/* Stops waiting (a login that ends early); safe when not waiting. */
void obp_acct_cancel(struct obp_acct_wait *wt);

/*
 * The row for a client at <ip> (no port): exact host (or localhost for
 * a loopback client), then a pattern with % or _, then '%'.  NULL when
 * none matches.
 */
const struct obp_acct_row *obp_acct_match(const struct obp_acct *a,
                                          const char *ip);

/* Stops every lookup and frees the cache (worker exit). */
void obp_acct_cache_free(struct obp_worker *w);

/*
 * lookup.c: the fetch of <a> ended.  With rc OBP_OK the cache takes
 * <rows> (malloc'd, may be NULL for none); else every waiter gets
 * <code> and <msg>.
 */
void obp_acct_fetched(struct obp_worker *w, struct obp_acct *a,
                      struct obp_acct_row *rows, unsigned nrows, int rc,
                      uint16_t code, const char *msg);

#endif
