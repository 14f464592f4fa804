/*
 * Micro-benchmark of the routing decision's CPU cost per statement: the
 * classifier (sqlclass.h), turning the key's value into a partition-key
 * value, and the partition calculation (part.h), for a sysbench point
 * select on a table partitioned by HASH(id) into 3 partitions:
 *
 *   text      SELECT c FROM sbtest1 WHERE id=123 (COM_QUERY): classify,
 *             convert the literal, calculate
 *   prepared  SELECT c FROM sbtest1 WHERE id=? with a COM_STMT_EXECUTE
 *             packet binding 123 as LONGLONG: classify the statement's
 *             text, decode the parameter (psparam.h), calculate
 *
 * Each is timed over many iterations with CLOCK_MONOTONIC, best of a few
 * rounds (the least disturbed by the rest of the machine), and printed
 * in nanoseconds per statement.  contrib/bench/run.sh builds and runs it
 * (BENCH_TESTS=micro) against the tree's shared/libobpshared.a.
 *
 * Usage: micro [iterations]   (default 2000000)
 */
#include "obp.h"
#include "part.h"
#include "psparam.h"
#include "sqlclass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS      5
#define PARTS       3
#define TARGET_NS   1000.0

static const char text_sql[] = "SELECT c FROM sbtest1 WHERE id=123";
static const char ps_sql[] = "SELECT c FROM sbtest1 WHERE id=?";

/* The execute packet: cmd, id, flags, iterations, bitmap, bound, type,
 * value. */
static const uint8_t exec_pkt[] = {
    0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0,
    0x00, 1, 8, 0,
    123, 0, 0, 0, 0, 0, 0, 0
};

static struct obp_sql_class cls;
static struct obp_part_desc *desc;
static const struct obp_sql_name key = { "id", 2, 0, false };
static volatile int64_t sink;

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* An integer literal of the classifier as a key value, or UNKNOWN. */
static struct obp_part_value
int_value(const struct obp_sql_value *sv)
{
    struct obp_part_value v = { .kind = OBP_PV_UNKNOWN };
    uint64_t m = 0;
    size_t i;

    if (sv->type != OBP_SQL_V_INT || sv->text.n == 0 || sv->text.n > 18)
        return v;
    for (i = 0; i < sv->text.n; i++)
        m = m * 10 + (uint64_t)(sv->text.s[i] - '0');
    v.kind = OBP_PV_INT;
    v.i = sv->negative ? -(int64_t)m : (int64_t)m;
    return v;
}

/* The partition of the statement's single key value, or -1. */
static int
calc(const struct obp_part_value *v)
{
    struct obp_part_result r;

    if (obp_part_calc(desc, v, 1, NULL, 0, &r) != OBP_PART_COMPUTED)
        return -1;
    return r.part_idx;
}

static int
one_text(void)
{
    struct obp_part_value v;

    obp_sql_classify(&cls, text_sql, sizeof(text_sql) - 1, OBP_SQL_BACKSLASH,
                     &key, 1);
    if (cls.columns[0].state != OBP_SQL_COL_VALUES
        || cls.columns[0].nvalues != 1)
        return -1;
    v = int_value(&cls.columns[0].values[0]);
    return calc(&v);
}

static int
one_prepared(void)
{
    struct obp_part_value params[1];
    char scratch[OBP_PSPARAM_SCRATCH(1)];
    const struct obp_sql_value *sv;

    obp_sql_classify(&cls, ps_sql, sizeof(ps_sql) - 1, OBP_SQL_BACKSLASH,
                     &key, 1);
    if (cls.columns[0].state != OBP_SQL_COL_VALUES
        || cls.columns[0].nvalues != 1)
        return -1;
    sv = &cls.columns[0].values[0];
    if (sv->type != OBP_SQL_V_PARAM || sv->param >= cls.nparams
        || obp_psparam_decode(exec_pkt, sizeof(exec_pkt),
                              (uint16_t)cls.nparams, NULL, NULL, scratch,
                              sizeof(scratch), params) != OBP_OK)
        return -1;
    return calc(&params[sv->param]);
}

/* Best nanoseconds per call of <fn> over ROUNDS rounds of <n> calls. */
static double
measure(int (*fn)(void), long n)
{
    double best = 0, t0, ns;
    int64_t acc;
    long i;
    int r;

    for (r = 0; r < ROUNDS; r++) {
        acc = 0;
        t0 = now_ns();
        for (i = 0; i < n; i++)
            acc += fn();
        ns = (now_ns() - t0) / (double)n;
        sink = acc;
        if (r == 0 || ns < best)
            best = ns;
    }
    return best;
}

static int
build_desc(void)
{
    struct obp_part_builder *b = obp_part_builder_new();
    char err[256];
    int rc;

    if (b == NULL)
        return OBP_ERROR;
    rc = obp_part_level(b, 1, "HASH", err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_part_column(b, 1, "id", "INT", NULL, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_part_count(b, 1, PARTS, err, sizeof(err));
    if (rc == OBP_OK)
        rc = obp_part_finish(b, &desc, err, sizeof(err));
    obp_part_builder_free(b);
    if (rc != OBP_OK)
        fprintf(stderr, "micro: partition description: %s\n", err);
    return rc;
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    double text_ns, ps_ns;

    if (n <= 0) {
        fprintf(stderr, "usage: micro [iterations]\n");
        return 2;
    }
    if (build_desc() != OBP_OK)
        return 1;
    /* 123 % 3 = 0: a wrong answer is a broken benchmark, not a number. */
    if (one_text() != 0 || one_prepared() != 0) {
        fprintf(stderr, "micro: the statements do not route to p0\n");
        return 1;
    }
    text_ns = measure(one_text, n);
    ps_ns = measure(one_prepared, n);
    printf("micro: classify + key value + partition, HASH(id) 3 partitions,"
           " best of %d x %ld\n", ROUNDS, n);
    printf("  text      %-40s %7.0f ns  %s\n", text_sql, text_ns,
           text_ns < TARGET_NS ? "met" : "NOT MET");
    printf("  prepared  %-40s %7.0f ns  %s\n", ps_sql, ps_ns,
           ps_ns < TARGET_NS ? "met" : "NOT MET");
    printf("  target < %.0f ns per statement\n", TARGET_NS);
    free(desc);
    return 0;
}
