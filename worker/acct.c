/*
 * The worker's account cache (acct.h): entries by user, their expiry,
 * the logins waiting for a fetch, and the choice of the host row that
 * applies to a client.  The fetch itself is lookup.c's; clogin.c asks.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

static struct obp_acct *
find(struct obp_acct_cache *cache, const char *user)
{
    for (struct obp_acct *a = cache->head; a != NULL; a = a->next) {
        if (strcmp(a->user, user) == 0)
            return a;
    }
    return NULL;
}

static bool
idle(const struct obp_acct *a)
{
    return a->lookup == NULL && a->waiters == NULL && a->pins == 0;
}

static void
drop(struct obp_acct_cache *cache, struct obp_acct *a)
{
    if (a->prev != NULL)
        a->prev->next = a->next;
    else
        cache->head = a->next;
    if (a->next != NULL)
        a->next->prev = a->prev;
    cache->n--;
    free(a->rows);
    free(a);
}

/* Drops expired entries, then the oldest idle one if still full. */
static void
make_room(struct obp_acct_cache *cache, int64_t now)
{
    struct obp_acct *a, *next, *oldest = NULL;

    for (a = cache->head; a != NULL; a = next) {
        next = a->next;
        if (idle(a) && (!a->fetched || a->expires_us <= now))
            drop(cache, a);
        else if (idle(a))
            oldest = a;
    }
    if (cache->n >= OBP_ACCT_MAX && oldest != NULL)
        drop(cache, oldest);
}

static struct obp_acct *
create(struct obp_acct_cache *cache, const char *user)
{
    struct obp_acct *a;

    if (cache->n >= OBP_ACCT_MAX) {
        make_room(cache, obp_now_us());
        if (cache->n >= OBP_ACCT_MAX)
            return NULL;
    }
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    obp_strlcpy(a->user, user, sizeof(a->user));
    a->next = cache->head;
    if (cache->head != NULL)
        cache->head->prev = a;
    cache->head = a;
    cache->n++;
    return a;
}

static void
enqueue(struct obp_acct *a, struct obp_acct_wait *wt)
{
    wt->acct = a;
    wt->prev = NULL;
    wt->next = a->waiters;
    if (a->waiters != NULL)
        a->waiters->prev = wt;
    a->waiters = wt;
    wt->waiting = 1;
}

int
obp_acct_get(struct obp_worker *w, const char *user, bool refetch,
             struct obp_acct_wait *wt)
{
    struct obp_acct *a = find(&w->acct, user);

    wt->code = 1045;
    wt->msg = NULL;
    if (a != NULL && a->fetched && !refetch
        && obp_now_us() < a->expires_us) {
        wt->acct = a;
        obp_stat_add(w->stats, OBP_STAT_auth_cache_hit, 1);
        return OBP_OK;
    }
    obp_stat_add(w->stats, OBP_STAT_auth_cache_miss, 1);
    if (a == NULL && (a = create(&w->acct, user)) == NULL) {
        obp_log(OBP_LOG_ERROR, 0, ENOMEM, "account cache: no entry for "
                "user '%s'", user);
        return OBP_ERROR;
    }
    /* a fetch under way is at least as fresh as a new one would be */
    if (a->lookup == NULL && obp_lookup_start(w, a) != OBP_OK) {
        if (idle(a) && !a->fetched)
            drop(&w->acct, a);
        return OBP_ERROR;
    }
    enqueue(a, wt);
    return OBP_AGAIN;
}

void
obp_acct_cancel(struct obp_acct_wait *wt)
{
    struct obp_acct *a = wt->acct;

    if (!wt->waiting)
        return;
    if (wt->prev != NULL)
        wt->prev->next = wt->next;
    else
        a->waiters = wt->next;
    if (wt->next != NULL)
        wt->next->prev = wt->prev;
    wt->waiting = 0;
    wt->acct = NULL;
}

void
obp_acct_fetched(struct obp_worker *w, struct obp_acct *a,
                 struct obp_acct_row *rows, unsigned nrows, int rc,
                 uint16_t code, const char *msg)
{
    struct obp_acct_wait *list = a->waiters, *wt;

    a->lookup = NULL;
    a->waiters = NULL;
    free(a->rows);
    a->rows = NULL;
    a->nrows = 0;
    a->fetched = rc == OBP_OK;
    if (rc == OBP_OK) {
        a->rows = rows;
        a->nrows = nrows;
        a->expires_us = obp_now_us() + w->conf->auth_cache_expire_time;
    } else {
        free(rows);
        obp_stat_add(w->stats, OBP_STAT_auth_lookup_fail, 1);
    }
    /* a callback may start another fetch or make room: keep <a> */
    a->pins++;
    while ((wt = list) != NULL) {
        list = wt->next;
        wt->waiting = 0;
        wt->acct = a;
        wt->code = code;
        wt->msg = msg;
        wt->cb(wt, rc);     /* may free wt */
    }
    a->pins--;
    if (!a->fetched && idle(a))
        drop(&w->acct, a);
}

/* SQL LIKE over ASCII, case-insensitive: % any run, _ one character. */
static bool
like(const char *s, const char *p)
{
    const char *star = NULL, *mark = NULL;

    while (*s != '\0') {
        if (*p == '%') {
            star = p++;
            mark = s;
        } else if (*p == '_' || (*p != '\0'
                   && (*p | 0x20) == (*s | 0x20))) {
            p++;
            s++;
        } else if (star != NULL) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (*p == '%')
        p++;
    return *p == '\0';
}

static bool
loopback(const char *ip)
{
    return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0
           || strcmp(ip, "::ffff:127.0.0.1") == 0;
}

/* 0: no match; higher is more specific (ties: longer host wins). */
static int
rank(const char *host, const char *ip)
{
    if (obp_strcasecmp(host, ip) == 0)
        return 3;
    if (loopback(ip) && obp_strcasecmp(host, "localhost") == 0)
        return 3;
    if (host[0] == '\0' || strcmp(host, "%") == 0)
        return 1;
    if (strpbrk(host, "%_") != NULL && like(ip, host))
        return 2;
    return 0;
}

const struct obp_acct_row *
obp_acct_match(const struct obp_acct *a, const char *ip)
{
    const struct obp_acct_row *best = NULL;
    int                        best_rank = 0, r;

    for (unsigned i = 0; i < a->nrows; i++) {
        r = rank(a->rows[i].host, ip);
        if (r > best_rank || (r == best_rank && r > 0
            && strlen(a->rows[i].host) > strlen(best->host))) {
            best = &a->rows[i];
            best_rank = r;
        }
    }
    return best;
}

void
obp_acct_cache_free(struct obp_worker *w)
{
    struct obp_acct *a;

    while ((a = w->acct.head) != NULL) {
        if (a->lookup != NULL)
            obp_lookup_free(a->lookup);
        a->lookup = NULL;
        a->waiters = NULL;
        a->pins = 0;
        drop(&w->acct, a);
    }
}
