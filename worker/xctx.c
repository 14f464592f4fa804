/*
 * A worker's transport settings (xport.h): its two TLS contexts, built
 * again on each new configuration (sessions keep the context they
 * started with: OpenSSL counts the references), whether the handshake
 * offers TLS, and its deflate stream.  A tenant's rows (level_tls.h)
 * may ask for a context the parameters do not.
 */
#include "worker.h"

#include <stdlib.h>

/* The context of <param>, or NULL with an ERROR line: TLS off there. */
static SSL_CTX *
built(SSL_CTX *ctx, const char *param, const char *err, int slot)
{
    if (ctx == NULL)
        obp_log(OBP_LOG_ERROR, 0, 0, "worker %d: %s: %s; TLS is off",
                slot, param, err);
    return ctx;
}

/*
 * Whether the handshake offers TLS: enable_client_ssl without
 * DISABLE_FORCE, or a tenant's row turning it on (its tenant is known
 * only after the handshake).
 */
static bool
offer(const struct obp_conf *conf)
{
    struct obp_tls_attrs a;
    char                 err[160];

    if (obp_level_any_true(conf, "enable_client_ssl"))
        return true;
    if (obp_tls_attrs_parse(conf->ssl_attributes, &a, err, sizeof(err))
        != OBP_OK)
        a.use = OBP_TLS_USE_OPTIONAL;
    return conf->enable_client_ssl && a.use != OBP_TLS_USE_NEVER;
}

void
obp_xport_ctx_apply(struct obp_xport_ctx *x, const struct obp_conf *conf,
                    int slot)
{
    char err[400];

    SSL_CTX_free(x->tls_srv);
    SSL_CTX_free(x->tls_cli);
    x->tls_srv = NULL;
    x->tls_cli = NULL;
    if (obp_level_tls_wanted(conf))
        x->tls_srv = built(obp_level_tls_server_ctx(conf, NULL, err,
                                                    sizeof(err)),
                           "enable_client_ssl", err, slot);
    if (conf->enable_server_ssl
        || obp_level_any_true(conf, "enable_server_ssl"))
        x->tls_cli = built(obp_tls_client_ctx(conf, NULL, err, sizeof(err)),
                           "enable_server_ssl", err, slot);
    x->offer_tls = x->tls_srv != NULL && offer(conf);
    if (obp_zip_level(conf->compression_algorithm, &x->zlevel) != OBP_OK)
        x->zlevel = Z_DEFAULT_COMPRESSION;
}

bool
obp_xport_ctx_server_changed(const struct obp_conf *a,
                             const struct obp_conf *b)
{
    static const char *const names[] = {
        "enable_server_ssl", "enable_compression_protocol", "ssl_ca",
        "ssl_attributes",
    };
    const struct obp_param  *p;
    size_t                   i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        p = obp_param_find(names[i]);
        if (p != NULL && !obp_param_equal(a, b, p))
            return true;
    }
    /* a tenant's rows decide its server sessions' TLS too */
    return !obp_level_same(a, b, "enable_server_ssl")
           || !obp_level_same(a, b, "ssl_attributes");
}

void
obp_xport_ctx_free(struct obp_xport_ctx *x)
{
    SSL_CTX_free(x->tls_srv);
    SSL_CTX_free(x->tls_cli);
    x->tls_srv = NULL;
    x->tls_cli = NULL;
    if (x->zdef != NULL) {
        deflateEnd(x->zdef);
        free(x->zdef);
        x->zdef = NULL;
    }
}
