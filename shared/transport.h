/*
 * Transport settings: TLS contexts and the compressed protocol's level,
 * built from the parameters enable_client_ssl, enable_server_ssl,
 * ssl_public_key, ssl_private_key, ssl_ca, ssl_attributes and
 * compression_algorithm.  The master checks them when it loads a
 * configuration (a bad certificate refuses the configuration like a bad
 * value); each worker builds its own contexts from the same code.
 */
#ifndef OBP_SHARED_TRANSPORT_H
#define OBP_SHARED_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

struct obp_conf;
struct obp_errs;

/* ssl_attributes' using_ssl (ODP's JSON). */
enum obp_tls_use {
    OBP_TLS_USE_OPTIONAL,       /* a client chooses */
    OBP_TLS_USE_FORCE,          /* ENABLE_FORCE: clear logins fail */
    OBP_TLS_USE_NEVER           /* DISABLE_FORCE: TLS not offered */
};

struct obp_tls_attrs {
    enum obp_tls_use use;
    int              min_version;   /* TLS1_VERSION ..., 0: OpenSSL's */
};

/*
 * Parses ssl_attributes, e.g. {"using_ssl": "ENABLE_FORCE",
 * "min_tls_version": "TLSV1.2"}; "" gives the defaults.  OBP_ERROR with
 * a phrase in <err> for anything else.
 */
int obp_tls_attrs_parse(const char *json, struct obp_tls_attrs *a,
                        char *err, size_t errlen);

/*
 * The context clients are served with (certificate ssl_public_key, key
 * ssl_private_key, ssl_ca as extra trust), or NULL with a phrase in <err>.
 * Relative paths are under <root>, or the working directory when NULL.
 */
SSL_CTX *obp_tls_server_ctx(const struct obp_conf *conf, const char *root,
                            char *err, size_t errlen);

/* The files of a server context: the parameters' or a key_info's. */
struct obp_tls_keys {
    const char *cert;           /* PEM certificate (chain) */
    const char *key;            /* its PEM private key */
    const char *ca;             /* PEM CA certificates, "" or NULL: none */
    bool        key_info;       /* messages name key_info's members */
};

/* The same from the files of <k>; <conf> gives ssl_attributes. */
SSL_CTX *obp_tls_server_ctx_keys(const struct obp_conf *conf,
                                 const struct obp_tls_keys *k,
                                 const char *root, char *err, size_t errlen);

/*
 * The context servers are logged in with: their certificates are
 * verified against ssl_ca when it is set, else not verified.
 */
SSL_CTX *obp_tls_client_ctx(const struct obp_conf *conf, const char *root,
                            char *err, size_t errlen);

/*
 * The context an https config server is fetched with (monitor/httpc.h):
 * its certificate verified against the system's CA store and <ca> ("" or
 * NULL: none) besides; the caller checks the host name per connection.
 */
SSL_CTX *obp_tls_verify_ctx(const char *ca, const char *root, char *err,
                            size_t errlen);

/*
 * compression_algorithm: "" is zlib's default level, "zlib:N" level N
 * (0: packets framed but stored).  OBP_ERROR for anything else.
 */
int obp_zip_level(const char *algo, int *level);

/*
 * Adds an error for each transport setting that cannot be used, the
 * tenants' (level_tls.h) included.
 */
void obp_transport_check(const struct obp_conf *conf, const char *root,
                         struct obp_errs *errs);

#endif
