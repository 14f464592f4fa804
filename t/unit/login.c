/*
 * Login names in every ODP form (standard, separator forms, plain),
 * separator lists, length limits and errors; then client session ids:
 * layout, slot and proxy round trips, wrap and uniqueness.
 */
#include "obp.h"

#include <stdlib.h>

#include "tap.h"

#define DEFSEP ":;-;."

static void
name_ok(const char *in, const char *seps, const char *user,
        const char *tenant, const char *cluster, int64_t id)
{
    struct obp_login_name n;
    char                  err[128] = "", label[200];
    int                   rc, good;

    rc = obp_login_name_parse(&n, in, strlen(in), seps, err, sizeof(err));
    good = rc == OBP_OK && strcmp(n.user, user) == 0
           && strcmp(n.tenant, tenant) == 0
           && strcmp(n.cluster, cluster) == 0 && n.cluster_id == id;
    snprintf(label, sizeof(label), "\"%.60s\" [%s] -> %.20s|%.20s|%.20s|%"
             PRId64, in, seps ? seps : "NULL", user, tenant, cluster, id);
    if (!tap_ok(good, label))
        printf("#   rc %d err \"%s\" got %s|%s|%s|%" PRId64 "\n", rc, err,
               n.user, n.tenant, n.cluster, n.cluster_id);
}

static void
name_err(const char *in, size_t len, const char *seps, const char *phrase)
{
    struct obp_login_name n;
    char                  err[128] = "", label[200];
    int                   rc;

    rc = obp_login_name_parse(&n, in, len, seps, err, sizeof(err));
    snprintf(label, sizeof(label), "\"%.60s\" refused: %s", in, phrase);
    if (!tap_ok(rc == OBP_ERROR && strstr(err, phrase) != NULL
                && n.user[0] == '\0' && n.tenant[0] == '\0'
                && n.cluster[0] == '\0' && n.cluster_id == -1, label))
        printf("#   rc %d err \"%s\"\n", rc, err);
}

static void
test_standard(void)
{
    name_ok("root", DEFSEP, "root", "", "", -1);
    name_ok("root@sys", DEFSEP, "root", "sys", "", -1);
    name_ok("root@sys#obcluster", DEFSEP, "root", "sys", "obcluster", -1);
    name_ok("root@sys#obcluster:42", DEFSEP, "root", "sys", "obcluster",
            42);
    name_ok("root@sys#obcluster:0", DEFSEP, "root", "sys", "obcluster", 0);
    name_ok("root#obcluster", DEFSEP, "root", "", "obcluster", -1);
    name_ok("root#obcluster:7", DEFSEP, "root", "", "obcluster", 7);
    name_ok("u@t#c:9223372036854775807", DEFSEP, "u", "t", "c",
            INT64_MAX);
    name_ok("root@", DEFSEP, "root", "", "", -1);
    name_ok("root@#c", DEFSEP, "root", "", "c", -1);
    name_ok("root@t#", DEFSEP, "root", "t", "", -1);
    name_ok("u@t:5", DEFSEP, "u", "t:5", "", -1);
    name_ok("u@t@x", DEFSEP, "u", "t@x", "", -1);
    name_ok("u@t#c#d", DEFSEP, "u", "t", "c#d", -1);
    name_ok("a.b.c@t", DEFSEP, "a.b.c", "t", "", -1);
    name_ok("c:t:u@x", DEFSEP, "c:t:u", "x", "", -1);
    name_ok("root@proxysys", "", "root", "proxysys", "", -1);
    name_ok("u@t#c:3", NULL, "u", "t", "c", 3);
}

static void
test_standard_errors(void)
{
    name_err("@sys", 4, DEFSEP, "empty user name");
    name_err("#c", 2, DEFSEP, "empty user name");
    name_err("@", 1, DEFSEP, "empty user name");
    name_err("u#c@t", 5, DEFSEP, "'#' before '@'");
    name_err("u@t#c:", 6, DEFSEP, "bad cluster id");
    name_err("u@t#c:abc", 9, DEFSEP, "bad cluster id");
    name_err("u@t#c:-1", 8, DEFSEP, "bad cluster id");
    name_err("u@t#c:+1", 8, DEFSEP, "bad cluster id");
    name_err("u@t#c:1:2", 9, DEFSEP, "bad cluster id");
    name_err("u@t#c: 1", 8, DEFSEP, "bad cluster id");
    name_err("u@t#c:9223372036854775808", 25, DEFSEP, "too large");
}

