/*
 * Unit tests for the server states the monitor writes (srvstate.h) and
 * the back-off of the blocklist (blocklist.h): what routing's predicates
 * answer for each state, detect-dead after the threshold, revival, the
 * shared back-off after a failure (one try at a time, growing, bounded),
 * and the status text.
 */
#include "obp.h"

#include "tap.h"

#define S  INT64_C(1000000)

static struct obp_shm   shm;
static struct obp_conf *conf;

static int
add(const char *text)
{
    struct obp_addr a;
    char            err[80];

    if (obp_addr_parse(&a, text, err, sizeof(err)) != OBP_OK)
        return -1;
    return obp_bl_register(&shm, &a);
}

static void
test_unknown(int i)
{
    struct obp_srvstate st;

    tap_ok(obp_srvstate_get(&shm, i, &st) == OBP_OK
           && st.detect == OBP_DETECT_NONE && st.read_only == -1
           && st.lag_us == -1 && st.repl == 0, "registered: nothing known");
    tap_ok(obp_srvstate_readable(&shm, i, 10 * S, 0),
           "never probed: readable");
    tap_ok(obp_srvstate_writable(&shm, i), "never probed: writable");
    tap_ok(obp_srvstate_readable(&shm, 999, 10 * S, 0)
           && obp_srvstate_get(&shm, 999, &st) == OBP_ERROR,
           "past the table: readable, no state");
}

static void
test_replica(int i)
{
    struct obp_probe_result r = {
        .read_only = 1, .lag_us = 2 * S,
        .repl = OBP_REPL_KNOWN | OBP_REPL_REPLICA | OBP_REPL_IO | OBP_REPL_SQL
    };

    obp_srvstate_probed(&shm, i, 10 * S, 10 * S, &r);
    tap_ok(!obp_srvstate_writable(&shm, i), "read_only 1: not writable");
    tap_ok(obp_srvstate_readable(&shm, i, 10 * S, -1), "lag 2s, no limit");
    tap_ok(obp_srvstate_readable(&shm, i, 10 * S, 3 * S), "lag 2s <= 3s");
    tap_ok(!obp_srvstate_readable(&shm, i, 10 * S, 1 * S), "lag 2s > 1s");
    tap_ok(!obp_srvstate_readable(&shm, i, 12 * S, 3 * S),
           "lag 2s read 2s ago: 4s > 3s");
    r.repl &= ~OBP_REPL_SQL;
    r.lag_us = -1;
    obp_srvstate_probed(&shm, i, 20 * S, 20 * S, &r);
    tap_ok(!obp_srvstate_readable(&shm, i, 20 * S, -1),
           "SQL thread stopped: no reads, whatever the limit");
    r.repl |= OBP_REPL_SQL;
    obp_srvstate_probed(&shm, i, 21 * S, 21 * S, &r);
    tap_ok(!obp_srvstate_readable(&shm, i, 21 * S, 5 * S)
           && obp_srvstate_readable(&shm, i, 21 * S, -1),
           "lag unknown: no reads under a limit");
    obp_srvstate_missed(&shm, i, 22 * S, false, 3);
    tap_ok(!obp_srvstate_readable(&shm, i, 22 * S, -1)
           && obp_srvstate_writable(&shm, i),
           "a replica's probe failed: no reads; read_only unknown: writable");
}

static void
test_detect(int i)
{
    struct obp_probe_result r = { .read_only = 0, .repl = OBP_REPL_KNOWN,
                                  .lag_us = -1 };
    char                    line[256];

    obp_srvstate_probed(&shm, i, 1 * S, 1 * S, &r);
    tap_ok(!obp_srvstate_missed(&shm, i, 2 * S, false, 3)
           && !obp_srvstate_missed(&shm, i, 3 * S, false, 3)
           && !obp_srvstate_missed(&shm, i, 4 * S, false, 3)
           && !obp_srvstate_dead(&shm, i), "not detecting: never dead");
    tap_ok(!obp_srvstate_missed(&shm, i, 2 * S, true, 3)
           && !obp_srvstate_missed(&shm, i, 3 * S, true, 3),
           "two failures of three: alive");
    tap_ok(obp_srvstate_missed(&shm, i, 4 * S, true, 3)
           && obp_srvstate_dead(&shm, i), "the third: detect-dead");
    tap_ok(!obp_srvstate_missed(&shm, i, 5 * S, true, 3),
           "a fourth: already dead, said once");
    tap_ok(!obp_srvstate_readable(&shm, i, 5 * S, -1)
           && !obp_srvstate_writable(&shm, i),
           "dead: neither reads nor writes");
    tap_ok(!obp_bl_may_try(&shm, i, 100 * S, conf)
           && obp_bl_blocked(&shm, i, 100 * S, conf),
           "dead: no session tries it");
    obp_bl_describe(&shm, i, 5 * S, line, sizeof(line));
    tap_is_str(line, "127.0.0.1:3302 alive; detect dead (4 failed)",
               "status: detect dead");
    tap_ok(obp_srvstate_probed(&shm, i, 6 * S, 6 * S, &r)
           && obp_bl_may_try(&shm, i, 6 * S, conf), "an answer revives it");
    obp_bl_describe(&shm, i, 6 * S, line, sizeof(line));
    tap_is_str(line, "127.0.0.1:3302 alive; detect alive, read_only 0",
               "status: detect alive, read_only 0");
    obp_gtid_parse(&r.gtid, OBP_GTID_MARIADB, "0-1-42", 6);
    obp_srvstate_probed(&shm, i, 7 * S, 7 * S, &r);
    obp_bl_describe(&shm, i, 7 * S, line, sizeof(line));
    tap_is_str(line, "127.0.0.1:3302 alive; detect alive, read_only 0, "
               "gtid 0:42", "status: the replication position");
}

