/*
 * obproxyctl: sends one request line to ROOT/run/obproxy.sock, prints the
 * reply and exits 0 on "ok...", 1 on "failed..." or when obproxy cannot
 * be reached, 2 on a usage error.  After "stop" it waits (-w) for the
 * connection to end, which happens when the master exits.  A program of
 * its own, so it includes obp.h only and never uses libev.
 */
#include "obp.h"

#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REPLY_WAIT_MS   10000
#define DEFAULT_WAIT_S  60
#define REPLY_MAX       65536

struct ctl_args {
    const char *root;
    const char *socket;
    char        path[PATH_MAX];
    long        wait_s;
    const char *verb;
    bool        fast;
    char        binary[PATH_MAX];   /* upgrade's BINARY, absolute */
};

static void
usage(FILE *out)
{
    fprintf(out,
"Usage: obproxyctl [-d ROOT] [-s SOCKET] [-w SECONDS] COMMAND\n"
"\n"
"Commands:\n"
"  status        show the master, its workers and their counters\n"
"  stop [--fast] stop obproxy gracefully (or fast) and wait until it exits\n"
"  help          list the commands the running obproxy knows\n"
"  upgrade [BINARY]  hot upgrade (to BINARY); answers once it serves\n"
"  rollback      while two generations run: the old one serves again\n"
"  commit        while two generations run: the old one exits now\n"
"\n"
"Options:\n"
"  -d ROOT       obproxy's root directory (default $OBPROXY_ROOT, else .)\n"
"  -s SOCKET     control socket (default ROOT/run/obproxy.sock)\n"
"  -w SECONDS    how long stop waits for obproxy to exit (default %d)\n"
"  -h, --help    print this help\n"
"  -V, --version print the version\n"
"\n"
"Exit status: 0 ok, 1 failed or not running, 2 usage error.\n",
            DEFAULT_WAIT_S);
}

static int
bad_usage(const char *fmt, const char *what)
{
    fprintf(stderr, "obproxyctl: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n");
    usage(stderr);
    return 2;
}

/* The verb and its argument, after the options. */
static int
parse_command(struct ctl_args *a, int argc, char **argv)
{
    if (optind >= argc)
        return bad_usage("%s", "no command given");
    a->verb = argv[optind++];
    if (strcmp(a->verb, "stop") == 0 && optind < argc
        && (strcmp(argv[optind], "--fast") == 0
            || strcmp(argv[optind], "fast") == 0)) {
        a->fast = true;
        optind++;
    }
    /* the master runs in its root: BINARY goes there absolute */
    if (strcmp(a->verb, "upgrade") == 0 && optind < argc
        && realpath(argv[optind++], a->binary) == NULL)
        return bad_usage("no such binary '%s'", argv[optind - 1]);
    if (strcmp(a->verb, "status") != 0 && strcmp(a->verb, "stop") != 0
        && strcmp(a->verb, "help") != 0 && strcmp(a->verb, "upgrade") != 0
        && strcmp(a->verb, "rollback") != 0
        && strcmp(a->verb, "commit") != 0)
        return bad_usage("unknown command '%s'", a->verb);
    if (optind < argc)
        return bad_usage("unexpected argument '%s'", argv[optind]);
    return 0;
}

/* 0 to go on, -1 when help or version was printed, 2 on a usage error. */
static int
parse_args(struct ctl_args *a, int argc, char **argv)
{
    static const struct option longs[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    char *end;
    int   opt;

    while ((opt = getopt_long(argc, argv, "+d:s:w:hV", longs, NULL)) != -1) {
        switch (opt) {
        case 'd':
            a->root = optarg;
            break;
        case 's':
            a->socket = optarg;
            break;
        case 'w':
            errno = 0;
            a->wait_s = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || a->wait_s < 0
                || a->wait_s > 86400)
                return bad_usage("-w: '%s' is not a number of seconds",
                                 optarg);
            break;
        case 'h':
            usage(stdout);
            return -1;
        case 'V':
            printf("obproxyctl (obproxy %s)\n", OBP_VERSION_STRING);
            return -1;
        default:
            usage(stderr);
            return 2;
        }
    }
    return parse_command(a, argc, argv);
}

