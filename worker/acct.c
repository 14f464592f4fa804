/*
 * The worker's account cache (acct.h): entries by user, their expiry,
 * the logins waiting for a fetch, the line of users waiting for a fetch
 * slot, and the choice of the host row that applies to a client.  The fetch itself is lookup.c's; clogin.c asks.
 */
#include "worker.h"

#include <arpa/inet.h>
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
    return a->lookup == NULL && !a->queued && a->waiters == NULL
           && a->pins == 0;
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

/* Every waiter of <a> gets <rc>, <code> and <msg>; <a> may be dropped. */
static void
notify(struct obp_worker *w, struct obp_acct *a, int rc, uint16_t code,
       const char *msg)
{
    struct obp_acct_wait *list = a->waiters, *wt;

    a->waiters = NULL;
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

static void queue_timer_cb(struct ev_loop *loop, ev_timer *t, int revents);

static void
queue_arm(struct obp_worker *w)
{
    struct obp_acct_cache *cache = &w->acct;
    int64_t                left;

    if (!cache->qtimer_init) {
        ev_init(&cache->qtimer, queue_timer_cb);
        cache->qtimer.data = w;
        cache->qtimer_init = 1;
    }
    ev_timer_stop(w->loop, &cache->qtimer);
    if (cache->qhead == NULL)
        return;
    left = cache->qhead->queued_until - obp_now_us();
    ev_timer_set(&cache->qtimer, left > 0 ? (ev_tstamp)left / 1e6 : 0., 0.);
    ev_timer_start(w->loop, &cache->qtimer);
}

static void
queue_push(struct obp_worker *w, struct obp_acct *a)
{
    struct obp_acct_cache *cache = &w->acct;

    a->queued = 1;
    a->qnext = NULL;
    a->queued_until = obp_now_us() + w->conf->short_async_task_timeout;
    if (cache->qtail != NULL)
        cache->qtail->qnext = a;
    else
        cache->qhead = a;
    cache->qtail = a;
    if (cache->qhead == a)
        queue_arm(w);
}

static struct obp_acct *
queue_pop(struct obp_acct_cache *cache)
{
    struct obp_acct *a = cache->qhead;

    if (a == NULL)
        return NULL;
    cache->qhead = a->qnext;
    if (cache->qhead == NULL)
        cache->qtail = NULL;
    a->qnext = NULL;
    a->queued = 0;
    return a;
}

/* Starts the fetch of <a>, or queues it while OBP_ACCT_LOOKUPS run. */
static int
fetch(struct obp_worker *w, struct obp_acct *a)
{
    if (w->acct.running >= OBP_ACCT_LOOKUPS) {
        queue_push(w, a);
        return OBP_OK;
    }
    if (obp_lookup_start(w, a) != OBP_OK)
        return OBP_ERROR;
    w->acct.running++;
    return OBP_OK;
}

/* A fetch slot is free: the oldest queued entry still awaited takes it. */
static void
fetch_next(struct obp_worker *w)
{
    struct obp_acct *a;

    while (w->acct.running < OBP_ACCT_LOOKUPS
           && (a = queue_pop(&w->acct)) != NULL) {
        if (a->waiters == NULL) {
            if (!a->fetched && idle(a))
                drop(&w->acct, a);
            continue;
        }
        if (fetch(w, a) != OBP_OK)
            notify(w, a, OBP_ERROR, OBP_ER_CONNECT_TO_SERVER,
                   "obproxy: account lookup not started");
    }
    queue_arm(w);
}

/* The oldest queued entries waited too long: their logins fail. */
static void
queue_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    struct obp_worker *w = t->data;
    struct obp_acct   *a;
    int64_t            now = obp_now_us();

    (void)loop;
    (void)revents;
    while (w->acct.qhead != NULL && w->acct.qhead->queued_until <= now) {
        a = queue_pop(&w->acct);
        if (a->waiters != NULL)
            obp_log(OBP_LOG_WARN, 0, 0, "account lookup for user '%s' not "
                    "started within short_async_task_timeout: %u lookups "
                    "under way", a->user, w->acct.running);
        notify(w, a, OBP_ERROR, OBP_ER_TOO_MANY_CONNECTIONS,
               "Too many connections: obproxy's account lookups are all "
               "busy, try again");
    }
    queue_arm(w);
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
    /* a fetch under way or queued is at least as fresh as a new one */
    if (a->lookup == NULL && !a->queued && fetch(w, a) != OBP_OK) {
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

bool
obp_acct_may_refetch(const struct obp_acct *a)
{
    return a->nrows > 0
           && obp_now_us() - a->fetched_us >= OBP_ACCT_REFETCH_AGE;
}

void
obp_acct_fetched(struct obp_worker *w, struct obp_acct *a,
                 struct obp_acct_row *rows, unsigned nrows, int rc,
                 uint16_t code, const char *msg)
{
    a->lookup = NULL;
    w->acct.running--;
    free(a->rows);
    a->rows = NULL;
    a->nrows = 0;
    a->fetched = rc == OBP_OK;
    if (rc == OBP_OK) {
        a->rows = rows;
        a->nrows = nrows;
        a->fetched_us = obp_now_us();
        a->expires_us = a->fetched_us + w->conf->auth_cache_expire_time;
    } else {
        free(rows);
        obp_stat_add(w->stats, OBP_STAT_auth_lookup_fail, 1);
    }
    notify(w, a, rc, code, msg);
    fetch_next(w);
}

/*
 * Host patterns as MariaDB matches them: SQL LIKE over ASCII,
 * case-insensitive, % any run, _ one character, \ takes the next one
 * literally.
 */
static char
fold(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
like(const char *s, const char *p)
{
    const char *star = NULL, *mark = NULL;
    char        c;

    while (*s != '\0') {
        c = *p == '\\' && p[1] != '\0' ? p[1] : *p;
        if (*p == '%') {
            star = p++;
            mark = s;
        } else if (*p == '_' || (c != '\0' && fold(c) == fold(*s))) {
            p += *p == '\\' ? 2 : 1;
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

/* "a.b.c.d/m.m.m.m": the client's IPv4 address within the network. */
static bool
in_netmask(const char *host, const char *ip)
{
    const char     *slash = strchr(host, '/');
    char            net[INET_ADDRSTRLEN];
    struct in_addr  a, n, m;
    size_t          len;

    if (slash == NULL || (len = (size_t)(slash - host)) >= sizeof(net))
        return false;
    memcpy(net, host, len);
    net[len] = '\0';
    if (strncmp(ip, "::ffff:", 7) == 0)
        ip += 7;
    return inet_pton(AF_INET, net, &n) == 1
           && inet_pton(AF_INET, slash + 1, &m) == 1
           && inet_pton(AF_INET, ip, &a) == 1
           && (a.s_addr & m.s_addr) == n.s_addr;
}

/*
 * MariaDB's order of host rows (get_sort): an exact host 128, a pattern
 * 2 + the position of its first wildcard (the longer the literal prefix,
 * the earlier), '%' alone 1, an empty host 0.
 */
static int
sort_weight(const char *host)
{
    for (const char *c = host; *c != '\0'; c++) {
        if (*c == '\\' && c[1] != '\0')
            c++;
        else if (*c == '%' || *c == '_')
            return strcmp(host, "%") == 0 ? 1
                   : (int)((c - host) + 2 < 127 ? (c - host) + 2 : 127);
    }
    return host[0] == '\0' ? 0 : 128;
}

/*
 * Whether <host> admits a TCP client from <ip>.  No name is resolved, and
 * localhost means the server's unix socket, which never reaches a proxy.
 */
static bool
host_matches(const char *host, const char *ip)
{
    if (host[0] == '\0')
        return true;
    if (strchr(host, '/') != NULL)
        return in_netmask(host, ip);
    if (strncmp(ip, "::ffff:", 7) == 0 && like(ip + 7, host))
        return true;
    return like(ip, host);
}

const struct obp_acct_row *
obp_acct_match(const struct obp_acct *a, const char *ip)
{
    const struct obp_acct_row *best = NULL;
    int                        best_w = -1, w;

    for (unsigned i = 0; i < a->nrows; i++) {
        if (!host_matches(a->rows[i].host, ip))
            continue;
        w = sort_weight(a->rows[i].host);
        /* equal weights: the server sorts the greater host first */
        if (w > best_w || (w == best_w
                           && strcmp(a->rows[i].host, best->host) > 0)) {
            best = &a->rows[i];
            best_w = w;
        }
    }
    return best;
}

void
obp_acct_row_id(const char *user, const struct obp_acct_row *row,
                uint8_t out[OBP_SHA1_LEN])
{
    uint8_t buf[OBP_NAME_MAX + OBP_ACCT_HOST_MAX + 1 + OBP_SHA1_LEN];
    size_t  ulen = strnlen(user, OBP_NAME_MAX - 1);
    size_t  hlen = strnlen(row->host, OBP_ACCT_HOST_MAX - 1);
    size_t  n = 0;

    /* NUL-separated, so no two (user, host) pairs give the same bytes */
    memcpy(buf, user, ulen);
    n = ulen;
    buf[n++] = '\0';
    memcpy(buf + n, row->host, hlen);
    n += hlen;
    buf[n++] = '\0';
    buf[n++] = (uint8_t)row->kind;
    if (row->kind == OBP_ACCT_NATIVE) {
        memcpy(buf + n, row->stage2, OBP_SHA1_LEN);
        n += OBP_SHA1_LEN;
    }
    obp_sha1(buf, n, NULL, 0, out);
}

void
obp_acct_cache_free(struct obp_worker *w)
{
    struct obp_acct *a;

    if (w->acct.qtimer_init)
        ev_timer_stop(w->loop, &w->acct.qtimer);
    w->acct.qhead = w->acct.qtail = NULL;
    while ((a = w->acct.head) != NULL) {
        if (a->lookup != NULL)
            obp_lookup_free(a->lookup);
        a->lookup = NULL;
        a->queued = 0;
        a->waiters = NULL;
        a->pins = 0;
        drop(&w->acct, a);
    }
}