static void
test_separated(void)
{
    name_ok("obcluster:sys:root", DEFSEP, "root", "sys", "obcluster", -1);
    name_ok("obcluster:sys:root:42", DEFSEP, "root", "sys", "obcluster",
            42);
    name_ok("obcluster-sys-root", DEFSEP, "root", "sys", "obcluster", -1);
    name_ok("obcluster-sys-root-42", DEFSEP, "root", "sys", "obcluster",
            42);
    name_ok("obcluster.sys.root", DEFSEP, "root", "sys", "obcluster", -1);
    name_ok("obcluster.sys.root.9", DEFSEP, "root", "sys", "obcluster", 9);
    name_ok("c-t-u:5", DEFSEP, "u", "t", "c", 5);
    name_ok("c:t:u.x.y", DEFSEP, "u.x.y", "t", "c", -1);
    name_ok("c-t-u.v", DEFSEP, "u.v", "t", "c", -1);
    name_ok("a:b-c-d", DEFSEP, "d", "c", "a:b", -1);
    name_ok("::u", DEFSEP, "u", "", "", -1);
    name_ok("c::u", DEFSEP, "u", "", "c", -1);
    name_ok("a:b", DEFSEP, "a:b", "", "", -1);
    name_ok("first.last", DEFSEP, "first.last", "", "", -1);
    name_ok("a:b:c:d:e", DEFSEP, "a:b:c:d:e", "", "", -1);
    name_ok("a-b-c-d-e-f", DEFSEP, "a-b-c-d-e-f", "", "", -1);
    name_err("c:t:", 4, DEFSEP, "empty user name");
    name_err("c:t:u:", 6, DEFSEP, "bad cluster id");
    name_err("c:t:u:x", 7, DEFSEP, "bad cluster id");
    name_err("c-t-u-", 6, DEFSEP, "bad cluster id");
}

static void
test_separator_lists(void)
{
    name_ok("c:t:u", "", "c:t:u", "", "", -1);
    name_ok("c-t-u", "", "c-t-u", "", "", -1);
    name_ok("c:t:u", NULL, "c:t:u", "", "", -1);
    name_ok("c:t:u", ";;", "c:t:u", "", "", -1);
    name_ok("c-t-u", "-", "u", "t", "c", -1);
    name_ok("c:t:u", "-", "c:t:u", "", "", -1);
    name_ok("c-t-u", ":", "c-t-u", "", "", -1);
    name_ok("c:t:u.x.y", ".;:", "y", "x", "c:t:u", -1);
    name_ok("c.t.u", ":;-", "c.t.u", "", "", -1);
    name_ok("c/t/u/8", ":;/", "u", "t", "c", 8);
    name_ok("c_t_u", ":;-;.;_", "u", "t", "c", -1);
}

static void
test_lengths(void)
{
    char   buf[1024], want[OBP_NAME_MAX];
    size_t m = OBP_NAME_MAX - 1;        /* 127 */

    memset(buf, 'u', m);
    buf[m] = '\0';
    name_ok(buf, DEFSEP, buf, "", "", -1);
    memset(buf, 'u', m + 1);
    buf[m + 1] = '\0';
    name_err(buf, m + 1, DEFSEP, "user name is longer than 127 bytes");

    memcpy(buf, "u@", 2);
    memset(buf + 2, 't', m);
    buf[2 + m] = '\0';
    name_ok(buf, DEFSEP, "u", buf + 2, "", -1);
    memset(buf + 2, 't', m + 1);
    buf[2 + m + 1] = '\0';
    name_err(buf, m + 3, DEFSEP, "tenant name is longer than 127 bytes");

    memcpy(buf, "u@t#", 4);
    memset(buf + 4, 'c', m);
    memcpy(buf + 4 + m, ":1", 3);
    memset(want, 'c', m);
    want[m] = '\0';
    name_ok(buf, DEFSEP, "u", "t", want, 1);
    memset(buf + 4, 'c', m + 1);
    buf[4 + m + 1] = '\0';
    name_err(buf, m + 5, DEFSEP, "cluster name is longer than 127 bytes");

    memset(buf, 'c', m + 1);
    memcpy(buf + m + 1, ":t:u", 5);
    name_err(buf, m + 5, DEFSEP, "cluster name is longer than 127 bytes");

    memset(buf, 'u', 1000);
    name_err(buf, 1000, DEFSEP, "user name is longer");
}

