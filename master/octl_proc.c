/*
 * obproxyctl without the control socket: the master's pid from
 * ROOT/run/obproxy.pid (a process that lives, is no zombie and runs a
 * program named obproxy*), waiting for it to exit, and starting obproxy:
 * the binary given, else "obproxy" beside obproxyctl, else ../sbin/obproxy
 * from there (the installed layout), run with OBPROXY_ROOT; it returns
 * once the daemon serves.
 */
#include "obp.h"
#include "octl.h"
#include "pidfile.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define POLL_US 50000

/* From /proc/PID/stat: "PID (COMM) STATE ...". */
static bool
is_live_obproxy(pid_t pid)
{
    char    path[64], buf[256];
    char   *open_paren, *close_paren;
    int     fd;
    ssize_t n;

    if (kill(pid, 0) == -1 && errno != EPERM)
        return false;
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return true;            /* no /proc: trust kill() */
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    open_paren = strchr(buf, '(');
    close_paren = strrchr(buf, ')');
    if (open_paren == NULL || close_paren == NULL || close_paren[1] == '\0')
        return false;
    return close_paren[2] != 'Z'
           && strncmp(open_paren + 1, "obproxy", 7) == 0;
}

pid_t
obp_octl_live_pid(const struct obp_octl *c, pid_t *named)
{
    pid_t pid = obp_pidfile_read(c->pidfile);

    if (named != NULL)
        *named = pid;
    return pid > 0 && is_live_obproxy(pid) ? pid : 0;
}

int
obp_octl_wait_pid(struct obp_octl *c, pid_t pid)
{
    int64_t deadline = obp_now_us() + (int64_t)c->wait_s * 1000000;

    while (is_live_obproxy(pid)) {
        if (obp_now_us() >= deadline) {
            obp_octl_say(&c->out, true, "error", "obproxy (pid %ld) still "
                         "running after %ld s", (long)pid, c->wait_s);
            return OBP_OCTL_FAILED;
        }
        usleep(POLL_US);
    }
    obp_octl_say(&c->out, false, "stopped", "obproxy stopped");
    return OBP_OCTL_OK;
}

/* <dir of our executable>/<rel> into <out> if executable. */
static bool
beside_us(const char *rel, char *out, size_t len)
{
    char  self[PATH_MAX];
    char *slash;
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n <= 0)
        return false;
    self[n] = '\0';
    slash = strrchr(self, '/');
    if (slash == NULL)
        return false;
    *slash = '\0';
    n = snprintf(out, len, "%s/%s", self, rel);
    return n > 0 && (size_t)n < len && access(out, X_OK) == 0;
}

static int
run_binary(struct obp_octl *c, const char *binary, char **args, int nargs)
{
    char **argv = calloc((size_t)nargs + 2, sizeof(*argv));
    int    status;
    pid_t  pid;

    if (argv == NULL)
        return -1;
    argv[0] = (char *)binary;
    for (int i = 0; i < nargs; i++)
        argv[i + 1] = args[i];
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        /* One JSON object on stdout: obproxy's words go to stderr. */
        if (c->out.json)
            (void)dup2(STDERR_FILENO, STDOUT_FILENO);
        if (setenv("OBPROXY_ROOT", c->root, 1) == 0)
            execv(binary, argv);
        fprintf(stderr, "obproxyctl: cannot run %s: %s\n", binary,
                strerror(errno));
        _exit(127);
    }
    free(argv);
    if (pid == -1)
        return -1;
    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
obp_octl_start(struct obp_octl *c, const char *binary, char **args,
               int nargs)
{
    char  path[PATH_MAX];
    pid_t pid = obp_octl_live_pid(c, NULL);
    int   rc;

    if (pid > 0) {
        obp_octl_say(&c->out, true, "error", "obproxy is already running "
                     "(pid %ld, %s)", (long)pid, c->pidfile);
        return OBP_OCTL_RUNNING;
    }
    if (binary == NULL) {
        if (!beside_us("obproxy", path, sizeof(path))
            && !beside_us("../sbin/obproxy", path, sizeof(path))) {
            obp_octl_say(&c->out, true, "error", "no obproxy binary beside "
                         "obproxyctl: give --binary PATH");
            return OBP_OCTL_FAILED;
        }
        binary = path;
    }
    rc = run_binary(c, binary, args, nargs);
    if (rc != 0) {
        obp_octl_say(&c->out, true, "error", "%s did not start (exit "
                     "status %d)", binary, rc);
        return OBP_OCTL_FAILED;
    }
    pid = obp_octl_live_pid(c, NULL);
    obp_octl_say(&c->out, false, "started", "obproxy started (pid %ld)",
                 (long)pid);
    return OBP_OCTL_OK;
}
