/*
 * Login names in ODP's forms (ODP-REFERENCE 9.1):
 *   user, user@tenant, user@tenant#cluster, user@tenant#cluster:cluster_id
 *   cluster<sep>tenant<sep>user[<sep>cluster_id]
 * where <sep> is the first character of the username_separator list
 * (default ":;-;.", i.e. ':', '-', '.') that appears at least twice.
 */
#ifndef OBP_SHARED_LOGIN_H
#define OBP_SHARED_LOGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_NAME_MAX 128    /* user, tenant and cluster names, NUL included */

struct obp_login_name {
    char    user[OBP_NAME_MAX];
    char    tenant[OBP_NAME_MAX];     /* "" when not given */
    char    cluster[OBP_NAME_MAX];    /* "" when not given */
    int64_t cluster_id;               /* -1 when not given */
};

/*
 * Parses <name> (<len> bytes, not NUL-terminated) with the separators of
 * <separators> (a username_separator value).  OBP_ERROR with a phrase in
 * <err> for an empty user, a part longer than OBP_NAME_MAX - 1 or a bad
 * cluster id.
 */
int obp_login_name_parse(struct obp_login_name *out, const char *name,
                         size_t len, const char *separators, char *err,
                         size_t errlen);

#endif
