/*
 * obproxyctl: controls the obproxy of a root directory.  Each verb is one
 * request line to ROOT/run/obproxy.sock, answered with lines ending in
 * "ok..." or "failed..."; a verb obproxyctl does not know is sent as it
 * is.  When the socket cannot answer, the verbs that map onto a signal
 * send it to the pid in ROOT/run/obproxy.pid and say so.  start runs the
 * obproxy binary.  Exit statuses are in octl.h and README.
 */
#include "obp.h"
#include "octl.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_WAIT_S     60
#define DEFAULT_TIMEOUT_S  10

struct verb {
    const char *name;
    const char *synopsis;
    const char *help;
    int         min_args, max_args;
    int         signo;              /* the fallback, 0 for none */
};

static const struct verb verbs[] = {
    { "status", "status",
      "Shows the master (pid, version, state, generation, uptime,\n"
      "configuration, listeners, open client connections), each worker\n"
      "(pid, state, restarts), each server of the blocklist with what\n"
      "the monitor's probes found (detection, read_only, replica) and\n"
      "the counters.  Exit 0 running, 3 not running, 1 not running but the\n"
      "pid file names a dead process, 4 the master lives but its control\n"
      "socket does not answer.", 0, 0, 0 },
    { "start", "start [--binary PATH] [OBPROXY OPTIONS...]",
      "Starts obproxy (the binary beside obproxyctl, or PATH) with\n"
      "OBPROXY_ROOT set to the root and the options given (-f FILE, -o\n"
      "...; not -N), and returns once it serves.  Exit 0 started, 5\n"
      "already running, 1 it did not start.", 0, 64, 0 },
    { "stop", "stop [--graceful|--fast]",
      "Stops obproxy gracefully (open sessions finish, bounded by\n"
      "hot_upgrade_exit_timeout) or fast, and waits (-w) until the master\n"
      "has exited; inside a hot upgrade's rollback window, both\n"
      "generations.  Without the control socket: QUIT (graceful) or TERM\n"
      "(fast) to the pid in the pid file.  Exit 0 stopped, 3 not\n"
      "running, 1 still running after the wait.", 0, 1, SIGQUIT },
    { "reload", "reload",
      "Reloads the configuration as HUP does and says whether the new one\n"
      "runs: refused with every error, or accepted with each changed\n"
      "value and its source, the changed parameters that need a restart,\n"
      "and each value CONFIG.runtime (config set) keeps over the file.\n"
      "Without the control socket: HUP.  Exit 0 accepted, 1 refused.",
      0, 0, SIGHUP },
    { "reopen-logs", "reopen-logs",
      "Reopens the log files (after logrotate moved them), as USR1 does.\n"
      "Without the control socket: USR1.", 0, 0, SIGUSR1 },
    { "workers", "workers",
      "Lists each worker: slot, pid, state, restarts.", 0, 0, 0 },
    { "stats", "stats",
      "Prints the counters summed over the workers.", 0, 0, 0 },
    { "config", "config get KEY | set KEY VALUE | unset KEY\n"
      "  config level set TABLE CLUSTER TENANT NAME VALUE\n"
      "  config level delete TABLE CLUSTER TENANT [NAME]\n"
      "  config level list [TABLE]",
      "get: the running value of a parameter, its source (default, file,\n"
      "runtime, command line), the file's value when another source\n"
      "shadows it, its default, its mode (reload, restart, readonly) and\n"
      "the value saved by config set.\n"
      "set: checks the value and the whole configuration as a reload does\n"
      "and applies it; it is saved in CONFIG.runtime (ROOT/etc/\n"
      "obproxy.runtime without a file) so a restart keeps it, and wins\n"
      "over the file.  A parameter that needs a restart is saved only, and\n"
      "the reply says so; a read-only one, or one set on obproxy's command\n"
      "line, is refused.\n"
      "unset: drops the value config set saved and applies the file's (or\n"
      "the default) as a reload does.\n"
      "level set: a tenant's (CLUSTER TENANT), a cluster's (CLUSTER '') or\n"
      "a tenant's in any cluster ('' TENANT) row of TABLE proxy_config\n"
      "(NAME a multi-level parameter), white_list (NAME ip_list, VALUE\n"
      "addresses and prefixes) or ssl_config (NAME key_info, VALUE JSON);\n"
      "checked and applied as config set is, kept in CONFIG.runtime.\n"
      "level delete: drops such rows (all of the tenant's without NAME).\n"
      "level list: every row, TABLE's only when given, quoted, with its\n"
      "source (file, runtime, shadowed).  obproxyctl quotes each argument\n"
      "for the control socket ('...', a quote doubled); give '' for empty.\n"
      "Exit 0 done (or saved), 1 refused with the reason.", 2, 64, 0 },
    { "upgrade", "upgrade [BINARY]",
      "Hot upgrade: the master starts BINARY (default: the binary at its\n"
      "own path) as the new generation.  Without the control socket and\n"
      "without BINARY: USR2.", 0, 1, SIGUSR2 },
    { "rollback", "rollback",
      "During an upgrade: the old generation resumes and the new one\n"
      "stops.", 0, 0, 0 },
    { "commit", "commit",
      "During an upgrade: the old generation ends now.  Without the\n"
      "control socket: WINCH.", 0, 0, SIGWINCH },
    { "help", "help",
      "Lists the verbs the running obproxy knows.", 0, 0, 0 },
};

