/*
 * The proxy's own session variables (worker/proxyvar.c): each variable
 * and value form, scopes, several at once, DEFAULT, bad values, SETs that
 * are the server's (other variables, other statements), and every prefix
 * of the examples in a buffer of its exact size.
 */
#include "obp.h"

#include <stdlib.h>

#include "proxyvar.h"
#include "tap.h"

/* "weak/policy/idc" after <sql> on fresh variables, or "relay" / "bad". */
static void
run(const char *sql, char *out, size_t cap)
{
    struct obp_proxyvars pv;
    char                 err[160];
    size_t               len = strlen(sql);
    char                *copy = malloc(len > 0 ? len : 1);

    memcpy(copy, sql, len);
    obp_proxyvar_init(&pv);
    switch (obp_proxyvar_set(&pv, copy, len, 1, err, sizeof(err))) {
    case OBP_PROXYVAR_SET:
        snprintf(out, cap, "%d/%s/%s", pv.weak, pv.policy, pv.idc);
        break;
    case OBP_PROXYVAR_BAD:
        snprintf(out, cap, "bad: %s", err);
        break;
    default:
        snprintf(out, cap, "relay");
        break;
    }
    free(copy);
}

static void
is(const char *sql, const char *want)
{
    char out[256];

    run(sql, out, sizeof(out));
    tap_is_str(out, want, sql);
}

int
main(void)
{
    static const char *const examples[] = {
        "SET ob_read_consistency = 'weak'",
        "SET SESSION ob_read_consistency = 3, proxy_session_ldc = 'idc2'",
        "set @@session.proxy_route_policy = FOLLOWER_ONLY;",
    };
    static const char *const seq[] = {
        "SET ob_read_consistency = 2",
        "SET ob_read_consistency = 3, x = 1",
        "SET proxy_session_ldc = 'an-idc-name-longer-than-sixty-four-bytes-"
        "is-refused-xxxxxxxxxxxxxxxxxxxxxxxxx'",
    };
    struct obp_proxyvars pv;
    char                 err[160];
    bool                 ended = true;

    is("SET ob_read_consistency = 'weak'", "1//");
    is("SET ob_read_consistency = WEAK", "1//");
    is("set ob_read_consistency=2", "1//");
    is("SET ob_read_consistency = 'FROZEN'", "1//");
    is("SET ob_read_consistency = 3", "0//");
    is("SET @@ob_read_consistency = 'Strong'", "0//");
    is("SET @@session.ob_read_consistency = DEFAULT", "-1//");
    is("SET LOCAL `ob_read_consistency` := 2;", "1//");
    is("SET proxy_route_policy = 'FOLLOWER_FIRST'", "-1/FOLLOWER_FIRST/");
    is("SET SESSION ob_read_consistency = 3, proxy_session_ldc = 'idc2'",
       "0//idc2");
    is("/* c */ SET proxy_session_ldc = DEFAULT", "-1//");
    is("SET ob_read_consistency = 4",
       "bad: Variable 'ob_read_consistency' can't be set to the value of "
       "'4'");
    is("SET ob_read_consistency = 'maybe'",
       "bad: Variable 'ob_read_consistency' can't be set to the value of "
       "'maybe'");
    is("SET ob_read_consistency = 2, sql_mode = ''", "relay");
    is("SET sql_mode = '', ob_read_consistency = 2", "relay");
    is("SET GLOBAL ob_read_consistency = 2", "relay");
    is("SET @ob_read_consistency = 2", "relay");
    is("SET ob_read_consistency = 2; SELECT 1", "relay");
    is("SELECT 1", "relay");
    is("SET", "relay");
    is("", "relay");

    obp_proxyvar_init(&pv);
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
        obp_proxyvar_set(&pv, seq[i], strlen(seq[i]), 1, err, sizeof(err));
    tap_is_int(pv.weak, 1, "a relayed or refused SET changes nothing");
    tap_is_str(pv.idc, "", "a name too long is refused");

    for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
        size_t n = strlen(examples[i]);

        for (size_t k = 0; k <= n; k++) {
            char *copy = malloc(k > 0 ? k : 1);

            memcpy(copy, examples[i], k);
            obp_proxyvar_init(&pv);
            ended = ended && obp_proxyvar_set(&pv, copy, k, 0, err,
                                              sizeof(err)) <= OBP_PROXYVAR_BAD;
            free(copy);
        }
    }
    tap_ok(ended, "every prefix of the examples ends");
    return tap_done();
}
