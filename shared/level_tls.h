/*
 * TLS by tenant (ODP-REFERENCE 13.2): ssl_config's key_info rows and the
 * proxy_config rows of enable_client_ssl, enable_server_ssl and
 * ssl_attributes.  The tenant is known only after the handshake, which
 * can show one certificate: the parameters' (ssl_public_key,
 * ssl_private_key, ssl_ca) when set, else the first key_info row's.
 * Used by level_check.c (a row), the master's checks of a whole
 * configuration and the workers' TLS contexts (worker/xctx.c).
 */
#ifndef OBP_SHARED_LEVEL_TLS_H
#define OBP_SHARED_LEVEL_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "level.h"

struct obp_conf;
struct obp_errs;

/* A key_info's files; the pointers point into <buf>. */
struct obp_keyinfo {
    const char *cert;               /* publicKey */
    const char *key;                /* privateKey */
    const char *ca;                 /* CA, "" when not given */
    char        buf[OBP_LEVEL_VALUE_MAX + 3];
    size_t      used;
};

/*
 * Parses key_info {"sourceType": "FILE", "CA": "...", "publicKey":
 * "...", "privateKey": "..."} (sourceType FILE, publicKey and
 * privateKey required).  OBP_ERROR with a phrase in <err>.
 */
int obp_keyinfo_parse(const char *json, struct obp_keyinfo *k, char *err,
                      size_t errlen);

/*
 * True when clients may be offered TLS: enable_client_ssl is on, or
 * some proxy_config row turns it on.
 */
bool obp_level_tls_wanted(const struct obp_conf *conf);

/*
 * The context clients are served with when obp_level_tls_wanted(): the
 * parameters' files, else the first key_info row's; NULL with a phrase
 * in <err>.  Relative paths are under <root> (NULL: the working
 * directory).
 */
SSL_CTX *obp_level_tls_server_ctx(const struct obp_conf *conf,
                                  const char *root, char *err,
                                  size_t errlen);

/* Adds an error for each key_info whose files cannot serve TLS. */
void obp_level_tls_check(const struct obp_conf *conf, const char *root,
                         struct obp_errs *errs);

#endif