static void
test_backoff(int i)
{
    int64_t t = 1000 * S;

    tap_ok(!obp_bl_failed(&shm, i, false, t, conf), "a timeout: not blocked");
    tap_ok(!obp_bl_may_try(&shm, i, t, conf)
           && obp_bl_blocked(&shm, i, t, conf), "backing off: skipped");
    tap_ok(!obp_bl_may_try(&shm, i, t + S / 4 - 1, conf),
           "... for at least 0.25 s");
    tap_ok(obp_bl_may_try(&shm, i, t + S / 2, conf),
           "after 0.5 s: one try");
    tap_ok(!obp_bl_may_try(&shm, i, t + S / 2, conf),
           "one at a time: the next caller waits");
    tap_ok(!obp_bl_failed(&shm, i, false, t + S, conf)
           && !obp_bl_may_try(&shm, i, t + S + S / 2 - 1, conf)
           && obp_bl_may_try(&shm, i, t + 2 * S, conf),
           "the second failure: 0.5 to 1 s");
    obp_bl_ok(&shm, i);
    tap_ok(obp_bl_may_try(&shm, i, t + 2 * S, conf)
           && obp_bl_may_try(&shm, i, t + 2 * S, conf)
           && !obp_bl_blocked(&shm, i, t + 2 * S, conf),
           "an answer ends the back-off");
    for (int n = 0; n < 4; n++)
        obp_bl_failed(&shm, i, false, t + 3 * S, conf);
    tap_ok(obp_bl_may_try(&shm, i, t + 3 * S + 4 * S, conf),
           "the fourth: at most 4 s");
    tap_ok(obp_bl_failed(&shm, i, false, t + 8 * S, conf),
           "the fifth blocks (congestion_failure_threshold)");
    tap_ok(!obp_bl_release(&shm, i, t + 9 * S, conf),
           "a probe answered: still blocked (min_keep_congestion_interval)");
    tap_ok(obp_bl_release(&shm, i, t + 8 * S + conf
                          ->min_keep_congestion_interval, conf)
           && obp_bl_may_try(&shm, i, t + 29 * S, conf),
           "after min_keep_congestion_interval: unblocked");
}

/* The metadata's states (OBP_OB_*): out of routing as detect-dead. */
static void
test_ob_state(int i)
{
    char line[512];

    tap_ok(!obp_srvstate_out(&shm, i)
           && obp_srvstate_ob_set(&shm, i, OBP_OB_ACTIVE) == OBP_OB_NONE
           && !obp_srvstate_out(&shm, i)
           && !obp_bl_blocked(&shm, i, 10 * S, conf),
           "ob state: none, then ACTIVE: serving");
    for (uint32_t st = OBP_OB_INACTIVE; st <= OBP_OB_UPGRADE; st++) {
        obp_srvstate_ob_set(&shm, i, st);
        tap_ok(obp_srvstate_out(&shm, i)
               && obp_bl_blocked(&shm, i, 10 * S, conf)
               && !obp_bl_may_try(&shm, i, 10 * S, conf),
               obp_srvstate_ob_name(st));
    }
    obp_srvstate_ob_set(&shm, i, OBP_OB_INACTIVE);
    tap_ok(obp_bl_describe(&shm, i, 10 * S, line, sizeof(line)) == OBP_OK
           && strstr(line, ", oceanbase INACTIVE") != NULL,
           "ob state: described");
    tap_ok(obp_srvstate_ob_set(&shm, i, OBP_OB_ACTIVE) == OBP_OB_INACTIVE
           && !obp_bl_blocked(&shm, i, 10 * S, conf)
           && obp_bl_may_try(&shm, i, 10 * S, conf),
           "ob state: ACTIVE again, serving again");
    obp_srvstate_ob_set(&shm, i, OBP_OB_DELETING);
    obp_srvstate_reset(&shm, i);
    tap_ok(!obp_srvstate_out(&shm, i), "ob state: a reset forgets it");
}

int
main(void)
{
    int a, b, c, d;

    conf = obp_conf_new();
    if (conf == NULL || obp_shm_create(&shm, 1, 1024 * 1024) != OBP_OK) {
        printf("Bail out! setup\n");
        return 1;
    }
    a = add("127.0.0.1:3301");
    b = add("127.0.0.1:3302");
    c = add("127.0.0.1:3303");
    d = add("127.0.0.1:3304");
    test_unknown(a);
    test_replica(a);
    test_detect(b);
    test_backoff(c);
    test_ob_state(d);
    obp_shm_detach(&shm);
    obp_conf_free(conf);
    return tap_done();
}
