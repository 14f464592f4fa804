/*
 * Unit tests for GTID positions (gtid.h): MariaDB lists of several
 * domains, MySQL sets of several uuids and intervals, what a replica's
 * position covers of a primary's, malformed and oversized text refused
 * within bounds, and the position kept in the segment (srvstate.h).
 */
#include "obp.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define U1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U2 "c80aa942-9562-11e1-9e33-3e11fa4771ca"

static struct obp_gtid_set
parse(enum obp_gtid_kind kind, const char *text, int *rc)
{
    struct obp_gtid_set s;

    *rc = obp_gtid_parse(&s, kind, text, strlen(text));
    return s;
}

static bool
covers(enum obp_gtid_kind kind, const char *have, const char *want)
{
    int                 rc;
    struct obp_gtid_set h = parse(kind, have, &rc);
    struct obp_gtid_set w = parse(kind, want, &rc);

    return obp_gtid_covers(&h, &w);
}

static void
test_mariadb(void)
{
    int                 rc;
    struct obp_gtid_set s = parse(OBP_GTID_MARIADB, "0-1-100,1-2-57", &rc);

    tap_ok(rc == OBP_OK && s.kind == OBP_GTID_MARIADB && s.n == 2
           && s.src[0].hi == 100 && s.src[1].hi == 57 && s.src[1].id[0] == 1
           && !s.cut, "MariaDB: two domains");
    s = parse(OBP_GTID_MARIADB, "4294967295-1-18446744073709551615", &rc);
    tap_ok(rc == OBP_OK && s.n == 1 && s.src[0].hi == UINT64_MAX
           && s.src[0].id[3] == 0xff, "MariaDB: the largest numbers");
    s = parse(OBP_GTID_MARIADB, "", &rc);
    tap_ok(rc == OBP_OK && s.kind == OBP_GTID_NONE, "empty: nothing known");
    s = parse(OBP_GTID_MARIADB, "0-1-1,1-1-1,2-1-1,3-1-1,4-1-1,5-1-1,"
              "6-1-1,7-1-1,8-1-1", &rc);
    tap_ok(rc == OBP_OK && s.n == OBP_GTID_SRCS && s.cut,
           "nine domains: eight kept, cut");
    tap_ok(covers(OBP_GTID_MARIADB, "0-1-100,1-2-57", "1-2-57,0-1-99"),
           "covers: each domain at or past");
    tap_ok(!covers(OBP_GTID_MARIADB, "0-1-100,1-2-56", "0-1-100,1-2-57"),
           "one domain behind: not covered");
    tap_ok(!covers(OBP_GTID_MARIADB, "0-1-100", "0-1-5,2-1-1"),
           "a domain the replica lacks: not covered");
    tap_ok(covers(OBP_GTID_MARIADB, "0-3-100", "0-1-100"),
           "another server id, same domain and number: covered");
    tap_ok(!covers(OBP_GTID_MARIADB, "0-1-1,1-1-1,2-1-1,3-1-1,4-1-1,5-1-1,"
                   "6-1-1,7-1-1,8-1-1", "0-1-1,1-1-1,2-1-1,3-1-1,4-1-1,"
                   "5-1-1,6-1-1,7-1-1,8-1-1"),
           "a cut primary position is never covered");
    tap_ok(!covers(OBP_GTID_MARIADB, "", "") && !covers(OBP_GTID_MARIADB,
                                                        "0-1-5", ""),
           "nothing known: not covered");
}

static void
test_mysql(void)
{
    int                 rc;
    struct obp_gtid_set s = parse(OBP_GTID_MYSQL, U1 ":1-5:11-47:50,\n"
                                  U2 ":1-3", &rc);

    tap_ok(rc == OBP_OK && s.kind == OBP_GTID_MYSQL && s.n == 2
           && s.src[0].lo == 50 && s.src[0].hi == 50 && s.src[1].lo == 1
           && s.src[1].hi == 3 && s.src[0].id[0] == 0x3e
           && s.src[0].id[15] == 0x62, "MySQL: two uuids, their last "
           "intervals");
    s = parse(OBP_GTID_MYSQL, U1 ":1-5:tag_a:1-9," U2 ":7", &rc);
    tap_ok(rc == OBP_OK && s.n == 2 && s.cut && s.src[0].hi == 5,
           "a tag: its intervals left out, cut");
    tap_ok(covers(OBP_GTID_MYSQL, U1 ":1-100," U2 ":1-7", U1 ":1-100"),
           "covers: the uuid's last number inside the interval");
    tap_ok(covers(OBP_GTID_MYSQL, U2 ":1-9,\n" U1 ":1-40:42-100",
                  U1 ":1-99," U2 ":1-9"), "covers: several uuids, "
           "any order, a gap before");
    tap_ok(!covers(OBP_GTID_MYSQL, U1 ":1-99", U1 ":1-100"),
           "one behind: not covered");
    tap_ok(!covers(OBP_GTID_MYSQL, U1 ":1-40:60-100", U1 ":1-50"),
           "the number in a gap: not covered");
    tap_ok(!covers(OBP_GTID_MYSQL, U1 ":1-100", U1 ":1-5," U2 ":1"),
           "a uuid the replica lacks: not covered");
    s = parse(OBP_GTID_MYSQL, U1 ":1-5", &rc);
    {
        struct obp_gtid_set m = parse(OBP_GTID_MARIADB, "0-1-5", &rc);

        tap_ok(!obp_gtid_covers(&s, &m) && !obp_gtid_covers(&m, &s),
               "kinds differ: not covered");
    }
}

