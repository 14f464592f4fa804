/*
 * Statement types from the first words, the tenant table's claims and
 * lookups, and the counting of a statement into a row (sqltype.h,
 * sqlstat.h).
 */
#include "obp.h"

#include "tap.h"

static void
types(void)
{
    static const struct {
        const char      *sql;
        enum obp_sqltype want;
    } cases[] = {
        { "SELECT 1", OBP_SQLTYPE_SELECT },
        { "  /* c */ select * from t", OBP_SQLTYPE_SELECT },
        { "WITH a AS (SELECT 1) SELECT * FROM a", OBP_SQLTYPE_SELECT },
        { "insert into t values (1)", OBP_SQLTYPE_INSERT },
        { "UPDATE t SET a = 1", OBP_SQLTYPE_UPDATE },
        { "DELETE FROM t", OBP_SQLTYPE_DELETE },
        { "REPLACE t VALUES (1)", OBP_SQLTYPE_REPLACE },
        { "START TRANSACTION READ ONLY", OBP_SQLTYPE_BEGIN },
        { "START SLAVE", OBP_SQLTYPE_OTHERS },
        { "begin", OBP_SQLTYPE_BEGIN },
        { "COMMIT", OBP_SQLTYPE_COMMIT },
        { "ROLLBACK", OBP_SQLTYPE_ROLLBACK },
        { "SET NAMES utf8mb4", OBP_SQLTYPE_SET },
        { "SHOW TABLES", OBP_SQLTYPE_SHOW },
        { "USE db", OBP_SQLTYPE_USE_DB },
        { "CALL p()", OBP_SQLTYPE_CALL },
        { "CREATE TABLE t (a INT)", OBP_SQLTYPE_CREATE },
        { "DROP TABLE t", OBP_SQLTYPE_DROP },
        { "DROP PREPARE s", OBP_SQLTYPE_TEXT_PS_DROP },
        { "DEALLOCATE PREPARE s", OBP_SQLTYPE_TEXT_PS_DROP },
        { "PREPARE s FROM 'SELECT 1'", OBP_SQLTYPE_TEXT_PS_PREPARE },
        { "EXECUTE s", OBP_SQLTYPE_TEXT_PS_EXECUTE },
        { "EXPLAIN SELECT 1", OBP_SQLTYPE_DESC },
        { "describe t", OBP_SQLTYPE_DESC },
        { "((SELECT 1) UNION (SELECT 2))", OBP_SQLTYPE_SELECT },
        { "XA START 'x'", OBP_SQLTYPE_BEGIN },
        { "XA COMMIT 'x'", OBP_SQLTYPE_COMMIT },
        { "XA RECOVER", OBP_SQLTYPE_OTHERS },
        { "/*!50000 SELECT */ 1", OBP_SQLTYPE_SELECT },
        { "SELEC 1", OBP_SQLTYPE_OTHERS },
        { "", OBP_SQLTYPE_OTHERS },
        { "'str'", OBP_SQLTYPE_OTHERS },
        { "FLUSH TABLES", OBP_SQLTYPE_OTHERS },
    };
    char name[96];

    for (size_t i = 0; i < OBP_NELEMS(cases); i++) {
        snprintf(name, sizeof(name), "\"%s\" is %s", cases[i].sql,
                 obp_sqltype_name(cases[i].want));
        tap_is_int(obp_sqltype_of(cases[i].sql, strlen(cases[i].sql),
                                  OBP_SQLLEX_BACKSLASH),
                   cases[i].want, name);
    }
    tap_ok(strcmp(obp_sqltype_name(OBP_SQLTYPE_USE_DB), "USE_DB") == 0,
           "names are ODP's: USE_DB");
    tap_ok(strcmp(obp_sqltype_name((enum obp_sqltype)999), "OTHERS") == 0,
           "an out of range type is OTHERS");
    tap_is_int(obp_sqltype_of_com(OBP_COM_INIT_DB), OBP_SQLTYPE_USE_DB,
               "COM_INIT_DB is USE_DB");
    tap_is_int(obp_sqltype_of_com(OBP_COM_PING), OBP_SQLTYPE_OTHERS,
               "COM_PING is OTHERS");
}