static int
socket_path(struct ctl_args *a)
{
    const char *root = a->root != NULL ? a->root : getenv("OBPROXY_ROOT");
    char        cwd[PATH_MAX];
    int         n;

    if (root == NULL || root[0] == '\0')
        root = getcwd(cwd, sizeof(cwd)) != NULL ? cwd : ".";
    if (a->socket != NULL)
        n = snprintf(a->path, sizeof(a->path), "%s", a->socket);
    else
        n = snprintf(a->path, sizeof(a->path), "%s/run/obproxy.sock", root);
    if (n < 0 || (size_t)n >= sizeof(a->path)) {
        fprintf(stderr, "obproxyctl: socket path too long\n");
        return OBP_ERROR;
    }
    return OBP_OK;
}

/* A path too long for sun_path is reached from its directory. */
static int
connect_to(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct timeval     tv = { .tv_sec = REPLY_WAIT_MS / 1000 };
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
wait_input(int fd, int timeout_ms)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int           rc;

    do
        rc = poll(&pfd, 1, timeout_ms);
    while (rc == -1 && errno == EINTR);
    return rc;
}

static bool
is_last_line(const char *line, size_t len)
{
    return (len >= 2 && strncmp(line, "ok", 2) == 0)
           || (len >= 6 && strncmp(line, "failed", 6) == 0);
}

/*
 * Prints the reply lines up to the last one.  0 when it starts with
 * "ok", 1 otherwise.
 */
static int
read_reply(int fd)
{
    static char buf[REPLY_MAX];
    size_t      len = 0, start = 0;
    ssize_t     n;

    for (;;) {
        if (wait_input(fd, REPLY_WAIT_MS) != 1 || len == sizeof(buf)) {
            fprintf(stderr, "obproxyctl: no complete reply from obproxy\n");
            return 1;
        }
        n = read(fd, buf + len, sizeof(buf) - len);
        if (n <= 0) {
            fprintf(stderr, "obproxyctl: obproxy closed the connection "
                    "before its reply ended\n");
            return 1;
        }
        len += (size_t)n;
        for (char *nl; (nl = memchr(buf + start, '\n', len - start)) != NULL;
             start = (size_t)(nl - buf) + 1) {
            size_t linelen = (size_t)(nl - (buf + start));

            printf("%.*s\n", (int)linelen, buf + start);
            if (is_last_line(buf + start, linelen))
                return strncmp(buf + start, "ok", 2) == 0 ? 0 : 1;
        }
    }
}

/* After "stop": the master closes our connection when it exits. */
static int
wait_exit(int fd, long wait_s)
{
    int64_t deadline = obp_now_us() + (int64_t)wait_s * 1000000;
    char    buf[512];

    for (;;) {
        int64_t left_ms = (deadline - obp_now_us()) / 1000;
        ssize_t n;

        if (left_ms <= 0 || wait_input(fd, (int)left_ms) != 1) {
            fprintf(stderr, "obproxyctl: obproxy still running after %ld s\n",
                    wait_s);
            return 1;
        }
        n = read(fd, buf, sizeof(buf));
        if (n == 0 || (n == -1 && errno == ECONNRESET)) {
            printf("obproxy stopped\n");
            return 0;
        }
        if (n == -1 && errno != EINTR) {
            fprintf(stderr, "obproxyctl: %s: %s\n", "read", strerror(errno));
            return 1;
        }
    }
}

static int
send_request(int fd, const struct ctl_args *a)
{
    char line[PATH_MAX + 64];
    int  n = snprintf(line, sizeof(line), "%s%s%s%s\n", a->verb,
                      a->fast ? " fast" : "", a->binary[0] != '\0' ? " " : "",
                      a->binary);

    if (n < 0 || (size_t)n >= sizeof(line)
        || write(fd, line, (size_t)n) != n) {
        fprintf(stderr, "obproxyctl: cannot send the request: %s\n",
                strerror(errno));
        return OBP_ERROR;
    }
    return OBP_OK;
}

int
main(int argc, char **argv)
{
    struct ctl_args a = { .wait_s = DEFAULT_WAIT_S };
    int             rc = parse_args(&a, argc, argv);
    int             fd;

    if (rc != 0)
        return rc == -1 ? 0 : rc;
    if (socket_path(&a) != OBP_OK)
        return 1;
    fd = connect_to(a.path);
    if (fd == -1) {
        fprintf(stderr, "obproxyctl: obproxy is not running (%s: %s)\n",
                a.path, strerror(errno));
        return 1;
    }
    rc = send_request(fd, &a) == OBP_OK ? read_reply(fd) : 1;
    fflush(stdout);
    if (rc == 0 && strcmp(a.verb, "stop") == 0)
        rc = wait_exit(fd, a.wait_s);
    close(fd);
    return rc;
}
