/*
 * What a login's tenant decides before any server is touched, once the
 * login name is known (clogin.c: a login or a COM_CHANGE_USER): its
 * white_list (ODP-REFERENCE 13.1) and whether its enable_client_ssl and
 * ssl_attributes demand TLS (13.2), each the tenant's row, else its
 * cluster's, else the parameter (shared/level.h).
 */
#ifndef OBP_WORKER_TENANT_H
#define OBP_WORKER_TENANT_H

#include <stdbool.h>

struct obp_session;

/*
 * True when the login of <s> is refused (the refusal logged, counted
 * and sent, the session closing): a client address the white_list does
 * not name gets 1045 as a wrong password would (<password>: the client
 * gave one), a login without TLS that ENABLE_FORCE demands gets 3159.
 */
bool obp_tenant_refused(struct obp_session *s, bool password);

#endif
