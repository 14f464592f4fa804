/*
 * ODP's session variables that the proxy keeps itself, as a MariaDB or
 * MySQL server does not know them (ODP-REFERENCE 7.2 to 7.4):
 *
 *   ob_read_consistency   2 or 'WEAK' (also 1, 'FROZEN'): reads are
 *                         weak; 3 or 'STRONG': strong; DEFAULT: as
 *                         obproxy_read_consistency says
 *   proxy_route_policy    a route policy for weak reads (router.h), ''
 *                         or DEFAULT: the parameter's
 *   proxy_session_ldc     the session's IDC, '' or DEFAULT: proxy_idc_name
 *
 * A SET that assigns only these ("SET ob_read_consistency = 'weak'",
 * "SET @@session.proxy_route_policy = FOLLOWER_ONLY, proxy_session_ldc =
 * 'idc2'") is answered by the proxy and never reaches a server; a SET
 * mixing them with other variables is the server's to refuse.  Callers:
 * sroute.c, and the unit test.
 */
#ifndef OBP_WORKER_PROXYVAR_H
#define OBP_WORKER_PROXYVAR_H

#include <stddef.h>

#define OBP_PROXYVAR_MAX 64     /* bytes of a policy or an IDC name */

struct obp_proxyvars {
    int  weak;                          /* 1 weak, 0 strong, -1 default */
    char policy[OBP_PROXYVAR_MAX];      /* "": the parameter's */
    char idc[OBP_PROXYVAR_MAX];         /* "": proxy_idc_name */
};

enum obp_proxyvar_rc {
    OBP_PROXYVAR_NOT_OURS,      /* not a SET of only these: relay it */
    OBP_PROXYVAR_SET,           /* applied to <pv>: answer OK */
    OBP_PROXYVAR_BAD            /* a value they cannot take: <err> */
};

/* The defaults: nothing set. */
void obp_proxyvar_init(struct obp_proxyvars *pv);

/*
 * Reads the statement <sql> (<len> bytes; <backslash>: strings take
 * backslash escapes) and applies it to <pv> when it sets only the
 * proxy's variables, all or nothing.
 */
enum obp_proxyvar_rc obp_proxyvar_set(struct obp_proxyvars *pv,
                                      const char *sql, size_t len,
                                      int backslash, char *err,
                                      size_t errlen);

#endif