struct args {
    const char        *root;
    const char        *socket;
    const char        *binary;
    const struct verb *verb;
    const char        *name;
    char             **argv;
    int                argc;
    bool               fast;
};

static void
usage(FILE *out)
{
    fprintf(out,
"Usage: obproxyctl [-d ROOT] [-s SOCKET] [-w SECONDS] [-t SECONDS] [--json]\n"
"                  VERB [ARGS] [--json] [--help]\n"
"\n"
"Verbs:\n");
    for (size_t i = 0; i < OBP_NELEMS(verbs); i++)
        fprintf(out, "  %s\n", verbs[i].synopsis);
    fprintf(out,
"Other verbs are sent to obproxy as they are.\n"
"\n"
"Options:\n"
"  -d ROOT       obproxy's root directory (default $OBPROXY_ROOT, else the\n"
"                working directory, /var/lib/obproxy instead of /)\n"
"  -s SOCKET     control socket (default ROOT/run/obproxy.sock)\n"
"  -w SECONDS    how long stop waits for obproxy to exit (default %d)\n"
"  -t SECONDS    how long to wait for a reply (default %d)\n"
"  -j, --json    print one JSON object on stdout\n"
"  -h, --help    print this help; VERB --help explains a verb\n"
"  -V, --version print the version\n"
"\n"
"Exit status: 0 done, 1 failed, 2 usage error, 3 not running,\n"
"4 no answer from a running master (status), 5 already running (start).\n",
            DEFAULT_WAIT_S, DEFAULT_TIMEOUT_S);
}

static int
bad_usage(const char *fmt, const char *what)
{
    fprintf(stderr, "obproxyctl: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n");
    usage(stderr);
    return OBP_OCTL_USAGE;
}

static int
verb_help(const struct args *a)
{
    if (a->verb == NULL) {
        printf("obproxyctl does not know '%s': it sends it to obproxy as it "
               "is.\n'obproxyctl help' lists the verbs obproxy knows.\n",
               a->name);
        return OBP_OCTL_OK;
    }
    printf("Usage: obproxyctl [OPTIONS] %s\n\n%s\n", a->verb->synopsis,
           a->verb->help);
    return OBP_OCTL_OK;
}

/* Takes --json, --help and the verb's own options out of the arguments. */
static int
verb_options(struct args *a, struct obp_octl *c)
{
    int n = 0;

    for (int i = 0; i < a->argc; i++) {
        const char *s = a->argv[i];
        bool        start = a->verb != NULL && strcmp(a->name, "start") == 0;
        bool        stop = a->verb != NULL && strcmp(a->name, "stop") == 0;

        if (strcmp(s, "--json") == 0) {
            c->out.json = true;
        } else if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            return verb_help(a) == OBP_OCTL_OK ? -1 : OBP_OCTL_USAGE;
        } else if (start && strcmp(s, "--binary") == 0) {
            if (++i == a->argc)
                return bad_usage("%s", "--binary needs a PATH");
            a->binary = a->argv[i];
        } else if (stop && (strcmp(s, "--fast") == 0
                            || strcmp(s, "fast") == 0)) {
            a->fast = true;
        } else if (stop && (strcmp(s, "--graceful") == 0
                            || strcmp(s, "graceful") == 0)) {
            a->fast = false;
        } else {
            a->argv[n++] = a->argv[i];
        }
    }
    a->argc = n;
    return 0;
}

