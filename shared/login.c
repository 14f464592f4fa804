/*
 * Login names (login.h): splits the user name a client sends into user,
 * tenant, cluster and cluster id, in ODP's standard form
 * (user@tenant#cluster:cluster_id) or its separator form
 * (cluster:tenant:user:cluster_id).  Called by the worker on each
 * handshake response; no state.
 */
#include "obp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A part of the name: not NUL-terminated, NULL when absent. */
struct part {
    const char *p;
    size_t      len;
};

struct parts {
    struct part user;
    struct part tenant;
    struct part cluster;
    struct part cluster_id;
};

static int OBP_PRINTF(3, 4)
fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return OBP_ERROR;
}

static struct part
span(const char *from, const char *to)
{
    struct part pt = { from, (size_t)(to - from) };

    return pt;
}

/* Decimal digits only, 0..INT64_MAX. */
static int
parse_cluster_id(struct part pt, int64_t *out, char *err, size_t errlen)
{
    int64_t v = 0;
    size_t  i;
    int     d;

    if (pt.len == 0)
        return fail(err, errlen, "bad cluster id: empty");
    for (i = 0; i < pt.len; i++) {
        if (pt.p[i] < '0' || pt.p[i] > '9')
            return fail(err, errlen, "bad cluster id: not a number");
        d = pt.p[i] - '0';
        if (v > (INT64_MAX - d) / 10)
            return fail(err, errlen, "bad cluster id: too large");
        v = v * 10 + d;
    }
    *out = v;
    return OBP_OK;
}

static int
copy_part(char dst[OBP_NAME_MAX], struct part pt, const char *what,
          char *err, size_t errlen)
{
    if (pt.len > OBP_NAME_MAX - 1)
        return fail(err, errlen, "%s name is longer than %d bytes", what,
                    OBP_NAME_MAX - 1);
    if (pt.len > 0)
        memcpy(dst, pt.p, pt.len);
    dst[pt.len] = '\0';
    return OBP_OK;
}

static int
fill(struct obp_login_name *out, const struct parts *ps, char *err,
     size_t errlen)
{
    if (ps->user.len == 0)
        return fail(err, errlen, "empty user name");
    if (copy_part(out->user, ps->user, "user", err, errlen) != OBP_OK
        || copy_part(out->tenant, ps->tenant, "tenant", err, errlen)
           != OBP_OK
        || copy_part(out->cluster, ps->cluster, "cluster", err, errlen)
           != OBP_OK)
        return OBP_ERROR;
    if (ps->cluster_id.p != NULL)
        return parse_cluster_id(ps->cluster_id, &out->cluster_id, err,
                                errlen);
    return OBP_OK;
}

/*
 * user[@tenant][#cluster[:cluster_id]], split at the first '@' and the
 * first '#'; an empty tenant or cluster counts as not given.
 */
static int
split_standard(struct parts *ps, const char *name, size_t len, char *err,
               size_t errlen)
{
    const char *end = name + len;
    const char *at = memchr(name, '@', len);
    const char *hash = memchr(name, '#', len);
    const char *colon;

    if (at != NULL && hash != NULL && hash < at)
        return fail(err, errlen, "'#' before '@' in login name");
    ps->user = span(name, at != NULL ? at : hash);
    if (at != NULL)
        ps->tenant = span(at + 1, hash != NULL ? hash : end);
    if (hash != NULL) {
        ps->cluster = span(hash + 1, end);
        colon = memchr(ps->cluster.p, ':', ps->cluster.len);
        if (colon != NULL) {
            ps->cluster = span(hash + 1, colon);
            ps->cluster_id = span(colon + 1, end);
        }
    }
    return OBP_OK;
}

/* The first character of <seps> (';' between items) found twice. */
static char
pick_separator(const char *name, size_t len, const char *seps)
{
    const char *first;

    for (; seps != NULL && *seps != '\0'; seps++) {
        if (*seps == ';')
            continue;
        first = memchr(name, *seps, len);
        if (first != NULL
            && memchr(first + 1, *seps, len - (size_t)(first - name) - 1))
            return *seps;
    }
    return '\0';
}

/*
 * cluster<sep>tenant<sep>user[<sep>cluster_id]; like ODP, a ':' in the
 * user part of the three-part form also starts a cluster id.  False
 * when <sep> splits the name into other than 3 or 4 parts: such a name
 * ("a.b.c.d.e") is taken as a plain user name, since no form fits it.
 */
static bool
split_separated(struct parts *ps, const char *name, size_t len, char sep)
{
    const char *end = name + len;
    const char *cut[3], *p, *colon;
    size_t      n = 0;

    for (p = name; p < end; p++) {
        if (*p == sep) {
            if (n == 3)
                return false;
            cut[n++] = p;
        }
    }
    if (n < 2)
        return false;
    ps->cluster = span(name, cut[0]);
    ps->tenant = span(cut[0] + 1, cut[1]);
    if (n == 3) {
        ps->user = span(cut[1] + 1, cut[2]);
        ps->cluster_id = span(cut[2] + 1, end);
        return true;
    }
    ps->user = span(cut[1] + 1, end);
    colon = memchr(ps->user.p, ':', ps->user.len);
    if (colon != NULL) {
        ps->user = span(cut[1] + 1, colon);
        ps->cluster_id = span(colon + 1, end);
    }
    return true;
}

static int
split_name(struct parts *ps, const char *name, size_t len,
           const char *separators, char *err, size_t errlen)
{
    char sep;

    if (memchr(name, '@', len) != NULL || memchr(name, '#', len) != NULL)
        return split_standard(ps, name, len, err, errlen);
    sep = pick_separator(name, len, separators);
    if (sep == '\0' || !split_separated(ps, name, len, sep)) {
        memset(ps, 0, sizeof(*ps));
        ps->user = span(name, name + len);
    }
    return OBP_OK;
}

int
obp_login_name_parse(struct obp_login_name *out, const char *name,
                     size_t len, const char *separators, char *err,
                     size_t errlen)
{
    struct parts ps;

    memset(out, 0, sizeof(*out));
    out->cluster_id = -1;
    memset(&ps, 0, sizeof(ps));
    if (name == NULL || len == 0)
        return fail(err, errlen, "empty user name");
    if (memchr(name, '\0', len) != NULL)
        return fail(err, errlen, "NUL byte in login name");
    if (split_name(&ps, name, len, separators, err, errlen) == OBP_OK
        && fill(out, &ps, err, errlen) == OBP_OK)
        return OBP_OK;
    memset(out, 0, sizeof(*out));
    out->cluster_id = -1;
    return OBP_ERROR;
}