static void
test_raw_bytes(void)
{
    struct obp_login_name n;
    char                  err[8];

    tap_ok(obp_login_name_parse(&n, "root@sysXXXX", 8, DEFSEP, NULL, 0)
           == OBP_OK && strcmp(n.tenant, "sys") == 0,
           "only <len> bytes are read; err may be NULL");
    name_err("ro\0ot", 5, DEFSEP, "NUL byte");
    name_err("u@t\0", 4, DEFSEP, "NUL byte");
    name_err("", 0, DEFSEP, "empty user name");
    tap_ok(obp_login_name_parse(&n, NULL, 0, DEFSEP, err, sizeof(err))
           == OBP_ERROR, "NULL name refused");
    tap_ok(strlen(err) == sizeof(err) - 1,
           "error phrase cut to the buffer, terminated");
}

/* Names made of separators, or of empty parts, and long separator runs. */
static void
test_hostile(void)
{
    char buf[600];

    name_err("::", 2, DEFSEP, "empty user name");
    name_err(":::", 3, DEFSEP, "empty user name");
    name_err("-:-:", 4, DEFSEP, "empty user name");
    name_err("..", 2, DEFSEP, "empty user name");
    name_err("c:t:", 4, DEFSEP, "empty user name");
    name_err("@#:", 3, DEFSEP, "empty user name");
    name_err("#:1", 3, DEFSEP, "empty user name");
    name_ok("::::", DEFSEP, "::::", "", "", -1);
    name_ok(":", DEFSEP, ":", "", "", -1);
    name_ok("-", DEFSEP, "-", "", "", -1);
    name_ok("u@#", DEFSEP, "u", "", "", -1);
    name_ok(":t:u", DEFSEP, "u", "t", "", -1);
    name_ok("c::u:0", DEFSEP, "u", "", "c", 0);
    memset(buf, ':', sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    name_err(buf, sizeof(buf) - 1, DEFSEP, "user name is longer");
    memset(buf, '@', sizeof(buf) - 1);
    name_err(buf, sizeof(buf) - 1, DEFSEP, "empty user name");
    memset(buf, 't', sizeof(buf) - 1);
    memcpy(buf, "c:", 2);
    memcpy(buf + sizeof(buf) - 3, ":u", 2);
    name_err(buf, sizeof(buf) - 1, DEFSEP, "tenant name is longer");
}

static void
test_sessid_init(void)
{
    struct obp_sessid_gen g;
    uint32_t              id = 0;
    unsigned              k;

    tap_is_int(obp_sessid_init(&g, 0, 0, 0, 1), OBP_OK, "sessid: proxy 0");
    tap_is_int(obp_sessid_next(&g), 1, "  first id of proxy 0 slot 0 is 1");
    tap_is_int(obp_sessid_init(&g, 1, 0, 0, 1), OBP_OK, "sessid: proxy 1");
    tap_is_int(obp_sessid_next(&g), (1 << 18) + 1, "  1 << 18 | 1");
    tap_is_int(obp_sessid_init(&g, 8191, 1, 0, 1), OBP_OK,
               "sessid: proxy 8191");
    tap_is_int(obp_sessid_next(&g), 0x7ffe0001, "  bits 30-17 all set");
    tap_is_int(obp_sessid_init(&g, 8192, 0, 0, 1), OBP_ERROR,
               "sessid: proxy 8192 refused");
    tap_is_int(obp_sessid_init(&g, 0, 0, 2, 2), OBP_ERROR,
               "sessid: slot >= nslots refused");
    tap_is_int(obp_sessid_init(&g, 0, 0, 0, 0), OBP_ERROR,
               "sessid: nslots 0 refused");
    tap_is_int(obp_sessid_init(&g, 0, 0, 0, 129), OBP_ERROR,
               "sessid: nslots 129 refused");
    tap_is_int(obp_sessid_init(&g, 0, 1, 0, 1), OBP_OK, "upgrade bit 1");
    tap_is_int(obp_sessid_next(&g), (1 << 17) + 1, "  sets bit 17");
    tap_is_int(obp_sessid_init(&g, 8191, 1, 127, 128), OBP_OK,
               "sessid: proxy 8191, slot 127 of 128");
    for (k = 0; k < 1023; k++)
        id = obp_sessid_next(&g);
    tap_is_int(id, 0x7fffffff, "  the largest id is 2^31 - 1");
    tap_ok(obp_sessid_slot(id, 128) == 127 && obp_sessid_proxy(id) == 8191,
           "  slot 127, proxy 8191");
}

static void
test_sessid_layout(void)
{
    static const unsigned ns[] = { 1, 2, 3, 4, 5, 128 };
    static const unsigned want_bits[] = { 17, 16, 15, 15, 14, 10 };
    struct obp_sessid_gen g;
    char                  name[96];
    unsigned              i, slot, k, proxy;
    int                   bad;
    uint32_t              id;

    for (i = 0; i < OBP_NELEMS(ns); i++) {
        bad = obp_sessid_init(&g, 0, 0, 0, ns[i]) != OBP_OK
              || g.seq_bits != want_bits[i];
        for (slot = 0; slot < ns[i]; slot++) {
            proxy = (slot * 2731u + ns[i]) % 8192;
            bad += obp_sessid_init(&g, proxy, slot & 1, slot, ns[i]) != 0;
            for (k = 0; k < 3000; k++) {
                id = obp_sessid_next(&g);
                bad += id == 0 || id >= 0x80000000u
                       || obp_sessid_slot(id, ns[i]) != slot
                       || obp_sessid_proxy(id) != proxy
                       || (id >> 17 & 1) != (slot & 1);
            }
        }
        snprintf(name, sizeof(name), "nslots %u: %u sequence bits, slot and "
                 "proxy round trip", ns[i], want_bits[i]);
        tap_is_int(bad, 0, name);
    }
}

static void
test_sessid_wrap(void)
{
    struct obp_sessid_gen g;
    uint32_t              first, id;
    unsigned              k;
    int                   zero = 0;

    obp_sessid_init(&g, 0, 0, 0, 128);
    for (k = 0; k < 1023; k++)
        first = obp_sessid_next(&g);
    tap_is_int(first, 1023, "proxy 0 slot 0, 128 slots: 1023 ids, last 1023");
    tap_is_int(obp_sessid_next(&g), 1, "  then wraps to 1, skipping 0");
    for (k = 0; k < 5000; k++)
        zero += obp_sessid_next(&g) == 0;
    tap_is_int(zero, 0, "  never 0 over several wraps");

    obp_sessid_init(&g, 5, 0, 3, 128);
    first = obp_sessid_next(&g);
    for (k = 1; k < 1024; k++)
        id = obp_sessid_next(&g);
    tap_is_int(id, (5 << 18 | 3 << 10), "proxy 5 slot 3: sequence 0 is used");
    tap_is_int(obp_sessid_next(&g), first, "  1024 ids per wrap");
}

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* Every id of a full wrap, for every slot and both upgrade bits. */
static void
unique_over_wrap(unsigned nslots)
{
    struct obp_sessid_gen g;
    uint32_t             *ids;
    size_t                n = 0, i, cap, per;
    unsigned              slot, up;
    int                   dup = 0;
    char                  name[96];

    obp_sessid_init(&g, 0, 0, 0, nslots);
    per = (size_t)1 << g.seq_bits;
    cap = per * nslots * 2;
    ids = malloc(cap * sizeof(*ids));
    if (ids == NULL) {
        tap_ok(0, "malloc");
        return;
    }
    for (up = 0; up < 2; up++) {
        for (slot = 0; slot < nslots; slot++) {
            obp_sessid_init(&g, 0, up, slot, nslots);
            /* The all-zero prefix skips id 0: one id fewer per wrap. */
            for (i = (up == 0 && slot == 0); i < per; i++)
                ids[n++] = obp_sessid_next(&g);
        }
    }
    qsort(ids, n, sizeof(*ids), cmp_u32);
    for (i = 1; i < n; i++)
        dup += ids[i] == ids[i - 1];
    snprintf(name, sizeof(name), "nslots %u: %zu ids over a full wrap, all "
             "distinct", nslots, n);
    tap_ok(dup == 0 && n == cap - 1 && ids[0] != 0, name);
    free(ids);
}

int
main(void)
{
    test_standard();
    test_standard_errors();
    test_separated();
    test_separator_lists();
    test_lengths();
    test_raw_bytes();
    test_hostile();
    test_sessid_init();
    test_sessid_layout();
    test_sessid_wrap();
    unique_over_wrap(1);
    unique_over_wrap(2);
    unique_over_wrap(3);
    unique_over_wrap(5);
    return tap_done();
}
