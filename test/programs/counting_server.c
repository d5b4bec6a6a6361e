/*
 * counting_server.c - examples/reap_loop_server with the kernel's side of the
 * count: a fork-per-connection echo server (SIGCHLD handler that loops on
 * waitpid(WNOHANG), SA_RESTART) that counts what it did, so a load test can
 * compare the trace with the server's own numbers.
 *
 * On SIGUSR1 (and SIGTERM, then it exits 0) it writes one line to stdout:
 *   counts accepted A forked F reaped R
 * accepted = accept() calls that returned a connection, forked = fork() calls
 * that made a child, reaped = waitpid() calls that returned a pid.
 *
 * Usage: counting_server [PORT]    (PORT 0 or absent = ephemeral; loopback only)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t accepted, forked, reaped;

static void on_sigchld(int sig)
{
    int saved_errno = errno;
    int st;
    (void)sig;
    while (waitpid(-1, &st, WNOHANG) > 0)        /* reap every exited child */
        reaped++;
    errno = saved_errno;
}

/* Appends the decimal digits of n to *p (async-signal-safe, no stdio). */
static void put_number(char **p, long n)
{
    char digits[24];
    int k = 0;
    do {
        digits[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    while (k > 0)
        *(*p)++ = digits[--k];
}

static void put_text(char **p, const char *s)
{
    while (*s)
        *(*p)++ = *s++;
}

static void report(void)
{
    char line[128], *p = line;
    put_text(&p, "counts accepted ");
    put_number(&p, accepted);
    put_text(&p, " forked ");
    put_number(&p, forked);
    put_text(&p, " reaped ");
    put_number(&p, reaped);
    *p++ = '\n';
    ssize_t ignored = write(STDOUT_FILENO, line, (size_t)(p - line));
    (void)ignored;
}

static void on_sigusr1(int sig)
{
    int saved_errno = errno;
    (void)sig;
    report();
    errno = saved_errno;
}

static void on_sigterm(int sig)
{
    (void)sig;
    report();
    _exit(0);
}

static void echo_until_eof(int fd)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, n - off);
            if (w <= 0)
                return;
            off += w;
        }
}

static void handle(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGCHLD);   /* the counters do not move while reporting */
    sa.sa_flags = SA_RESTART;
    sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    handle(SIGCHLD, on_sigchld);                 /* install the SIGCHLD handler */
    handle(SIGUSR1, on_sigusr1);
    handle(SIGTERM, on_sigterm);

    long port = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    struct sockaddr_in addr = { .sin_family = AF_INET };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);   /* loopback only */
    addr.sin_port = htons((unsigned short)port);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 256) < 0) {
        perror("socket/bind/listen");
        return 1;
    }
    socklen_t len = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &len);
    printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));

    for (;;) {
        int conn = accept(lfd, NULL, NULL);
        if (conn < 0) {
            perror("accept");
            continue;
        }
        accepted++;
        pid_t pid = fork();                      /* one child per connection */
        if (pid == 0) {
            close(lfd);
            echo_until_eof(conn);
            _exit(0);
        }
        if (pid < 0)
            perror("fork");
        else
            forked++;
        close(conn);
    }
}
