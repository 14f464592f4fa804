/*
 * The worker's account cache: for each user the rows of mysql.user
 * (Host, plugin, authentication_string), fetched through the service
 * account (proxyro, password observer_sys_password) on a miss or after
 * auth_cache_expire_time, so the proxy can check a client's token
 * without ever holding a plaintext.  A user being fetched is marked
 * pending: later logins of the same user wait for that fetch instead of
 * starting another.  At most OBP_ACCT_LOOKUPS fetches run at once; more
 * users wait in line, each for short_async_task_timeout at most, so a
 * storm of logins costs the servers a bounded number of connections.
 * clogin.c is the caller.
 */
#ifndef OBP_WORKER_ACCT_H
#define OBP_WORKER_ACCT_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "auth.h"
#include "login.h"

#define OBP_ACCT_MAX       512     /* users cached per worker */
#define OBP_ACCT_MAX_ROWS  64      /* host rows kept per user */
#define OBP_ACCT_HOST_MAX  256
#define OBP_ACCT_LOOKUPS   8       /* fetches under way per worker */

/* A failed check refetches rows that are at least this old (us). */
#define OBP_ACCT_REFETCH_AGE 1000000

#define OBP_ER_TOO_MANY_CONNECTIONS 1040

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
    int64_t               fetched_us;   /* monotonic, when rows came */
    int64_t               expires_us;   /* monotonic; rows valid before */
    struct obp_acct_row  *rows;
    unsigned              nrows;
    unsigned              pins;         /* callbacks using it right now */
    unsigned              fetched:1;    /* rows hold an answer */
    unsigned              queued:1;     /* waiting for a fetch slot */
    struct obp_lookup    *lookup;       /* the fetch under way, or NULL */
    struct obp_acct_wait *waiters;
    struct obp_acct      *qnext;        /* the line of queued entries */
    int64_t               queued_until; /* monotonic: then its logins fail */
};

struct obp_acct_cache {
    struct obp_acct *head;
    unsigned         n;
    unsigned         running;       /* lookups under way */
    struct obp_acct *qhead;         /* waiting for a slot, oldest first */
    struct obp_acct *qtail;
    ev_timer         qtimer;        /* the oldest queued entry's deadline */
    unsigned         qtimer_init:1;
};

/*
 * A login waiting for a user's rows.  cb gets OBP_OK with wt->acct
 * valid during the call, or OBP_ERROR with wt->code (1045: access
 * denied, 1429 with wt->msg naming the servers, 1040 with wt->msg when
 * no fetch slot freed in time).
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
 * Whether a failed check against <a>'s rows may fetch them again (the
 * password may have changed): rows at least OBP_ACCT_REFETCH_AGE old.
 * An answer without rows (no such user) stays for auth_cache_expire_time.
 */
bool obp_acct_may_refetch(const struct obp_acct *a);

/*
 * The row MariaDB would choose for a TCP client at <ip> (no port): an
 * exact address or netmask, then patterns with the longest literal
 * prefix first, then '%', then ''.  Host names are not resolved and
 * localhost (the server's unix socket) never matches.  NULL when none
 * matches.
 */
const struct obp_acct_row *obp_acct_match(const struct obp_acct *a,
                                          const char *ip);

/*
 * The identity of the account row <row> of <user> a client was verified
 * against: a digest of the user, the host pattern and the stored hash.
 * Server sessions are pooled under it (pool.h), so a parked session is
 * only reused by a client that proved the same password for the same row.
 */
void obp_acct_row_id(const char *user, const struct obp_acct_row *row,
                     uint8_t out[OBP_SHA1_LEN]);

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
