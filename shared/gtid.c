/*
 * GTID positions (gtid.h): the servers' text parsed into per-source last
 * transactions, and the test read-your-writes makes on them.
 */
#include "obp.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* A cursor over the text; <bad> sticks once set. */
struct gtid_rd {
    const char *p;
    const char *end;
    bool        bad;
};

static bool
gtid_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
gtid_skip_space(struct gtid_rd *rd)
{
    while (rd->p < rd->end && gtid_space(*rd->p))
        rd->p++;
}

/* A decimal number up to <max>; bad when there is none or it is larger. */
static uint64_t
gtid_number(struct gtid_rd *rd, uint64_t max)
{
    uint64_t v = 0;
    const char *start = rd->p;

    while (rd->p < rd->end && *rd->p >= '0' && *rd->p <= '9') {
        unsigned d = (unsigned)(*rd->p - '0');

        if (v > (max - d) / 10) {
            rd->bad = true;
            return 0;
        }
        v = v * 10 + d;
        rd->p++;
    }
    if (rd->p == start)
        rd->bad = true;
    return v;
}

/* Takes <c> when it comes next. */
static bool
gtid_take(struct gtid_rd *rd, char c)
{
    if (rd->p < rd->end && *rd->p == c) {
        rd->p++;
        return true;
    }
    return false;
}

/*
 * Keeps <lo>-<hi> for source <id>: the interval with the highest end of
 * each source, a new source while there is room (else <cut>).
 */
static void
gtid_keep(struct obp_gtid_set *s, const uint8_t id[16], uint64_t lo,
          uint64_t hi)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (memcmp(s->src[i].id, id, 16) != 0)
            continue;
        if (hi > s->src[i].hi) {
            s->src[i].lo = lo;
            s->src[i].hi = hi;
        }
        return;
    }
    if (s->n == OBP_GTID_SRCS) {
        s->cut = 1;
        return;
    }
    memcpy(s->src[s->n].id, id, 16);
    s->src[s->n].lo = lo;
    s->src[s->n].hi = hi;
    s->n++;
}

/* One MariaDB GTID, domain-server_id-seq_no. */
static void
gtid_mariadb_one(struct gtid_rd *rd, struct obp_gtid_set *s)
{
    uint8_t  id[16] = { 0 };
    uint64_t domain, seq;

    domain = gtid_number(rd, UINT32_MAX);
    if (!gtid_take(rd, '-'))
        rd->bad = true;
    (void)gtid_number(rd, UINT32_MAX);
    if (!gtid_take(rd, '-'))
        rd->bad = true;
    seq = gtid_number(rd, UINT64_MAX);
    if (rd->bad)
        return;
    for (int i = 0; i < 4; i++)
        id[i] = (uint8_t)(domain >> (8 * i));
    gtid_keep(s, id, 0, seq);
}

/* A uuid, 8-4-4-4-12 hex digits, into <id>. */
static void
gtid_uuid(struct gtid_rd *rd, uint8_t id[16])
{
    static const int dash[] = { 8, 13, 18, 23 };
    unsigned         nib = 0, d = 0;

    if (rd->end - rd->p < 36) {
        rd->bad = true;
        return;
    }
    for (int i = 0; i < 36; i++) {
        int h = obp_hex_digit(rd->p[i]);

        if (d < 4 && i == dash[d]) {
            d++;
            if (rd->p[i] != '-')
                rd->bad = true;
            continue;
        }
        if (h < 0) {
            rd->bad = true;
            return;
        }
        id[nib / 2] = (uint8_t)(nib % 2 == 0 ? h << 4 : id[nib / 2] | h);
        nib++;
    }
    rd->p += 36;
}

/* A MySQL 8.4 tag ([a-z_][a-z0-9_]*, up to 32): skipped, said by true. */
static bool
gtid_tag(struct gtid_rd *rd)
{
    const char *q = rd->p;

    if (q == rd->end || !((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')
                          || *q == '_'))
        return false;
    while (q < rd->end && q - rd->p < 32
           && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')
               || (*q >= '0' && *q <= '9') || *q == '_'))
        q++;
    rd->p = q;
    return true;
}