/* True for "config level ...": its arguments go quoted (ctlarg.h). */
static bool
is_level(const struct args *a)
{
    return a->verb != NULL && strcmp(a->name, "config") == 0
           && a->argc >= 2 && strcmp(a->argv[0], "level") == 0;
}

static bool
config_args_ok(const struct args *a)
{
    const char *sub = a->argv[0];
    int         n = a->argc;

    if (is_level(a)) {
        sub = a->argv[1];
        return (strcmp(sub, "set") == 0 && n == 7)
               || (strcmp(sub, "delete") == 0 && (n == 5 || n == 6))
               || (strcmp(sub, "list") == 0 && (n == 2 || n == 3));
    }
    return ((strcmp(sub, "get") == 0 || strcmp(sub, "unset") == 0)
            && n == 2)
           || (strcmp(sub, "set") == 0 && n >= 3);
}

static int
check_args(const struct args *a)
{
    const struct verb *v = a->verb;

    if (v == NULL)
        return 0;
    if (a->argc < v->min_args || a->argc > v->max_args)
        return bad_usage("usage: obproxyctl %s", v->synopsis);
    if (strcmp(v->name, "config") == 0 && !config_args_ok(a))
        return bad_usage("usage: obproxyctl %s", v->synopsis);
    return 0;
}

/* 0 to go on, -1 when help or version was printed, else an exit status. */
static int
parse_args(struct args *a, struct obp_octl *c, int argc, char **argv)
{
    static const struct option longs[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "json", no_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 }
    };
    char *end;
    long *num;
    int   opt, rc;

    while ((opt = getopt_long(argc, argv, "+d:s:w:t:jhV", longs, NULL))
           != -1) {
        switch (opt) {
        case 'd':
            a->root = optarg;
            break;
        case 's':
            a->socket = optarg;
            break;
        case 'w':
        case 't':
            num = opt == 'w' ? &c->wait_s : &c->timeout_s;
            errno = 0;
            *num = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || *num < 0
                || *num > 86400 || (opt == 't' && *num == 0))
                return bad_usage("'%s' is not a number of seconds", optarg);
            break;
        case 'j':
            c->out.json = true;
            break;
        case 'h':
            usage(stdout);
            return -1;
        case 'V':
            printf("obproxyctl (obproxy %s)\n", OBP_VERSION_STRING);
            return -1;
        default:
            usage(stderr);
            return OBP_OCTL_USAGE;
        }
    }
    if (optind >= argc)
        return bad_usage("%s", "no verb given");
    a->name = argv[optind++];
    for (size_t i = 0; i < OBP_NELEMS(verbs); i++) {
        if (strcmp(verbs[i].name, a->name) == 0)
            a->verb = &verbs[i];
    }
    a->argv = argv + optind;
    a->argc = argc - optind;
    rc = verb_options(a, c);
    return rc != 0 ? rc : check_args(a);
}

static int
join(char *out, size_t len, const char *a, const char *b)
{
    int n = snprintf(out, len, "%s%s", a, b);

    return n < 0 || (size_t)n >= len ? OBP_ERROR : OBP_OK;
}

static int
paths(struct obp_octl *c, const struct args *a)
{
    const char *root = a->root != NULL ? a->root : getenv("OBPROXY_ROOT");
    char        cwd[PATH_MAX];

    if (getcwd(cwd, sizeof(cwd)) == NULL)
        snprintf(cwd, sizeof(cwd), ".");
    if (root == NULL || root[0] == '\0')
        root = obp_root_default(cwd);
    if ((root[0] == '/' ? join(c->root, sizeof(c->root), root, "")
         : snprintf(c->root, sizeof(c->root), "%s/%s", cwd, root) < 0)
        || join(c->pidfile, sizeof(c->pidfile), c->root, "/run/obproxy.pid")
        || (a->socket != NULL
            ? join(c->sock, sizeof(c->sock), a->socket, "")
            : join(c->sock, sizeof(c->sock), c->root, "/run/obproxy.sock"))) {
        fprintf(stderr, "obproxyctl: path too long\n");
        return OBP_ERROR;
    }
    return OBP_OK;
}