static void
tenants(void)
{
    static struct obp_shm_tenant table[OBP_SQLSTAT_TENANTS];
    char     name[16];
    unsigned a, b, full = 0;

    a = obp_sqlstat_tenant(table, "c1", "app", 11);
    b = obp_sqlstat_tenant(table, "c1", "other", 12);
    tap_ok(a != b && a < OBP_SQLSTAT_TENANTS && b < OBP_SQLSTAT_TENANTS,
           "two tenants, two entries");
    tap_is_int(obp_sqlstat_tenant(table, "c1", "app", 13), a,
               "a tenant already named is found");
    tap_ok(obp_sqlstat_tenant(table, "c2", "app", 13) != a,
           "the cluster is part of the name");
    tap_ok(atomic_load(&table[a].state) == OBP_SQLSTAT_READY,
           "an entry is ready once named");
    atomic_store(&table[OBP_SQLSTAT_TENANTS - 1].state, 99);
    for (int i = 0; i < OBP_SQLSTAT_TENANTS + 5; i++) {
        snprintf(name, sizeof(name), "t%d", i);
        full += obp_sqlstat_tenant(table, "c", name, 14)
                == OBP_SQLSTAT_OTHER;
    }
    tap_ok(full > 0, "past the table's size: the \"_other\" row");
    tap_ok(atomic_load(&table[OBP_SQLSTAT_TENANTS - 1].state) == 99,
           "an entry being named by another process is left alone");
}

static void
counting(void)
{
    static struct obp_sqlstat_row row, sum;
    struct obp_sqlstat_req        r = {
        .type = OBP_SQLTYPE_INSERT, .labels = OBP_SQLSTAT_FAIL,
        .prepare_us = 100, .server_us = 600, .total_us = 800,
        .transaction = true,
    };

    obp_sqlstat_add(&row, &r);
    r.prepare_us = -5;      /* a clock step: counted as 0 */
    r.server_us = 20000000;
    r.total_us = 20000000;
    r.transaction = false;
    obp_sqlstat_add(&row, &r);
    tap_is_int(atomic_load(&row.requests[OBP_SQLTYPE_INSERT]
                           [OBP_SQLSTAT_FAIL]), 2, "two failed INSERTs");
    tap_is_int(atomic_load(&row.cost_us[OBP_SQLTYPE_INSERT]
                           [OBP_SQLSTAT_SERVER]), 20000600,
               "their server time");
    tap_is_int(atomic_load(&row.cost_us[OBP_SQLTYPE_INSERT]
                           [OBP_SQLSTAT_PREPARE]), 100,
               "their prepare time, a negative one as 0");
    tap_is_int(atomic_load(&row.buckets[1]), 1, "800 us: the 1 ms bucket");
    tap_is_int(atomic_load(&row.buckets[OBP_SQLSTAT_BUCKETS - 1]), 1,
               "20 s: the +Inf bucket");
    tap_is_int(atomic_load(&row.transactions), 1, "one transaction");
    obp_sqlstat_sum(&sum, &row);
    obp_sqlstat_sum(&sum, &row);
    tap_is_int(atomic_load(&sum.total_us), 2 * 20000800,
               "summing two slots adds up");
}

/* Gauges summed over two slots, read signed; a slot cleared. */
static void
sessions(void)
{
    static struct obp_sqlstat_row slot[2], sum;

    obp_sqlstat_gauge(&slot[0], OBP_SQLSTAT_SESS_CLIENT, 1);
    obp_sqlstat_gauge(&slot[0], OBP_SQLSTAT_SESS_CLIENT, 1);
    obp_sqlstat_gauge(&slot[0], OBP_SQLSTAT_SESS_CLIENT, -1);
    obp_sqlstat_gauge(&slot[1], OBP_SQLSTAT_SESS_CLIENT, -1);
    obp_sqlstat_login(&slot[0], true);
    obp_sqlstat_login(&slot[1], false);
    obp_sqlstat_sum(&sum, &slot[0]);
    obp_sqlstat_sum(&sum, &slot[1]);
    tap_is_int((int64_t)atomic_load(&sum.sessions[OBP_SQLSTAT_SESS_CLIENT]),
               0, "the slots sum to 0 (wrapping values)");
    tap_is_int((int64_t)atomic_load(&slot[1].sessions[0]), -1,
               "  that slot's gauge reads -1 signed");
    tap_is_int(atomic_load(&sum.logins[1]) * 10 + atomic_load(&sum.logins[0]),
               11, "a login in, a login refused");
    obp_sqlstat_gauges_clear(slot, 2);
    tap_is_int(atomic_load(&slot[0].sessions[0])
               + atomic_load(&slot[1].sessions[0]), 0, "gauges cleared");
    tap_is_int(atomic_load(&slot[0].logins[1]), 1, "  counters kept");
}

int
main(void)
{
    types();
    tenants();
    counting();
    sessions();
    return tap_done();
}