static void
test_garbage(void)
{
    static const char *const bad[] = {
        "0-1", "0-1-", "-1-2", "0-1-2,", ",0-1-2", "0-1-2 1-1-1", "a-b-c",
        "0-1-18446744073709551616", "4294967296-1-1", "0--1-2", "0-1-2;",
    };
    static const char *const bad_mysql[] = {
        U1, U1 ":", U1 ":0", U1 ":5-3", U1 ":1-", U1 "x:1",
        "3e11fa47-71ca-11e1-9e33-c80aa942956:1", U1 ":1,", U1 ":1:-2",
        "3e11fa47x71ca-11e1-9e33-c80aa9429562:1", U1 ":9223372036854775808",
        U1 ":1:tag_of_thirty_three_characters_xy:1",
    };
    size_t              big = OBP_GTID_TEXT_MAX + 1;
    char               *text = malloc(big + 1);
    struct obp_gtid_set s;
    int                 rc, fails = 0;

    for (size_t i = 0; i < OBP_NELEMS(bad); i++) {
        s = parse(OBP_GTID_MARIADB, bad[i], &rc);
        if (rc != OBP_ERROR || s.kind != OBP_GTID_NONE) {
            tap_diag(bad[i]);
            fails++;
        }
    }
    for (size_t i = 0; i < OBP_NELEMS(bad_mysql); i++) {
        s = parse(OBP_GTID_MYSQL, bad_mysql[i], &rc);
        if (rc != OBP_ERROR || s.kind != OBP_GTID_NONE) {
            tap_diag(bad_mysql[i]);
            fails++;
        }
    }
    tap_ok(fails == 0, "malformed positions refused");
    if (text == NULL)
        return;
    for (size_t i = 0; i < big; i += 6)
        memcpy(text + i, "0-1-1,", big - i < 6 ? big - i : 6);
    tap_ok(obp_gtid_parse(&s, OBP_GTID_MARIADB, text, big) == OBP_ERROR
           && s.kind == OBP_GTID_NONE, "over OBP_GTID_TEXT_MAX: refused");
    tap_ok(obp_gtid_parse(&s, OBP_GTID_NONE, "0-1-1", 5) == OBP_ERROR,
           "no kind: refused");
    free(text);
}

static void
test_format(void)
{
    int                 rc;
    char                buf[128];
    struct obp_gtid_set s = parse(OBP_GTID_MARIADB, "0-1-100,1-2-57", &rc);

    obp_gtid_format(&s, buf, sizeof(buf));
    tap_is_str(buf, "0:100,1:57", "format: MariaDB's domain:seq_no");
    s = parse(OBP_GTID_MYSQL, U1 ":1-5:7-9," U2 ":3", &rc);
    obp_gtid_format(&s, buf, sizeof(buf));
    tap_is_str(buf, U1 ":7-9," U2 ":3-3", "format: MySQL's last intervals");
    obp_gtid_format(&s, buf, 60);
    tap_is_str(buf, U1 ":7-9,...", "  short of room: cut");
    s = parse(OBP_GTID_MARIADB, "", &rc);
    obp_gtid_format(&s, buf, sizeof(buf));
    tap_is_str(buf, "", "  nothing known: empty");
}

static void
test_segment(void)
{
    struct obp_shm      shm;
    struct obp_addr     a;
    struct obp_gtid_set s, got;
    struct obp_probe_result r = { .read_only = 1, .lag_us = 0 };
    char                err[80];
    int64_t             read_us = -1;
    int                 rc, i;

    if (obp_shm_create(&shm, 1, 1024 * 1024) != OBP_OK
        || obp_addr_parse(&a, "127.0.0.1:3301", err, sizeof(err)) != OBP_OK
        || (i = obp_bl_register(&shm, &a)) < 0) {
        tap_ok(0, "segment");
        return;
    }
    tap_ok(obp_srvstate_gtid(&shm, i, &got, &read_us) == OBP_OK
           && got.kind == OBP_GTID_NONE && read_us == 0,
           "registered: no position");
    s = parse(OBP_GTID_MARIADB, "0-1-100,1-2-57", &rc);
    r.gtid = s;
    obp_srvstate_probed(&shm, i, 20, 7, &r);
    tap_ok(obp_srvstate_gtid(&shm, i, &got, &read_us) == OBP_OK
           && memcmp(&got, &s, sizeof(s)) == 0 && read_us == 7,
           "probed: the position and its round's start");
    obp_srvstate_missed(&shm, i, 30, true, 3);
    tap_ok(obp_srvstate_gtid(&shm, i, &got, &read_us) == OBP_OK
           && got.n == 2 && read_us == 7, "a missed probe keeps it");
    atomic_store(&obp_shm_gtid(&shm, (unsigned)i)->seq, 5);
    tap_ok(obp_srvstate_gtid(&shm, i, &got, &read_us) == OBP_ERROR,
           "a writer died mid-write: no position");
    obp_srvstate_probed(&shm, i, 40, 9, &r);
    tap_ok(obp_srvstate_gtid(&shm, i, &got, &read_us) == OBP_OK
           && read_us == 9, "the next probe heals it");
    tap_ok(obp_srvstate_gtid(&shm, OBP_SHM_MAX_SERVERS, &got, &read_us)
           == OBP_ERROR && obp_srvstate_gtid(&shm, -1, &got, &read_us)
           == OBP_ERROR, "past the table: none");
    obp_shm_detach(&shm);
}

int
main(void)
{
    test_mariadb();
    test_mysql();
    test_garbage();
    test_format();
    test_segment();
    return tap_done();
}