/* The request line: the verb and its arguments; BINARY made absolute. */
static int
request(const struct args *a, char *line, size_t len)
{
    size_t n = (size_t)snprintf(line, len, "%s", a->name);
    char   cwd[PATH_MAX];

    if (a->verb != NULL && strcmp(a->name, "stop") == 0 && a->fast)
        n += (size_t)snprintf(line + n, len - n, " fast");
    for (int i = 0; i < a->argc && n < len; i++) {
        bool rel = strcmp(a->name, "upgrade") == 0 && a->argv[i][0] != '/'
                   && getcwd(cwd, sizeof(cwd)) != NULL;

        if (strpbrk(a->argv[i], "\r\n") != NULL)
            return bad_usage("%s", "an argument holds a line break");
        if (is_level(a) && i >= 2) {
            if (obp_ctlarg_add(line, len, &n, a->argv[i]) != OBP_OK)
                n = len;
            continue;
        }
        n += (size_t)snprintf(line + n, len - n, " %s%s%s", rel ? cwd : "",
                              rel ? "/" : "", a->argv[i]);
    }
    if (n >= len)
        return bad_usage("%s", "the request is too long");
    return 0;
}

/* The socket did not answer: the pid file and a signal, when one fits. */
static int
fallback(struct obp_octl *c, const struct args *a, const char *why)
{
    pid_t named, pid = obp_octl_live_pid(c, &named);
    int   signo = a->verb != NULL && a->argc == 0 ? a->verb->signo : 0;

    if (pid == 0) {
        obp_octl_member(&c->out, "running", "false");
        if (named > 0 && a->verb != NULL && strcmp(a->name, "status") == 0) {
            obp_octl_say(&c->out, true, "error", "obproxy is not running, "
                         "but %s names pid %ld", c->pidfile, (long)named);
            return OBP_OCTL_FAILED;
        }
        obp_octl_say(&c->out, true, "error", "obproxy is not running (%s)",
                     why);
        return OBP_OCTL_NOT_RUNNING;
    }
    obp_octl_member(&c->out, "running", "true");
    if (signo == SIGQUIT && a->fast)
        signo = SIGTERM;
    if (signo == 0) {
        obp_octl_say(&c->out, true, "error", "obproxy (pid %ld) does not "
                     "answer: %s", (long)pid, why);
        return strcmp(a->name, "status") == 0 ? OBP_OCTL_NO_ANSWER
                                              : OBP_OCTL_FAILED;
    }
    if (kill(pid, signo) == -1) {
        obp_octl_say(&c->out, true, "error", "cannot signal pid %ld: %s",
                     (long)pid, strerror(errno));
        return OBP_OCTL_FAILED;
    }
    obp_octl_say(&c->out, true, "fallback", "the control socket did not "
                 "answer (%s): sent SIG%s to pid %ld from %s", why,
                 sigabbrev_np(signo), (long)pid, c->pidfile);
    return signo == SIGQUIT || signo == SIGTERM ? obp_octl_wait_pid(c, pid)
                                                : OBP_OCTL_OK;
}

static int
run(struct obp_octl *c, const struct args *a)
{
    char line[OBP_OCTL_LINE_MAX];
    char why[PATH_MAX + 128];
    int  fd, rc;

    if (a->verb != NULL && strcmp(a->name, "start") == 0)
        return obp_octl_start(c, a->binary, a->argv, a->argc);
    rc = request(a, line, sizeof(line));
    if (rc != 0)
        return rc;
    rc = obp_octl_request(c, line, &fd, why, sizeof(why));
    if (rc == -1)
        return fallback(c, a, why);
    obp_octl_member(&c->out, "running", "true");
    if (rc == 0 && strcmp(a->name, "stop") == 0)
        rc = obp_octl_wait_close(c, fd);
    close(fd);
    return rc == 0 ? OBP_OCTL_OK : OBP_OCTL_FAILED;
}

int
main(int argc, char **argv)
{
    struct obp_octl c = { .wait_s = DEFAULT_WAIT_S,
                          .timeout_s = DEFAULT_TIMEOUT_S };
    struct args     a = { 0 };
    int             rc = parse_args(&a, &c, argc, argv);

    if (rc != 0)
        return rc == -1 ? OBP_OCTL_OK : rc;
    if (paths(&c, &a) != OBP_OK)
        return OBP_OCTL_FAILED;
    return obp_octl_end(&c.out, a.name, run(&c, &a));
}
