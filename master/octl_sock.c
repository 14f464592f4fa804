/*
 * obproxyctl's side of the control socket: connect (a path too long for
 * sun_path is reached from its directory), send one request line, read
 * the reply lines (64 KB each at most) up to "ok..." or "failed...",
 * each bounded by the reply timeout, and after "stop" wait for the
 * master to close the connection.
 */
#include "obp.h"
#include "octl.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REPLY_MAX 65536

static int
connect_to(const char *path, long timeout_s)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct timeval     tv = { .tv_sec = timeout_s };
    const char        *name = path;
    const char        *slash = strrchr(path, '/');
    char               dir[PATH_MAX];
    int                fd;

    if (strlen(path) >= sizeof(sun.sun_path) && slash != NULL) {
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
        if (chdir(dir[0] != '\0' ? dir : "/") == -1)
            return -1;
        name = slash + 1;
    }
    if (obp_strlcpy(sun.sun_path, name, sizeof(sun.sun_path))
        >= sizeof(sun.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return -1;
    /* Bounds a connect or a send to a master that does not accept. */
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1
        || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
        int err = errno;

        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/* Waits for input; 1 readable, 0 timed out, -1 error. */
static int
wait_input(int fd, long timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int           rc;

    do
        rc = poll(&pfd, 1, (int)timeout_ms);
    while (rc == -1 && errno == EINTR);
    return rc;
}

static bool
is_last_line(const char *line, size_t len)
{
    return (len >= 2 && strncmp(line, "ok", 2) == 0)
           || (len >= 6 && strncmp(line, "failed", 6) == 0);
}

/* 0 on "ok...", 1 on "failed...", -1 when the reply did not end. */
static int
read_reply(struct obp_octl *c, int fd, char *why, size_t whylen)
{
    static char buf[REPLY_MAX];
    size_t      len = 0, start = 0;
    ssize_t     n;

    for (;;) {
        /* the lines handed on make room: only one line must fit */
        memmove(buf, buf + start, len - start);
        len -= start;
        start = 0;
        if (len == sizeof(buf) || wait_input(fd, c->timeout_s * 1000) != 1) {
            snprintf(why, whylen, "no reply within %ld s", c->timeout_s);
            return -1;
        }
        n = read(fd, buf + len, sizeof(buf) - len);
        if (n <= 0) {
            snprintf(why, whylen, "the connection closed before the reply "
                     "ended");
            return -1;
        }
        len += (size_t)n;
        for (char *nl; (nl = memchr(buf + start, '\n', len - start)) != NULL;
             start = (size_t)(nl - buf) + 1) {
            size_t linelen = (size_t)(nl - (buf + start));

            obp_octl_reply_line(&c->out, buf + start, linelen);
            if (is_last_line(buf + start, linelen))
                return strncmp(buf + start, "ok", 2) == 0 ? 0 : 1;
        }
    }
}

int
obp_octl_request(struct obp_octl *c, const char *request, int *fdp,
                 char *why, size_t whylen)
{
    size_t len = strlen(request);
    int    fd = connect_to(c->sock, c->timeout_s);
    int    rc;

    *fdp = -1;
    if (fd == -1) {
        snprintf(why, whylen, "%s: %s", c->sock, strerror(errno));
        return -1;
    }
    if (obp_write_all(fd, request, len) != OBP_OK
        || obp_write_all(fd, "\n", 1) != OBP_OK) {
        snprintf(why, whylen, "cannot send the request: %s", strerror(errno));
        close(fd);
        return -1;
    }
    rc = read_reply(c, fd, why, whylen);
    fflush(stdout);
    if (rc == -1)
        close(fd);
    else
        *fdp = fd;
    return rc;
}

int
obp_octl_wait_close(struct obp_octl *c, int fd)
{
    int64_t deadline = obp_now_us() + (int64_t)c->wait_s * 1000000;
    char    buf[512];

    for (;;) {
        int64_t left_ms = (deadline - obp_now_us()) / 1000;
        ssize_t n;

        if (left_ms <= 0 || wait_input(fd, (long)left_ms) != 1) {
            obp_octl_say(&c->out, true, "error", "obproxy still running "
                         "after %ld s", c->wait_s);
            return OBP_OCTL_FAILED;
        }
        n = read(fd, buf, sizeof(buf));
        if (n == 0 || (n == -1 && errno == ECONNRESET)) {
            obp_octl_say(&c->out, false, "stopped", "obproxy stopped");
            return OBP_OCTL_OK;
        }
        if (n == -1 && errno != EINTR) {
            obp_octl_say(&c->out, true, "error", "read: %s", strerror(errno));
            return OBP_OCTL_FAILED;
        }
    }
}
