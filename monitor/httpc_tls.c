/*
 * https for the monitor's HTTP client (httpc.h): OpenSSL on the client's
 * non-blocking socket, the handshake driven by the loop like the rest of
 * the GET, the server's certificate verified against the system's CA
 * store and config_server_ssl_ca, its name against the URL's host (SNI
 * sent for a name).
 */
#include "monitor.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

static bool
tls_is_ip(const char *host)
{
    unsigned char a[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, host, a) == 1
           || inet_pton(AF_INET6, host, a) == 1;
}

/* Why <rc> of an SSL call failed, in c->why: the certificate's or else. */
static void
tls_why(struct obp_httpc *c, int rc, const char *what)
{
    int           e = SSL_get_error(c->ssl, rc);
    long          v = SSL_get_verify_result(c->ssl);
    unsigned long q = ERR_peek_last_error();
    char          text[160];

    if (v != X509_V_OK)
        snprintf(c->why, sizeof(c->why), "%s: the certificate is refused: "
                 "%s", what, X509_verify_cert_error_string(v));
    else if (e == SSL_ERROR_SYSCALL && q == 0)
        snprintf(c->why, sizeof(c->why), "%s: %s", what,
                 errno != 0 ? strerror(errno) : "the connection closed");
    else if (e == SSL_ERROR_ZERO_RETURN)
        snprintf(c->why, sizeof(c->why), "%s: the connection closed", what);
    else {
        ERR_error_string_n(q, text, sizeof(text));
        snprintf(c->why, sizeof(c->why), "%s: %.120s", what, text);
    }
    ERR_clear_error();
}

int
obp_httpc_tls_start(struct obp_httpc *c, const char *host)
{
    char err[400];
    bool ok;

    c->ctx = obp_tls_verify_ctx(c->ca, NULL, err, sizeof(err));
    if (c->ctx == NULL) {
        snprintf(c->why, sizeof(c->why), "TLS: %.140s", err);
        return OBP_ERROR;
    }
    c->ssl = SSL_new(c->ctx);
    ok = c->ssl != NULL && SSL_set_fd(c->ssl, c->fd) == 1;
    if (ok && tls_is_ip(host)) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host)
             == 1;
    } else if (ok) {
        SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = SSL_set_tlsext_host_name(c->ssl, host) == 1
             && SSL_set1_host(c->ssl, host) == 1;
    }
    if (!ok) {
        ERR_error_string_n(ERR_get_error(), err, sizeof(err));
        ERR_clear_error();
        snprintf(c->why, sizeof(c->why), "TLS: %.140s", err);
        return OBP_ERROR;
    }
    SSL_set_connect_state(c->ssl);
    return OBP_OK;
}

/* The events an SSL call waits for, from its <rc>; 0: it failed. */
static int
tls_wants(struct obp_httpc *c, int rc)
{
    switch (SSL_get_error(c->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
        return EV_READ;
    case SSL_ERROR_WANT_WRITE:
        return EV_WRITE;
    default:
        return 0;
    }
}

int
obp_httpc_tls_handshake(struct obp_httpc *c, int *events)
{
    int rc;

    ERR_clear_error();
    errno = 0;
    rc = SSL_do_handshake(c->ssl);
    if (rc == 1)
        return OBP_OK;
    if ((*events = tls_wants(c, rc)) != 0)
        return OBP_AGAIN;
    tls_why(c, rc, "TLS handshake");
    return OBP_ERROR;
}

ssize_t
obp_httpc_tls_io(struct obp_httpc *c, char *buf, size_t len, bool wr,
                 int *events)
{
    size_t n = 0;
    int    rc;

    ERR_clear_error();
    errno = 0;
    rc = wr ? SSL_write_ex(c->ssl, buf, len, &n)
         : SSL_read_ex(c->ssl, buf, len, &n);
    if (rc == 1)
        return (ssize_t)n;
    if (!wr && SSL_get_error(c->ssl, rc) == SSL_ERROR_ZERO_RETURN)
        return 0;
    if ((*events = tls_wants(c, rc)) != 0)
        return -1;
    tls_why(c, rc, wr ? "TLS send" : "TLS recv");
    return -2;
}

void
obp_httpc_tls_free(struct obp_httpc *c)
{
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    c->ssl = NULL;
    c->ctx = NULL;
}