/* One uuid with its intervals; tagged intervals are left out (cut). */
static void
gtid_mysql_one(struct gtid_rd *rd, struct obp_gtid_set *s)
{
    uint8_t  id[16];
    bool     tagged = false;
    uint64_t lo, hi;

    gtid_uuid(rd, id);
    if (!gtid_take(rd, ':'))
        rd->bad = true;
    while (!rd->bad) {
        if (gtid_tag(rd)) {
            tagged = true;
            s->cut = 1;
        } else {
            lo = hi = gtid_number(rd, INT64_MAX);
            if (gtid_take(rd, '-'))
                hi = gtid_number(rd, INT64_MAX);
            if (lo == 0 || hi < lo)
                rd->bad = true;
            if (!rd->bad && !tagged)
                gtid_keep(s, id, lo, hi);
        }
        if (!gtid_take(rd, ':'))
            break;
    }
}

int
obp_gtid_parse(struct obp_gtid_set *out, enum obp_gtid_kind kind,
               const char *text, size_t len)
{
    struct gtid_rd rd = { text, text + len, false };

    memset(out, 0, sizeof(*out));
    if (len > OBP_GTID_TEXT_MAX
        || (kind != OBP_GTID_MARIADB && kind != OBP_GTID_MYSQL))
        return OBP_ERROR;
    gtid_skip_space(&rd);
    while (rd.p < rd.end) {
        if (kind == OBP_GTID_MARIADB)
            gtid_mariadb_one(&rd, out);
        else
            gtid_mysql_one(&rd, out);
        gtid_skip_space(&rd);
        if (rd.bad || rd.p == rd.end)
            break;
        if (!gtid_take(&rd, ',')) {
            rd.bad = true;
            break;
        }
        gtid_skip_space(&rd);
        if (rd.p == rd.end)
            rd.bad = true;      /* a list does not end with a comma */
    }
    if (rd.bad || out->n == 0) {
        memset(out, 0, sizeof(*out));
        return rd.bad ? OBP_ERROR : OBP_OK;
    }
    out->kind = (uint8_t)kind;
    return OBP_OK;
}

bool
obp_gtid_covers(const struct obp_gtid_set *have,
                const struct obp_gtid_set *want)
{
    if (want->kind == OBP_GTID_NONE || want->cut || have->kind != want->kind
        || want->n > OBP_GTID_SRCS || have->n > OBP_GTID_SRCS)
        return false;
    for (unsigned i = 0; i < want->n; i++) {
        const struct obp_gtid_src *w = &want->src[i];
        bool                       held = false;

        for (unsigned j = 0; j < have->n && !held; j++)
            held = memcmp(have->src[j].id, w->id, 16) == 0
                   && have->src[j].lo <= w->hi && w->hi <= have->src[j].hi;
        if (!held)
            return false;
    }
    return true;
}

/* Source <src> of a set of <kind> into <buf>; the length it needs. */
static int
gtid_format_src(const struct obp_gtid_src *src, uint8_t kind, char *buf,
                size_t len)
{
    const uint8_t *u = src->id;

    if (kind == OBP_GTID_MARIADB)
        return snprintf(buf, len, "%" PRIu32 ":%" PRIu64,
                        (uint32_t)(u[0] | u[1] << 8 | u[2] << 16
                                   | (uint32_t)u[3] << 24), src->hi);
    return snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                    "%02x%02x%02x%02x%02x%02x:%" PRIu64 "-%" PRIu64,
                    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
                    u[9], u[10], u[11], u[12], u[13], u[14], u[15], src->lo,
                    src->hi);
}

void
obp_gtid_format(const struct obp_gtid_set *s, char *buf, size_t len)
{
    char   one[96];
    size_t used = 0;
    int    n;

    if (len == 0)
        return;
    buf[0] = '\0';
    for (unsigned i = 0; i < s->n && i < OBP_GTID_SRCS; i++) {
        n = gtid_format_src(&s->src[i], s->kind, one, sizeof(one));
        if (n < 0 || used + (size_t)n + 5 >= len) {
            snprintf(buf + used, len - used, "%s...", i > 0 ? "," : "");
            return;
        }
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 i > 0 ? "," : "", one);
    }
    if (s->cut)
        snprintf(buf + used, len - used, ",...");
}
