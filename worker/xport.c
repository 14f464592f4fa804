/*
 * The TLS half of xport.h and the glue: TLS reads ciphertext through a
 * memory BIO that this file fills from the socket (so bytes read before
 * TLS started can be handed over), and writes straight to the socket.
 * xzip.c packs and unpacks above it.
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#define TLS_TURNS 8     /* SSL_read/SSL_write retries per call */

static struct obp_xport *
xport_of(struct obp_conn *c)
{
    if (c->x == NULL)
        c->x = calloc(1, sizeof(*c->x));
    return c->x;
}

/* One read from the socket into the TLS input; as read(2) returns. */
static ssize_t
fill_rbio(struct obp_conn *c)
{
    uint8_t buf[OBP_IOBUF_SIZE];
    ssize_t n = read(c->fd, buf, sizeof(buf));

    if (n > 0 && BIO_write(c->x->rbio, buf, (int)n) != (int)n) {
        errno = ENOMEM;
        return -1;
    }
    return n;
}

/* Logs OpenSSL's reason once, where the conn's owner learns of it. */
static ssize_t
tls_failed(struct obp_conn *c, const char *op, int e)
{
    char why[160] = "closed";

    if (e == SSL_ERROR_SYSCALL && errno != 0)
        return -1;
    if (ERR_peek_error() != 0)
        ERR_error_string_n(ERR_get_error(), why, sizeof(why));
    ERR_clear_error();
    obp_log(OBP_LOG_INFO, c->sid, 0, "TLS %s: %s", op, why);
    errno = EPROTO;
    return -1;
}

static ssize_t
tls_read(struct obp_conn *c, uint8_t *dst, size_t cap)
{
    struct obp_xport *x = c->x;
    size_t            got = 0;
    ssize_t           f;
    int               r, e, turn;

    for (turn = 0; turn < TLS_TURNS && got < cap; turn++) {
        ERR_clear_error();
        r = SSL_read(x->ssl, dst + got, (int)(cap - got));
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        e = SSL_get_error(x->ssl, r);
        if (e == SSL_ERROR_WANT_READ) {
            f = fill_rbio(c);
            if (f > 0)
                continue;
            return got > 0 ? (ssize_t)got : f;
        }
        if (got > 0)
            return (ssize_t)got;
        if (e == SSL_ERROR_WANT_WRITE) {
            x->rd_wants_wr = 1;
            errno = EAGAIN;
            return -1;
        }
        if (e == SSL_ERROR_ZERO_RETURN)
            return 0;
        return tls_failed(c, "read", e);
    }
    /* turns ran out: records may wait in the rbio, the socket is quiet */
    if (got < cap)
        x->more = 1;
    if (got == 0)
        errno = EAGAIN;
    return got > 0 ? (ssize_t)got : -1;
}

static ssize_t
tls_write(struct obp_conn *c, const uint8_t *p, size_t len)
{
    struct obp_xport *x = c->x;
    ssize_t           f;
    int               r, e, turn;

    for (turn = 0; turn < TLS_TURNS; turn++) {
        ERR_clear_error();
        r = SSL_write(x->ssl, p, (int)(len < INT32_MAX ? len : INT32_MAX));
        if (r > 0)
            return r;
        e = SSL_get_error(x->ssl, r);
        if (e == SSL_ERROR_WANT_WRITE) {
            errno = EAGAIN;
            return -1;
        }
        if (e != SSL_ERROR_WANT_READ)
            return tls_failed(c, "write", e);
        /* a handshake under way: its answer may be on the socket */
        f = fill_rbio(c);
        if (f == 0)
            errno = EPIPE;
        if (f <= 0) {
            x->wr_wants_rd = errno == EAGAIN || errno == EWOULDBLOCK;
            return -1;
        }
    }
    errno = EAGAIN;
    return -1;
}

ssize_t
obp_xport_lower_read(struct obp_conn *c, uint8_t *dst, size_t cap)
{
    if (c->x->ssl != NULL)
        return tls_read(c, dst, cap);
    return read(c->fd, dst, cap);
}

ssize_t
obp_xport_lower_write(struct obp_conn *c, const uint8_t *p, size_t len)
{
    if (c->x->ssl != NULL)
        return tls_write(c, p, len);
    return write(c->fd, p, len);
}

int
obp_xport_tls(struct obp_conn *c, SSL_CTX *ctx, bool server)
{
    struct obp_xport *x = xport_of(c);
    struct obp_iobuf *b = c->in;
    BIO              *wbio;

    if (x == NULL || (x->ssl = SSL_new(ctx)) == NULL)
        return OBP_ERROR;
    x->rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new_socket(c->fd, BIO_NOCLOSE);
    if (x->rbio == NULL || wbio == NULL) {
        BIO_free(x->rbio);
        BIO_free(wbio);
        x->rbio = NULL;
        return OBP_ERROR;
    }
    BIO_set_mem_eof_return(x->rbio, -1);    /* empty means "wait" */
    SSL_set_bio(x->ssl, x->rbio, wbio);
    if (server)
        SSL_set_accept_state(x->ssl);
    else
        SSL_set_connect_state(x->ssl);
    x->plain_left = obp_conn_pending(c);
    if (b != NULL && b->recv > b->parse) {
        /* the start of the handshake came with the request */
        if (BIO_write(x->rbio, b->data + b->parse,
                      (int)(b->recv - b->parse)) != (int)(b->recv - b->parse))
            return OBP_ERROR;
        b->recv = b->parse;
        x->more = 1;
    }
    return OBP_OK;
}

int
obp_xport_zip(struct obp_conn *c)
{
    struct obp_xport *x = xport_of(c);

    if (x == NULL)
        return OBP_ERROR;
    x->clear_left = obp_conn_pending(c);
    x->zip = 1;
    return OBP_OK;
}

int
obp_xport_ob20(struct obp_conn *c, uint32_t conn_id, bool ask)
{
    struct obp_xport *x = xport_of(c);

    if (x == NULL)
        return OBP_ERROR;
    x->clear_left = obp_conn_pending(c);
    memset(&x->order, 0, sizeof(x->order));
    x->order.conn_id = conn_id;
    x->ob20 = 1;
    x->ob20_ask = ask;
    return OBP_OK;
}

ssize_t
obp_xport_read(struct obp_conn *c, uint8_t *dst, size_t cap)
{
    ssize_t r;

    c->x->more = 0;     /* the unpacker sets it when its turns ran out */
    r = c->x->zip ? obp_xzip_read(c, dst, cap)
        : c->x->ob20 ? obp_xob20_read(c, dst, cap)
        : obp_xport_lower_read(c, dst, cap);
    /* a full destination may leave plain bytes behind in user space */
    if (r > 0 && (size_t)r == cap)
        c->x->more = 1;
    return r;
}

/*
 * One step of writing <p>: bytes taken, or -1 with errno.  <last>: <p>
 * ends what the conn has to send now.
 */
static ssize_t
write_step(struct obp_conn *c, const uint8_t *p, size_t len, bool last)
{
    struct obp_xport *x = c->x;
    ssize_t           w;

    if (x->plain_left > 0) {
        w = write(c->fd, p, len < x->plain_left ? len : x->plain_left);
        if (w > 0)
            x->plain_left -= (size_t)w;
        return w;
    }
    if (x->zip && x->clear_left == 0)
        return obp_xzip_pack(c, p, len);
    if (x->ob20 && x->clear_left == 0)
        return obp_xob20_pack(c, p, len, last);
    if (x->clear_left > 0 && len > x->clear_left)
        len = x->clear_left;
    w = obp_xport_lower_write(c, p, len);
    if (w > 0 && x->clear_left > 0)
        x->clear_left -= (size_t)w;
    return w;
}

static bool
would_block(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

ssize_t
obp_xport_write(struct obp_conn *c, const struct iovec *iov, int n)
{
    size_t  taken = 0, off = 0;
    ssize_t w;
    int     i = 0, rc, err = 0;

    /* each turn sends the packed bytes or takes more: bounded by iov */
    for (;;) {
        rc = obp_xzip_flush(c);
        if (rc != OBP_OK) {
            err = rc == OBP_ERROR && !would_block(errno) ? errno : 0;
            break;
        }
        while (i < n && off == iov[i].iov_len) {
            i++;
            off = 0;
        }
        if (i == n)
            break;
        w = write_step(c, (const uint8_t *)iov[i].iov_base + off,
                       iov[i].iov_len - off, i == n - 1);
        if (w <= 0) {
            err = w < 0 && !would_block(errno) ? errno : 0;
            break;
        }
        taken += (size_t)w;
        off += (size_t)w;
    }
    if (err != 0) {
        errno = err;
        return -1;
    }
    return (ssize_t)taken;
}

size_t
obp_xport_pending(const struct obp_xport *x)
{
    return x->wire != NULL ? x->wire->recv - x->wire->done : 0;
}

bool
obp_xport_buffered(const struct obp_xport *x)
{
    return x->more;
}

void
obp_xport_free(struct obp_conn *c)
{
    struct obp_xport *x = c->x;

    if (x == NULL)
        return;
    SSL_free(x->ssl);
    obp_xzip_free(c);
    obp_xob20_free(c);
    free(x);
    c->x = NULL;
}

const char *
obp_xport_tls_version(const struct obp_xport *x)
{
    return x != NULL && x->ssl != NULL ? SSL_get_version(x->ssl) : NULL;
}
